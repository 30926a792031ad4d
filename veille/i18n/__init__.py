"""What veille says to people, in French (the default) and English.

Every word veille shows lives in this package: the web app's in :mod:`veille.i18n.web`
(``WEB``), the letter's in :mod:`veille.i18n.letter` (``LETTER``), and the messages of the
command line and of errors here (those of the Qualiopi register in :mod:`veille.i18n.qualiopi`,
those of the schedule in :mod:`veille.i18n.schedule`, those of the channels in
:mod:`veille.i18n.channels`, those of the mailbox sources in :mod:`veille.i18n.mailbox`,
those of the team (roles, suggestions) in :mod:`veille.i18n.roles`, what is wrong in a
sources.yaml in :mod:`veille.i18n.config`, those about sources, subscribers, accounts,
sources.yaml and search in :mod:`veille.i18n.sources`, merged into :data:`MESSAGES`).

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
from datetime import date, timedelta

from veille.i18n.alerts import ALERTS, WEB_ALERTS
from veille.i18n.channels import CHANNELS
from veille.i18n.config import CONFIG
from veille.i18n.fetching import FETCHING
from veille.i18n.letter import LETTER as LETTER
from veille.i18n.mailbox import MAILBOX
from veille.i18n.publishing import PUBLISHING
from veille.i18n.qualiopi import QUALIOPI
from veille.i18n.roles import ROLES, WEB_ROLES
from veille.i18n.schedule import SCHEDULE
from veille.i18n.sending import SENDING
from veille.i18n.sources import SOURCES
from veille.i18n.web import WEB as WEB

LANGUAGES = ("fr", "en")
# Month names are written here instead of coming from locale.setlocale + strftime("%B"): server
# images often ship only C.UTF-8, setlocale is process-wide (not thread-safe) and the output must
# not depend on the host it runs on.
MONTHS: dict[str, tuple[str, ...]] = {
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
_language: ContextVar[str] = ContextVar("veille_language", default="fr")

MESSAGES: dict[str, tuple[str, str]] = {
    # weeks
    "week.label": ("semaine {dates}", "week of {dates}"),
    "week.title": ("Semaine {dates}", "Week of {dates}"),
    "week.not_iso": (
        "{name!r} n’est pas une semaine ISO. Écrivez-la comme 2026-W46.",
        "week {name!r} is not an ISO week. Hint: write it like 2026-W46.",
    ),
    "week.missing": (
        "la semaine {name!r} n’existe pas : {year} n’a pas de semaine {week}.",
        "week {name!r} does not exist: {year} has no week {week}.",
    ),
    "week.out_of_range": (
        "la semaine {name!r} est hors du calendrier pris en charge : choisissez une année "
        "entre {first} et {last}.",
        "week {name!r} is outside the supported calendar. Hint: pick a year between {first} "
        "and {last}.",
    ),
    "date.not_iso": (
        "{value!r} n’est pas une date : écrivez-la comme 2026-11-23 (AAAA-MM-JJ, chiffres 0 à 9).",
        "{value!r} is not a date. Hint: write it like 2026-11-23 (YYYY-MM-DD, digits 0 to 9).",
    ),
    "date.out_of_range": (
        "la date {value!r} est hors du calendrier pris en charge : choisissez une année entre "
        "{first} et {last}.",
        "date {value!r} is outside the supported calendar. Hint: pick a year between {first} "
        "and {last}.",
    ),
    # the configuration
    "config.not_found": (
        "{name} introuvable (dans {folder}). Astuce : lancez veille dans le dossier de votre "
        "fichier de sources, ou indiquez-le avec --config CHEMIN ; pour essayer sur un "
        "exemple : veille demo.",
        "{name}: file not found (in {folder}). Hint: run veille in the folder of your sources "
        "file, or give it with --config PATH; to try it on a sample: veille demo.",
    ),
    "config.yaml_too_big": (
        "{name} dépasse {mb} Mo : ce n’est pas un fichier de sources. Astuce : vérifiez le "
        "chemin donné à --config.",
        "{name} is larger than {mb} MB: not a sources file. Hint: check the path given to "
        "--config.",
    ),
    "config.yaml_too_large": (
        "{name} se déploie en plus de {nodes} éléments (des alias YAML qui se répètent les uns "
        "les autres) : refusé. Astuce : écrivez les sources sans alias imbriqués.",
        "{name} expands to more than {nodes} nodes (YAML aliases repeating each other): "
        "refused. Hint: write the sources without nested aliases.",
    ),
    "config.yaml_too_deep": (
        "{name} imbrique des listes ou des tables sur plus de {depth} niveaux : refusé. "
        "Astuce : un fichier de sources n’a que quelques niveaux (settings, sources, options).",
        "{name} nests lists or mappings more than {depth} levels deep: refused. Hint: a "
        "sources file has a few levels only (settings, sources, options).",
    ),
    "config.yaml_recursive": (
        "{name} contient un alias YAML qui se contient lui-même : refusé. Astuce : retirez "
        "l’alias (*nom) placé à l’intérieur de son ancre (&nom).",
        "{name} holds a YAML alias that contains itself: refused. Hint: remove the alias "
        "(*name) placed inside its own anchor (&name).",
    ),
    "config.secret_too_long": (
        "{name}={path!r} dépasse {kb} Kio : ce n’est pas un fichier de mot de passe. Astuce : "
        "indiquez un fichier qui ne contient que le secret, sur une ligne.",
        "{name}={path!r} is larger than {kb} KiB: not a password file. Hint: point it at a "
        "file holding only the secret, on one line.",
    ),
    # the command line
    "cli.disk_full": (
        "impossible d’écrire {path} : le disque est plein ({reason}). Rien de ce qui était "
        "enregistré n’est perdu. Astuce : libérez de la place sur ce disque, puis relancez la "
        "commande.",
        "cannot write {path}: the disk is full ({reason}). Nothing already stored was lost. "
        "Hint: free some space on that disk, then run the command again.",
    ),
    "cli.published": (
        "Lettre de la {week_label} publiée ({items}) : {folder}",
        "Digest of the {week_label} published ({items}): {folder}",
    ),
    "count.items.one": ("{n} article", "{n} item"),
    "count.items.other": ("{n} articles", "{n} items"),
    "cli.os_error": (
        "{path} : {reason}. Astuce : vérifiez le chemin, les droits d’accès et la place libre.",
        "{path}: {reason}. Hint: check the path, the permissions and the free space.",
    ),
    # the database
    "store.busy_here": (
        "la base {path} est restée occupée {seconds} s par une autre tâche de ce processus. "
        "Astuce : réessayez dans un instant.",
        "database {path} stayed busy for {seconds} s with another task of this process. "
        "Hint: try again in a moment.",
    ),
    "store.index_damaged": (
        "la base {path} avait un index abîmé (après un arrêt brutal ou un disque plein) ; il "
        "est reconstruit à la prochaine ouverture, rien n’est perdu. Astuce : relancez la "
        "commande.",
        "database {path} had a damaged index (after a crash or a full disk); it is rebuilt at "
        "the next opening and nothing is lost. Hint: run the command again.",
    ),
    "store.session_key": (
        "la clé des sessions {path} est illisible ({reason}). Astuce : supprimez ce fichier ; "
        "une nouvelle clé sera créée et les curateurs devront se reconnecter.",
        "the session key {path} cannot be read ({reason}). Hint: delete that file; a new key "
        "is made and curators log in again.",
    ),
    # subscribers
    "subscriber.bad_email": (
        "« {raw} » n’est pas une adresse e-mail : écrivez-la comme prenom.nom@example.org.",
        "{raw!r} is not an e-mail address. Hint: write it like prenom.nom@example.org.",
    ),
    "subscriber.unknown_tag": ("{address} : {problem}", "{address}: {problem}"),
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
    # teaching the model (web app: "Aidez veille à trier")
    "triage.unknown_tag": (
        "l’étiquette {tag!r} n’existe pas : choisissez-en une dans la liste.",
        "there is no tag {tag!r}: choose one from the list.",
    ),
    "triage.no_tag": (
        "cochez au moins une section pour un article pertinent (la première cochée sera la "
        "sienne), ou répondez « Hors sujet ».",
        "tick at least one section for a relevant article (the first ticked is its own), or "
        "answer “Off-topic”.",
    ),
    "triage.unknown_article": (
        "aucun article {id} : la page est peut-être ancienne, rechargez-la.",
        "no article {id}: the page may be old, reload it.",
    ),
    # source health (veille.health; `veille sources check`)
    "health.not_counted": (
        "{error} (pendant une coupure du réseau : non comptée contre la source)",
        "{error} (during a network outage: not counted against the source)",
    ),
    "sources.status.ok": ("ok", "ok"),
    "sources.status.failing": ("en échec", "failing"),
    "sources.status.never-fetched": ("jamais relevée", "never fetched"),
    "sources.status.disabled": ("désactivée", "disabled"),
    "sources.col.source": ("source", "source"),
    "sources.col.kind": ("type", "kind"),
    "sources.col.status": ("état", "status"),
    "sources.col.errors": ("erreurs", "errors"),
    "sources.col.success": ("dernier succès", "last success"),
    "sources.col.entries": ("entrées", "entries"),
    "sources.col.problem": ("problème", "problem"),
    "sources.next_try": ("prochain essai {at}", "next try {at}"),
    "sources.no_config": (
        "{path} est introuvable : voici toutes les sources que la base connaît, y compris "
        "celles qui ne sont plus suivies. Astuce : donnez le fichier de sources avec --config.",
        "{path} not found: listing every source the database knows, including those no "
        "longer watched. Hint: give the sources file with --config.",
    ),
    "sources.not_listed": (
        "non listée(s), car retirée(s) de la configuration (leur historique reste dans la "
        "base) : {ids}",
        "not listed, as removed from the configuration (their history stays in the "
        "database): {ids}",
    ),
    # fetching and reading what strangers publish (one failure stays with its entry or source)
    "fetch.bad_url": (
        "{url} n’est pas une adresse web utilisable ({reason}) : rien n’a été récupéré.",
        "{url} is not a usable web address ({reason}): nothing was fetched.",
    ),
    "fetch.unexpected": (
        "erreur inattendue en récupérant {url} ({detail}).",
        "unexpected error while fetching {url} ({detail}).",
    ),
    "fetch.host_given_up": (
        "{host} : abandonné pour cette passe après {count} échecs réseau de suite (dernier : "
        "{reason}) ; nouvel essai à la prochaine passe.",
        "{host}: given up for this pass after {count} network failures in a row (last: "
        "{reason}); tried again at the next pass.",
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
    "run.hosts_given_up_one": (
        "1 hôte injoignable abandonné pour cette passe : {hosts} ; nouvel essai à la prochaine "
        "passe.",
        "1 unreachable host given up for this pass: {hosts}; tried again at the next pass.",
    ),
    "run.hosts_given_up": (
        "{count} hôtes injoignables abandonnés pour cette passe : {hosts} ; nouvel essai à la "
        "prochaine passe.",
        "{count} unreachable hosts given up for this pass: {hosts}; tried again at the next pass.",
    ),
    "run.host_pages.one": ("{host} ({n} page)", "{host} ({n} page)"),
    "run.host_pages.other": ("{host} ({n} pages)", "{host} ({n} pages)"),
    "run.hosts_more.one": ("et {n} autre", "and {n} more"),
    "run.hosts_more.other": ("et {n} autres", "and {n} more"),
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
    "web.too_large": (
        "requête refusée : son contenu dépasse {size}. Astuce : envoyez un fichier plus petit "
        "(découpez un gros CSV en plusieurs).",
        "request refused: its body is larger than {size}. Hint: send a smaller file (split a "
        "large CSV).",
    ),
    "web.too_long": (
        "le champ « {field} » dépasse {limit} caractères : raccourcissez-le.",
        "field '{field}' is longer than {limit} characters: shorten it.",
    ),
    "web.bad_choice": (
        "valeur inconnue pour « {field} » : {value!r}. Choisissez dans la liste proposée.",
        "unknown value for '{field}': {value!r}. Hint: pick one from the list.",
    ),
    "web.bad_position": (
        "position {value!r} : indiquez un nombre entier entre 1 et 1000.",
        "position {value!r}: give a whole number between 1 and 1000.",
    ),
    "web.bad_article": (
        "{value!r} n’est pas un identifiant d’article (des chiffres et les lettres a à f).",
        "{value!r} is not an article id (digits and the letters a to f).",
    ),
    "web.unknown_action": (
        "action inconnue : {action!r}.",
        "unknown action: {action!r}.",
    ),
    "web.bad_url": (
        "{value!r} n’est pas une adresse web : donnez l’adresse complète, qui commence par "
        "https:// ou http://.",
        "{value!r} is not a web address: give the full address, starting with https:// or http://.",
    ),
    "web.no_subscriber": (
        "{email} n’est pas dans la liste des abonnés.",
        "{email} is not a subscriber.",
    ),
    "web.not_found": (
        "cette page n’existe pas. Utilisez le menu pour retrouver votre chemin.",
        "this page does not exist. Use the menu to find your way.",
    ),
    "web.method_not_allowed": (
        "cette adresse ne s’utilise pas ainsi (méthode HTTP refusée).",
        "this address is not used that way (HTTP method not allowed).",
    ),
    "job.unknown": (
        "cette tâche n’existe pas ou plus (le serveur a peut-être redémarré). Relancez-la si "
        "besoin : un envoi ne sert jamais deux fois la même personne.",
        "this job does not exist (any more: the server may have restarted). Start it again if "
        "needed: a send never serves anyone twice.",
    ),
    "job.unexpected": (
        "la tâche s’est arrêtée sur une erreur inattendue ; le journal du serveur en dit plus. "
        "Vous pouvez la relancer sans risque de doublon.",
        "the job stopped on an unexpected error; the server's log says more. You may start it "
        "again: nothing is done twice.",
    ),
    # the end of a send (veille.sending.report_sentence): "_one" for 0 and 1 in French
    "send.sent_one": ("Lettre envoyée à {n} abonné.", "Letter sent to {n} subscriber."),
    "send.sent_other": ("Lettre envoyée à {n} abonnés.", "Letter sent to {n} subscribers."),
    "send.sent_none": ("Aucun nouvel envoi.", "Nobody new to send to."),
    "send.skipped_one": (
        "{n} abonné l’avait déjà reçue.",
        "{n} subscriber had it already.",
    ),
    "send.skipped_other": (
        "{n} abonnés l’avaient déjà reçue.",
        "{n} subscribers had it already.",
    ),
    "send.failed_one": (
        "{n} envoi a échoué (il sera retenté au prochain envoi) :",
        "{n} message failed (it is tried again at the next send):",
    ),
    "send.failed_other": (
        "{n} envois ont échoué (ils seront retentés au prochain envoi) :",
        "{n} messages failed (they are tried again at the next send):",
    ),
    "send.uncertain_count_one": (
        "{n} envoi incertain (un envoi interrompu l’a peut-être déjà servi) : pas renvoyé.",
        "{n} message uncertain (an interrupted send may have delivered it): not sent again.",
    ),
    "send.uncertain_count_other": (
        "{n} envois incertains (un envoi interrompu les a peut-être déjà servis) : pas renvoyés.",
        "{n} messages uncertain (an interrupted send may have delivered them): not sent again.",
    ),
    "web.file": ("fichier", "file"),
    "web.no_file": (
        "aucun fichier reçu : choisissez un fichier, puis appuyez sur le bouton.",
        "no file was sent: choose a file, then press the button.",
    ),
    "web.session_secret_short": (
        "VEILLE_SESSION_SECRET compte {count} caractères ; il en faut au moins 32. "
        "Astuce : python -c 'import secrets; print(secrets.token_hex(32))'.",
        "VEILLE_SESSION_SECRET has {count} characters; at least 32 are needed. "
        "Hint: python -c 'import secrets; print(secrets.token_hex(32))'.",
    ),
}
MESSAGES.update(PUBLISHING)  # letters, the demo, what a send needs (veille/i18n/publishing.py)
MESSAGES.update(QUALIOPI)  # exploitation records, the register (veille/i18n/qualiopi.py)
MESSAGES.update(SCHEDULE)  # veille serve, veille status (veille/i18n/schedule.py)
MESSAGES.update(CHANNELS)  # Teams, Slack, Mattermost (veille/i18n/channels.py)
MESSAGES.update(MAILBOX)  # newsletters received by e-mail (veille/i18n/mailbox.py)
MESSAGES.update(SOURCES)  # sources, subscribers, accounts, sources.yaml, search (sources.py)
MESSAGES.update(SENDING)  # e-mail settings and what a send did (veille/i18n/sending.py)
MESSAGES.update(FETCHING)  # a source that cannot be read, kinds of source (veille/i18n/fetching.py)
MESSAGES.update(ALERTS)  # alerts between two letters (veille/i18n/alerts.py)
MESSAGES.update(ROLES)  # roles, suggestions, who did what (veille/i18n/roles.py)
MESSAGES.update(CONFIG)  # a sources.yaml veille cannot accept (veille/i18n/config.py)
for _i, _lang in enumerate(LANGUAGES):  # the alerts page's and the team pages' words
    WEB[_lang].update({key: pair[_i] for key, pair in WEB_ALERTS.items()})
    WEB[_lang].update({key: pair[_i] for key, pair in WEB_ROLES.items()})


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
    """The message ``key`` in the current language, filled with ``params``.

    A message given a ``week`` (``2026-W47``, what commands take) may say it as people do with
    ``{week_label}`` (« semaine du 16 au 22 novembre 2026 »), computed here so that no caller
    has to."""
    french, english = MESSAGES[key]
    template = english if _language.get() == "en" else french
    if "{week_label}" in template and "week_label" not in params:
        params["week_label"] = _week_label(str(params["week"]))
    return template.format(**params)


def _week_label(name: str) -> str:
    """``2026-W47`` -> « semaine du 16 au 22 novembre 2026 » (the code itself if it is not
    one: the caller's message still says which week; veille.weeks.parse_week validates)."""
    try:
        year, week = int(name[:4]), int(name[6:8])
        week_days(year, week, current())
    except ValueError:
        return name
    return message("week.label", dates=week_days(year, week, current()))


def week_days(year: int, week: int, lang: str) -> str:
    """The days of an ISO week, Monday to Sunday, as people join them, the month and year said
    once when the two ends share them: ``du 16 au 22 novembre 2026``, ``du 30 novembre au 6
    décembre 2026``, ``du 28 décembre 2026 au 3 janvier 2027``; ``16–22 November 2026``."""
    start = date.fromisocalendar(year, week, 1)
    end = start + timedelta(days=6)
    months = MONTHS[lang if lang in MONTHS else "fr"]
    first, last = _day_number(start, lang), _day_number(end, lang)
    end_words = f"{last} {months[end.month - 1]} {end.year}"
    same_month = (start.year, start.month) == (end.year, end.month)
    if not same_month:
        first += f" {months[start.month - 1]}"
        if start.year != end.year:
            first += f" {start.year}"
    if lang == "en":
        return f"{first}{'–' if same_month else ' – '}{end_words}"
    return f"du {first} au {end_words}"


def _day_number(day: date, lang: str) -> str:
    return "1er" if lang == "fr" and day.day == 1 else str(day.day)


def is_singular(n: int, lang: str | None = None) -> bool:
    """French agrees 0 and 1 in the singular ("0 article retenu"), English only 1."""
    return n in (0, 1) if (lang or _language.get()) == "fr" else n == 1


def plural(n: int, one: str, other: str, lang: str | None = None) -> str:
    """``one`` or ``other`` (``str.format`` templates given ``n``) as ``n`` asks::

    plural(1, "{n} article", "{n} articles")   # "1 article"
    """
    return (one if is_singular(n, lang) else other).format(n=n)


def counted(key: str, n: int, **params: object) -> str:
    """The message ``key.one`` or ``key.other`` for ``n``, in the current language."""
    return message(f"{key}.{'one' if is_singular(n) else 'other'}", n=n, **params)


__all__ = [
    "LANGUAGES",
    "MESSAGES",
    "MONTHS",
    "counted",
    "current",
    "is_singular",
    "language",
    "message",
    "plural",
    "use",
    "week_days",
]
