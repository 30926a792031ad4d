"""What veille says to people, in French (the default) and English.

Every word veille shows lives in this package: the web app's in :mod:`veille.i18n.web`
(``WEB``), the letter's in :mod:`veille.i18n.letter` (``LETTER``), and the messages of the
command line and of errors here.

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

from veille.i18n.letter import LETTER as LETTER
from veille.i18n.web import WEB as WEB

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
    "send.in_progress": (
        "la lettre de {week} est déjà en cours d’envoi (processus {pid}, depuis {since} UTC) : "
        "personne ne la recevra deux fois. Astuce : attendez la fin de cet envoi, puis "
        "relancez la commande pour servir ceux qu’il aurait manqués.",
        "the letter of {week} is being sent already (process {pid}, since {since} UTC): nobody "
        "gets it twice. Hint: wait for that send to finish, then run the command again to "
        "serve anyone it missed.",
    ),
    "send.uncertain_one": (
        "incertain : un envoi précédent a été interrompu pendant que son message partait "
        "(reçu ou non) ; pas renvoyé",
        "uncertain: an earlier send was interrupted while their message was going out (received "
        "or not); not sent again",
    ),
    "send.uncertain_hint": (
        "Pour leur envoyer quand même la lettre (au risque d’un doublon) : veille digest publish "
        "--week {week} --send --resend-uncertain",
        "To send them the letter anyway (they may get it twice): veille digest publish --week "
        "{week} --send --resend-uncertain",
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
    "run.host_pages": ("{host} ({pages} page{plural})", "{host} ({pages} page{plural})"),
    "run.hosts_more": ("et {count} autre{plural}", "and {count} more"),
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
    "web.feed_added": (
        "+ {id} (flux, {entries} article{plural}) : {url}",
        "+ {id} (feed, {entries} item{plural}): {url}",
    ),
    "web.page_added": ("+ {id} (page) : {url}", "+ {id} (page): {url}"),
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
    "send.report": (
        "{sent} envoyé(s), {skipped} déjà servi(s), {failed} en échec, {uncertain} incertain(s)",
        "{sent} sent, {skipped} already served, {failed} failed, {uncertain} uncertain",
    ),
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
    # veille serve (flows/supervisor.py)
    "serve.prefect_starting": (
        "Démarrage d’un serveur Prefect sur {url} (son interface : http://127.0.0.1:{port}/)…",
        "Starting a Prefect server on {url} (its UI: http://127.0.0.1:{port}/)…",
    ),
    "serve.prefect_failed": (
        "le serveur Prefect n’a pas démarré ({detail}). Astuce : le port {port} est-il libre ? "
        "Essayez --prefect-port, ou donnez PREFECT_API_URL.",
        "the Prefect server did not start ({detail}). Hint: is port {port} free? Try "
        "--prefect-port, or set PREFECT_API_URL.",
    ),
    "serve.prefect_silent": (
        "le serveur Prefect n’a pas répondu en 120 s (son journal : {log}). Astuce : donnez "
        "PREFECT_API_URL d’un serveur déjà démarré.",
        "the Prefect server did not answer within 120 s (its log: {log}). Hint: set "
        "PREFECT_API_URL to a server already running.",
    ),
    "serve.prefect_died": (
        "le serveur Prefect s’est arrêté (code {code}) : veille serve s’arrête aussi, pour que "
        "le gestionnaire de services le relance (Restart=on-failure).",
        "the Prefect server stopped (code {code}): veille serve stops too, so that the service "
        "manager starts it again (Restart=on-failure).",
    ),
    "serve.runner_died": (
        "le processus qui sert les tâches planifiées s’est arrêté (code {code}) : veille serve "
        "s’arrête aussi, pour être relancé.",
        "the process serving the schedules stopped (code {code}): veille serve stops too, to be "
        "started again.",
    ),
    "serve.crashed_in_prefect": (
        "veille serve s’est arrêté pendant cette exécution : marquée interrompue au redémarrage.",
        "veille serve stopped during this run: marked crashed when it started again.",
    ),
    "serve.prefect_run_crashed": (
        "Exécution Prefect {name} laissée en cours par un arrêt : marquée interrompue (Crashed).",
        "Prefect run {name} left going by a stop: marked Crashed.",
    ),
    "serve.runs_crashed": (
        "{count} passe(s) de veille laissée(s) en cours : marquée(s) interrompue(s) ({ids}).",
        "{count} veille run(s) left running: marked crashed ({ids}).",
    ),
    "serve.no_heartbeat": (
        "Plus de battements de cœur de cette exécution depuis 90 s : marquée interrompue.",
        "No heartbeat from this run for 90 s: marked crashed.",
    ),
    "serve.no_zombie_watch": (
        "la détection des exécutions sans battement de cœur n’a pas pu être installée sur le "
        "serveur Prefect ({reason}) : un arrêt sera rattrapé au prochain démarrage.",
        "the detection of runs without heartbeats could not be set up on the Prefect server "
        "({reason}): a stop will be caught up at the next start.",
    ),
    "serve.stopped": (
        "veille serve arrêté ({signal}) : plus rien ne tourne.",
        "veille serve stopped ({signal}): nothing left running.",
    ),
    "serve.stopped_now": (
        "veille serve arrêté sur-le-champ (second Ctrl-C).",
        "veille serve stopped at once (second Ctrl-C).",
    ),
    # veille status (veille.scheduling)
    "status.never": (
        "Planificateur : veille serve n’a jamais tourné sur cette base.",
        "Scheduler: veille serve never ran on this database.",
    ),
    "status.running": (
        "Planificateur : en marche depuis le {since} (processus {pid}), collecte toutes les "
        "{every}.",
        "Scheduler: running since {since} (process {pid}), ingest every {every}.",
    ),
    "status.stopped": (
        "Planificateur : arrêté le {at} ({reason}).",
        "Scheduler: stopped on {at} ({reason}).",
    ),
    "status.gone": (
        "Planificateur : ARRÊTÉ SANS PRÉVENIR (processus {pid}, démarré le {since}, n’existe "
        "plus) : relancez veille serve ou son service.",
        "Scheduler: STOPPED WITHOUT A WORD (process {pid}, started {since}, is gone): start "
        "veille serve or its service again.",
    ),
    "status.no_run": ("Aucune collecte encore.", "No run yet."),
    "status.last_completed": (
        "Dernière collecte : terminée le {end} ({new} nouvel(s) article(s), {failed} source(s) "
        "en échec).",
        "Last run: completed on {end} ({new} new article(s), {failed} failing source(s)).",
    ),
    "status.last_running": (
        "Dernière collecte : en cours depuis le {at}.",
        "Last run: running since {at}.",
    ),
    "status.last_failed": (
        "Dernière collecte : arrêtée sur une erreur le {end} (veille db runs --json la donne).",
        "Last run: stopped by an error on {end} (veille db runs --json shows it).",
    ),
    "status.last_crashed": (
        "Dernière collecte : interrompue (commencée le {at}) ; la suivante reprend son travail.",
        "Last run: crashed (started {at}); the next one picks up its work.",
    ),
    "status.last_other": (
        "Dernière collecte : {status} (commencée le {at}).",
        "Last run: {status} (started {at}).",
    ),
    "status.next": ("Prochaine collecte : vers le {at}.", "Next run: around {at}."),
    "status.crashed": (
        "Collectes interrompues ces 30 derniers jours : {count}.",
        "Runs crashed in the last 30 days: {count}.",
    ),
    # exploitation records (veille.actions)
    "action.what_missing": (
        "l’action est vide : décrivez ce qui a été fait ou est prévu, par exemple "
        "« Programme CPF mis à jour ».",
        'the action is empty. Hint: say what was or will be done, e.g. "CPF course updated".',
    ),
    "action.too_long": (
        "le champ {field} dépasse {chars} caractères : résumez-le, et mettez le détail dans un "
        "document cité en preuve.",
        "the {field} field is longer than {chars} characters. Hint: summarise it and put the "
        "detail in a document given as evidence.",
    ),
    "action.bad_choice": (
        "{option} {value!r} n’existe pas : choisissez parmi {allowed}.",
        "{option} {value!r} does not exist. Hint: choose among {allowed}.",
    ),
    "action.owner_unknown": (
        "{owner!r} n’est pas un compte de veille : choisissez parmi {users}, ou créez-le avec "
        "« veille users add {owner} ».",
        "{owner!r} is not a veille account. Hint: choose among {users}, or create it with "
        "`veille users add {owner}`.",
    ),
    "action.no_users": (
        "{owner!r} n’est pas un compte de veille, et aucun compte n’existe encore : créez-le "
        "avec « veille users add {owner} ».",
        "{owner!r} is not a veille account and there is none yet. Hint: create it with "
        "`veille users add {owner}`.",
    ),
    "action.bad_indicator": (
        "l’indicateur {value!r} n’est pas connu : choisissez parmi {allowed}.",
        "indicator {value!r} is not known. Hint: choose among {allowed}.",
    ),
    "action.unknown_article": (
        "aucun article {article!r} dans la base : prenez l’identifiant donné par "
        "« veille articles » ou par la recherche de l’application.",
        "no article {article!r} in the database. Hint: take the id shown by `veille articles` "
        "or by the app's search.",
    ),
    "action.nothing_to_change": (
        "rien à changer : donnez au moins une option, par exemple --status done.",
        "nothing to change. Hint: give at least one option, e.g. --status done.",
    ),
    "action.added": (
        "action n° {id} enregistrée ({status}) : {title}",
        "action {id} recorded ({status}): {title}",
    ),
    "action.changed": (
        "action n° {id} modifiée ({status}) : {title} — l’ancienne version est conservée.",
        "action {id} changed ({status}): {title}; the previous version is kept.",
    ),
    "action.count": ("{count} action(s)", "{count} action(s)"),
    "register.bad_format": (
        "--format {value!r} n’existe pas : choisissez html, xlsx ou csv.",
        "--format {value!r} does not exist. Hint: choose html, xlsx or csv.",
    ),
    "register.bad_period": (
        "--to {end} est avant --from {start} : inversez les deux dates.",
        "--to {end} is before --from {start}. Hint: swap the two dates.",
    ),
    "register.xlsx_needs_file": (
        "un classeur XLSX ne s’affiche pas dans un terminal : donnez un fichier avec -o "
        "registre.xlsx.",
        "an XLSX workbook cannot be shown in a terminal. Hint: give a file with -o register.xlsx.",
    ),
    "register.written": (
        "{path} : {items} information(s) retenue(s), {actions} action(s), {sources} source(s), "
        "{letters} lettre(s) diffusée(s)",
        "{path}: {items} item(s) kept, {actions} action(s), {sources} source(s), "
        "{letters} letter(s) sent",
    ),
    "action.unknown": (
        "aucune action n° {id} : « veille action list » les donne toutes.",
        "no action number {id}. Hint: `veille action list` shows them all.",
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
