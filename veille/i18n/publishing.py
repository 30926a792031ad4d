"""What veille says about letters — drafting, publishing, the demo — and what a send needs, in
French and English (merged into :data:`veille.i18n.MESSAGES`)."""

from __future__ import annotations

PUBLISHING: dict[str, tuple[str, str]] = {
    # what a pass did (veille run; "_one" for 0 and 1 in French)
    "run.failed_title": ("Sources en échec", "Failed sources"),
    "run.col_source": ("source", "source"),
    "run.col_error": ("erreur", "error"),
    "run.summary": (
        "{sources} : {ok} à jour ({unchanged}), {failed} · {entries} · {new} ({pages}, {errors} "
        "en erreur) · {seconds} s",
        "{sources}: {ok} ok ({unchanged}), {failed} · {entries} · {new} ({pages}, {errors} with "
        "errors) · {seconds} s",
    ),
    "run.sources.one": ("{n} source", "{n} source"),
    "run.sources.other": ("{n} sources", "{n} sources"),
    "run.unchanged.one": ("{n} inchangée", "{n} unchanged"),
    "run.unchanged.other": ("{n} inchangées", "{n} unchanged"),
    "run.failed.one": ("{n} en échec", "{n} failed"),
    "run.failed.other": ("{n} en échec", "{n} failed"),
    "run.entries.one": ("{n} entrée lue", "{n} entry seen"),
    "run.entries.other": ("{n} entrées lues", "{n} entries seen"),
    "run.new.one": ("{n} nouvel article", "{n} new article"),
    "run.new.other": ("{n} nouveaux articles", "{n} new articles"),
    "run.pages.one": ("{n} page récupérée", "{n} page fetched"),
    "run.pages.other": ("{n} pages récupérées", "{n} pages fetched"),
    "run.crashed_before.one": (
        "La passe {ids} s’était arrêtée sans finir (processus tué ?) : marquée interrompue ; "
        "celle-ci a repris ce qu’elle avait laissé.",
        "Earlier run {ids} had stopped without finishing (process killed?): marked crashed; "
        "this run picked up what it left.",
    ),
    "run.crashed_before.other": (
        "Les passes {ids} s’étaient arrêtées sans finir (processus tués ?) : marquées "
        "interrompues ; celle-ci a repris ce qu’elles avaient laissé.",
        "Earlier runs {ids} had stopped without finishing (process killed?): marked crashed; "
        "this run picked up what they left.",
    ),
    "run.line_unchanged": (" : inchangée (304)", ": unchanged (304)"),
    "run.line_done": (" : {entries}, {new}", ": {entries}, {new}"),
    "run.until": ("jusqu’au {at}", "until {at}"),
    "run.backing_off.one": (
        "{n} source en échec attend avant un nouvel essai : {names} · `veille run --source ID` "
        "en essaie une tout de suite",
        "{n} failing source backing off: {names} · `veille run --source ID` tries one now",
    ),
    "run.backing_off.other": (
        "{n} sources en échec attendent avant un nouvel essai : {names} · `veille run --source "
        "ID` en essaie une tout de suite",
        "{n} failing sources backing off: {names} · `veille run --source ID` tries one now",
    ),
    "run.offline": (
        "Toutes les sources ont échoué pour des raisons de réseau : cette machine est-elle hors "
        "ligne ? Ces erreurs ne sont pas comptées contre les sources.",
        "Every source failed for network reasons: is this machine offline? These errors are not "
        "counted against the sources.",
    ),
    "run.first_model": (
        " (premier modèle, entraîné sur les exemples fournis)",
        " (first model, trained from the seed labels)",
    ),
    "run.model": (" · modèle {model}{trained}", " · model {model}{trained}"),
    "run.duplicates.one": ("{n} doublon fusionné", "{n} duplicate merged"),
    "run.duplicates.other": ("{n} doublons fusionnés", "{n} duplicates merged"),
    "run.classified": (
        "{duplicates} · {classified} classés, {off_topic} hors sujet{model}",
        "{duplicates} · {classified} classified, {off_topic} off-topic{model}",
    ),
    # the letter
    "digest.no_draft": (
        "pas encore de brouillon pour la {week_label}. "
        "Astuce : `veille digest draft --week {week}` le prépare.",
        "there is no draft for the {week_label}. Hint: run `veille digest draft --week {week}` "
        "first.",
    ),
    "digest.not_in_draft": (
        "ces identifiants ne sont pas tous dans le brouillon de la {week_label} ({count} "
        "absent(s)). "
        "Astuce : `veille digest show --week {week} --json` liste ses articles.",
        "{count} of these ids are not in the draft of the {week_label}. "
        "Hint: `veille digest show --week {week} --json` lists its items.",
    ),
    "digest.unknown_section": (
        "section inconnue {target!r}. Les sections sont : {sections}.",
        "unknown section {target!r}. Hint: sections are {sections}.",
    ),
    "digest.empty": (
        "le brouillon de la {week_label} ne retient aucun article : gardez-en au moins un avant de "
        "publier (`veille digest edit include ID --week {week}`).",
        "the draft of the {week_label} keeps no item: keep at least one before publishing "
        "(`veille digest edit include ID --week {week}`).",
    ),
    "digest.cannot_write": (
        "impossible d’écrire {path} : {reason}. Astuce : vérifiez que le dossier est accessible "
        "en écriture, ou choisissez-en un autre avec --out.",
        "cannot write {path}: {reason}. Hint: check that the folder is writable, or pass --out "
        "with another folder.",
    ),
    "digest.not_published": (
        "la lettre de la {week_label} n’est pas encore publiée : publiez-la avant de l’envoyer "
        "(`veille digest publish --week {week} --send`).",
        "the digest of the {week_label} is not published yet. Hint: `veille digest publish "
        "--week {week} --send`.",
    ),
    "publish.done": (
        "Lettre de la {period} {verb} : {items}, dans {folder}.",
        "Letter of the {period} {verb}: {items}, in {folder}.",
    ),
    "publish.first": ("publiée", "published"),
    "publish.again": ("publiée à nouveau", "published again"),
    "publish.items_one": ("1 article", "1 item"),
    "publish.items_other": ("{count} articles", "{count} items"),
    "publish.feed_not_written": (
        "Flux feed.xml non écrit : ses liens doivent être des adresses complètes. Astuce : "
        "indiquez l’adresse publique de l’archive sous settings dans {config} "
        "(`digest: {{site_url: https://veille.example.org/}}`), puis publiez à nouveau.",
        "feed.xml not written: its links must be full addresses. Hint: give the archive's "
        "public address under settings in {config} (`digest: {{site_url: "
        "https://veille.example.org/}}`), then publish again.",
    ),
    "publish.feed_stale": (
        "Flux feed.xml non mis à jour : l’ancien reste en place et n’annonce pas cette "
        "publication, car ses liens doivent être des adresses complètes. Astuce : indiquez "
        "l’adresse publique de l’archive sous settings dans {config} (`digest: {{site_url: "
        "https://veille.example.org/}}`), puis publiez à nouveau.",
        "feed.xml not updated: the old one stays and does not announce this publication, "
        "because its links must be full addresses. Hint: give the archive's public address "
        "under settings in {config} (`digest: {{site_url: https://veille.example.org/}}`), "
        "then publish again.",
    ),
    # veille demo
    "demo.site": (
        "Site d’exemple servi sur {url} · {count} sources · base {db}",
        "Sample site served at {url} · {count} sources · database {db}",
    ),
    "demo.articles": ("Articles trouvés", "Articles found"),
    "demo.columns": ("date|source|titre|mots|texte tiré de", "date|source|title|words|text from"),
    "demo.more": ("… et {count} de plus.", "… and {count} more."),
    "demo.nothing_relevant": (
        "Aucun article pertinent : pas de lettre à publier.",
        "No relevant article: no letter to publish.",
    ),
    "demo.letter": (
        "Lettre de la {period} : {kept} sur {candidates} candidats → {path}",
        "Letter of the {period}: {kept} of {candidates} candidates → {path}",
    ),
    "demo.kept_one": ("1 article retenu", "1 item kept"),
    "demo.kept_other": ("{count} articles retenus", "{count} items kept"),
    "demo.links": (
        "Ses liens mènent au site d’exemple, qui vit le temps de la démo (--serve le garde).",
        "Its links lead to the sample site, which lives as long as the demo (--serve keeps it).",
    ),
    "demo.register": (
        "Registre Qualiopi des 90 derniers jours (avec une action d’exemple) : {html} (et {xlsx}).",
        "Qualiopi register of the last 90 days (sample action included): {html} (and {xlsx}).",
    ),
    "demo.serving": (
        "Site d’exemple sur {site} et archive sur {archive} — Ctrl-C pour arrêter.",
        "Serving the sample site at {site} and the archive at {archive} — Ctrl-C to stop.",
    ),
    "demo.next": (
        "\nPour continuer, depuis n’importe quel dossier (les réglages de la démo sont dans son "
        "fichier de sources) :\n"
        "  {there} articles          les articles trouvés (--json : tous les champs)\n"
        "  {there} users add NOM     un compte pour l’application de curation\n"
        "  {there} ui                l’application sur ces données, et son archive",
        "\nNext, from any folder (the demo's settings are in its sources file):\n"
        "  {there} articles          the articles found (--json: every field)\n"
        "  {there} users add NAME    an account for the curators' web app\n"
        "  {there} ui                the web app on this data, and its archive",
    ),
    "digest.no_site_url": (
        "pour envoyer la lettre, indiquez l’adresse https de l’archive dans "
        "settings.digest.site_url (le lien de désinscription y mène). Astuce : ajoutez "
        "`digest: {{site_url: https://veille.example.org/}}` sous settings dans sources.yaml.",
        "settings.digest.site_url must be the https address of the archive to send e-mail "
        "(the unsubscribe link points there). Hint: add `digest: {{site_url: "
        "https://veille.example.org/}}` under settings in sources.yaml.",
    ),
    # what a send needs, said before anyone confirms it (veille.sending.missing_settings)
    "send.missing_site_url": (
        "l’adresse publique de l’archive, en https (le lien de désinscription y mène) : "
        "ajoutez `digest: {{site_url: https://veille.example.org/}}` sous settings dans "
        "sources.yaml, puis redémarrez l’application.",
        "the public https address of the archive (the unsubscribe link points there): add "
        "`digest: {{site_url: https://veille.example.org/}}` under settings in sources.yaml, "
        "then restart the app.",
    ),
    "send.missing_smtp_host": (
        "le serveur d’envoi : donnez son nom dans la variable d’environnement "
        "VEILLE_SMTP_HOST (et son port dans VEILLE_SMTP_PORT s’il n’est pas 587), puis "
        "redémarrez l’application.",
        "the mail server: give its name in the environment variable VEILLE_SMTP_HOST (and its "
        "port in VEILLE_SMTP_PORT unless it is 587), then restart the app.",
    ),
    "send.missing_sender": (
        "l’expéditeur : donnez-le dans la variable d’environnement VEILLE_MAIL_FROM, par "
        "exemple « Veille formation <veille@of-exemple.fr> », puis redémarrez l’application.",
        "the sender: give it in the environment variable VEILLE_MAIL_FROM, e.g. 'Veille "
        "formation <veille@of-example.org>', then restart the app.",
    ),
    "send.bad_smtp": (
        "des réglages d’envoi corrects (variables VEILLE_SMTP_*) : {error}",
        "valid mail settings (VEILLE_SMTP_* variables): {error}",
    ),
    "send.blocked": (
        "envoi impossible pour l’instant, il manque {what}",
        "cannot send yet: missing {what}",
    ),
    "send.in_progress": (
        "la lettre de la {week_label} est déjà en cours d’envoi (processus {pid}, depuis "
        "{since} UTC) : personne ne la recevra deux fois. Astuce : attendez la fin de cet "
        "envoi, puis relancez la commande pour servir ceux qu’il aurait manqués.",
        "the digest of the {week_label} is being sent already (process {pid}, since {since} "
        "UTC): nobody gets it twice. Hint: wait for that send to finish, then run the command "
        "again to serve anyone it missed.",
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
}
