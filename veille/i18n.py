"""What veille says to people, in French (the default) and English.

Messages are looked up by key in :data:`MESSAGES`, each a ``(français, English)`` pair of
``str.format`` templates, so both languages of a sentence sit side by side and a missing
translation is visible in review. The language is a context variable: an entry point (the
command line after reading the configuration, the web app for each request) sets it with
:func:`use`, and an error raised deep in the library is written in that language::

    with i18n.language("en"):
        i18n.message("week.not_iso", name="2026-46")   # "week '2026-46' is not an ISO week…"
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

LANGUAGES = ("fr", "en")
_language: ContextVar[str] = ContextVar("veille_language", default="fr")

MESSAGES: dict[str, tuple[str, str]] = {
    # weeks
    "week.not_iso": (
        "{name!r} n’est pas une semaine ISO. Écrivez-la comme 2026-W46.",
        "week {name!r} is not an ISO week. Hint: write it like 2026-W46.",
    ),
    "week.missing": (
        "la semaine {name!r} n’existe pas : {year} n’a pas de semaine {week}.",
        "week {name!r} does not exist: {year} has no week {week}.",
    ),
    # the letter
    "digest.no_draft": (
        "pas encore de brouillon pour la semaine {week}. "
        "Astuce : `veille digest draft --week {week}` le prépare.",
        "there is no draft for {week}. Hint: run `veille digest draft --week {week}` first.",
    ),
    "digest.not_in_draft": (
        "ces identifiants ne sont pas tous dans le brouillon de {week} ({count} absent(s)). "
        "Astuce : `veille digest show --week {week} --json` liste ses articles.",
        "{count} of these ids are not in the draft of {week}. "
        "Hint: `veille digest show --week {week} --json` lists its items.",
    ),
    "digest.unknown_section": (
        "section inconnue {target!r}. Les sections sont : {sections}.",
        "unknown section {target!r}. Hint: sections are {sections}.",
    ),
    "digest.empty": (
        "le brouillon de {week} ne retient aucun article : gardez-en au moins un avant de "
        "publier (`veille digest edit include ID --week {week}`).",
        "the draft of {week} keeps no item: keep at least one before publishing "
        "(`veille digest edit include ID --week {week}`).",
    ),
    "digest.cannot_write": (
        "impossible d’écrire {path} : {reason}. Astuce : vérifiez que le dossier est accessible "
        "en écriture, ou choisissez-en un autre avec --out.",
        "cannot write {path}: {reason}. Hint: check that the folder is writable, or pass --out "
        "with another folder.",
    ),
    "digest.not_published": (
        "la lettre de {week} n’est pas encore publiée : publiez-la avant de l’envoyer "
        "(`veille digest publish --week {week} --send`).",
        "{week} is not published yet. Hint: `veille digest publish --week {week} --send`.",
    ),
    "digest.no_site_url": (
        "pour envoyer la lettre, indiquez l’adresse https de l’archive dans "
        "settings.digest.site_url (le lien de désinscription y mène). Astuce : ajoutez "
        "`digest: {{site_url: https://veille.example.org/}}` sous settings dans sources.yaml.",
        "settings.digest.site_url must be the https address of the archive to send e-mail "
        "(the unsubscribe link points there). Hint: add `digest: {{site_url: "
        "https://veille.example.org/}}` under settings in sources.yaml.",
    ),
    # subscribers
    "subscriber.bad_email": (
        "{raw!r} n’est pas une adresse e-mail. Écrivez-la comme prenom.nom@example.org.",
        "{raw!r} is not an e-mail address. Hint: write it like prenom.nom@example.org.",
    ),
    "subscriber.unknown_tag": (
        "thème inconnu {tag!r} pour {address}. Les thèmes sont : {tags}.",
        "unknown tag {tag!r} for {address}. Hint: tags are {tags}.",
    ),
    "subscriber.bad_lang": (
        "langue {lang!r} pour {address} : choisissez fr ou en.",
        "language {lang!r} for {address} is not fr or en.",
    ),
    "subscriber.unreadable": (
        "impossible de lire {path} : {reason}.",
        "cannot read {path}: {reason}.",
    ),
    "subscriber.not_utf8": (
        "{path} n’est pas un fichier texte UTF-8. Astuce : dans le tableur, enregistrez-le en "
        "« CSV UTF-8 ».",
        "{path} is not UTF-8 text. Hint: save it as 'CSV UTF-8' from the spreadsheet.",
    ),
    "subscriber.no_header": (
        "{path} : la première ligne doit être un en-tête avec une colonne « email » "
        "(trouvé : {found}). Exemple : email,name,tags,lang",
        "{path}: the first line must be a header with an 'email' column "
        "(found {found}). Hint: email,name,tags,lang",
    ),
    "subscriber.unknown_column": (
        "{path} : colonne inconnue {column!r}. Les colonnes sont : {columns}.",
        "{path}: unknown column {column!r}. Hint: columns are {columns}.",
    ),
    "subscriber.line": ("{path}, ligne {line} : {problem}", "{path}, line {line}: {problem}"),
    "subscriber.nothing": ("rien", "nothing"),
    # fetching and reading what strangers publish (one failure stays with its entry or source)
    "fetch.bad_url": (
        "{url} n’est pas une adresse web utilisable ({reason}) : rien n’a été récupéré.",
        "{url} is not a usable web address ({reason}): nothing was fetched.",
    ),
    "fetch.unexpected": (
        "erreur inattendue en récupérant {url} ({detail}).",
        "unexpected error while fetching {url} ({detail}).",
    ),
    "ingest.unexpected": (
        "erreur inattendue en lisant cette source ({detail}) ; les autres sources "
        "ont été traitées.",
        "unexpected error while reading this source ({detail}); the other sources were processed.",
    ),
    "ingest.unexpected_entry": (
        "erreur inattendue sur cet article ({detail}) : le texte du flux est gardé.",
        "unexpected error on this item ({detail}): the feed's text is kept.",
    ),
    "feeds.too_many_entries": (
        "le flux liste {count} éléments : seuls les {kept} premiers sont lus.",
        "the feed lists {count} items: only the first {kept} are read.",
    ),
    "feeds.unreadable_entries": (
        "{count} élément(s) illisible(s) ignoré(s) ({detail}).",
        "{count} unreadable item(s) skipped ({detail}).",
    ),
    # running
    "run.prefect_not_started": (
        "le serveur temporaire de Prefect n’a pas démarré en {seconds} s (machine trop "
        "chargée ?). Astuce : relancez, ou faites tourner `veille serve` et indiquez son "
        "adresse dans PREFECT_API_URL.",
        "Prefect's temporary server did not start within {seconds} s (is the machine "
        "overloaded?). Hint: try again, or run `veille serve` and give its address in "
        "PREFECT_API_URL.",
    ),
    # the web app
    "web.move_needs_target": (
        "choisissez une section ou une position.",
        "choose a section or a position.",
    ),
    "web.subscribers_changed": (
        "le nombre d’abonnés a changé depuis l’affichage de la page : vérifiez-le et confirmez "
        "de nouveau.",
        "the number of subscribers changed since the page was shown: check it and confirm again.",
    ),
    "web.already_source": ("{url} est déjà une source.", "{url} is already a source."),
    "web.upload_too_large": (
        "le fichier envoyé dépasse {mb} Mo.",
        "the upload is larger than {mb} MB.",
    ),
    "web.no_file": (
        "aucun fichier reçu : choisissez un fichier, puis appuyez sur le bouton.",
        "no file was sent: choose a file, then press the button.",
    ),
    "web.bad_date": (
        "{value!r} n’est pas une date (AAAA-MM-JJ).",
        "{value!r} is not a date (YYYY-MM-DD).",
    ),
    "web.session_secret_short": (
        "VEILLE_SESSION_SECRET compte {count} caractères ; il en faut au moins 32. "
        "Astuce : python -c 'import secrets; print(secrets.token_hex(32))'.",
        "VEILLE_SESSION_SECRET has {count} characters; at least 32 are needed. "
        "Hint: python -c 'import secrets; print(secrets.token_hex(32))'.",
    ),
}


def current() -> str:
    """The language messages are written in now (``fr`` unless an entry point chose)."""
    return _language.get()


def use(lang: str) -> Token[str]:
    """Write messages in ``lang`` from now on in this context (unknown languages: French)."""
    return _language.set(lang if lang in LANGUAGES else "fr")


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Write messages in ``lang`` for the length of a block."""
    token = use(lang)
    try:
        yield
    finally:
        _language.reset(token)


def message(key: str, **params: object) -> str:
    """The message ``key`` in the current language, filled with ``params``."""
    french, english = MESSAGES[key]
    return (english if _language.get() == "en" else french).format(**params)


__all__ = ["LANGUAGES", "MESSAGES", "current", "language", "message", "use"]
