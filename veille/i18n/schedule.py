"""What `veille serve` and `veille status` say, in French and English (merged into
:data:`veille.i18n.MESSAGES`)."""

from __future__ import annotations

SCHEDULE: dict[str, tuple[str, str]] = {
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
    # the counts of a run, "_one" for 0 and 1 in French (i18n.counted)
    "status.new.one": ("{n} nouvel article", "{n} new article"),
    "status.new.other": ("{n} nouveaux articles", "{n} new articles"),
    "status.failed.one": ("{n} source en échec", "{n} failing source"),
    "status.failed.other": ("{n} sources en échec", "{n} failing sources"),
    # veille serve and veille ui starting
    "serve.starting": (
        "veille serve : collecte toutes les {every}, brouillon selon « {draft} »{publish} "
        "({tz}) — Ctrl-C pour arrêter.",
        "veille serve: ingest every {every}, draft at '{draft}'{publish} ({tz}) — Ctrl-C to stop.",
    ),
    "serve.publish_at": (", publication selon « {cron} »", ", publish at '{cron}'"),
    "ui.serving": (
        "Application des curateurs : {app} ; archive publique des lettres : {archive} — Ctrl-C "
        "pour arrêter.",
        "Curators' app: {app}; public archive of the letters: {archive} — Ctrl-C to stop.",
    ),
    "ui.account_name": ("VOTRE-NOM", "YOUR-NAME"),
    "ui.no_account": (
        "Aucun compte encore : personne ne peut se connecter. Créez-en un : {command}",
        "No account yet: nobody can log in. Create one: {command}",
    ),
    "status.no_run": ("Aucune collecte encore.", "No run yet."),
    "status.last_completed": (
        "Dernière collecte : terminée le {end} ({new}, {failed}).",
        "Last run: completed on {end} ({new}, {failed}).",
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
}
