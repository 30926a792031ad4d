"""What veille says about alerts (saved searches sent between two letters), in French and
English (merged into :data:`veille.i18n.MESSAGES`; the web page's words in :data:`WEB_ALERTS`)."""

from __future__ import annotations

ALERTS: dict[str, tuple[str, str]] = {
    # the e-mail
    "alerts.subject.one": (
        "Alerte « {name} » : 1 nouvel article",
        "Alert “{name}”: 1 new article",
    ),
    "alerts.subject.other": (
        "Alerte « {name} » : {n} nouveaux articles",
        "Alert “{name}”: {n} new articles",
    ),
    "alerts.mail_query": ("Recherche : {query}", "Search: {query}"),
    "alerts.mail_why": (
        "Vous recevez ce message parce que vous êtes destinataire de l’alerte « {name} » de "
        "votre veille. Pour ne plus la recevoir, demandez-le à un administrateur.",
        "You receive this message because you are a recipient of the watch alert “{name}”. "
        "To stop receiving it, ask an administrator.",
    ),
    # the run summary
    "alerts.sent.one": (
        "Alerte « {name} » : {n} article envoyé à {to}",
        "Alert “{name}”: {n} article sent to {to}",
    ),
    "alerts.sent.other": (
        "Alerte « {name} » : {n} articles envoyés à {to}",
        "Alert “{name}”: {n} articles sent to {to}",
    ),
    "alerts.failed": (
        "Alerte « {name} » : pas envoyée à {to} ({reason}) ; nouvel essai au prochain passage",
        "Alert “{name}”: not sent to {to} ({reason}); tried again at the next run",
    ),
    "alerts.no_smtp": (
        "Alertes par e-mail non envoyées : {reason} (les canaux reçoivent les leurs ; les "
        "e-mails partiront au premier passage qui aura ces réglages)",
        "E-mail alerts not sent: {reason} (channels get theirs; the e-mails go at the first "
        "run that has these settings)",
    ),
    "alerts.crashed": (
        "Les alertes n’ont pas pu être envoyées : {reason}",
        "The alerts could not be sent: {reason}",
    ),
    "alerts.uncertain": (
        "la connexion a été perdue pendant l’envoi : le message est peut-être parti",
        "the connection was lost while sending: the message may have gone",
    ),
    "alerts.nothing": ("Aucun nouvel article pour les alertes.", "No new article for the alerts."),
    # the command line and the page
    "alerts.bad_email": (
        "« {value} » n’est pas une adresse e-mail (exemple : formatrice@of-exemple.fr).",
        "“{value}” is not an e-mail address (e.g. trainer@of-example.org).",
    ),
    "alerts.bad_name": (
        "Nom d’alerte vide ou trop long (100 caractères au plus).",
        "An alert's name must not be empty nor longer than 100 characters.",
    ),
    "alerts.query_needed": (
        "L’alerte « {name} » n’existe pas encore : donnez sa recherche avec --query "
        '(exemple : --query "décret apprentissage").',
        "Alert “{name}” does not exist yet: give its search with --query "
        '(e.g. --query "décret apprentissage").',
    ),
    "alerts.exists": (
        "L’alerte « {name} » existe déjà avec une autre recherche ; supprimez-la d’abord "
        "(veille alerts remove) ou choisissez un autre nom.",
        "Alert “{name}” already exists with another search; remove it first "
        "(veille alerts remove) or choose another name.",
    ),
    "alerts.not_found": (
        "Pas d’alerte « {name} ». Voir : veille alerts list",
        "No alert “{name}”. See: veille alerts list",
    ),
    "alerts.unknown_source": (
        "Source inconnue « {source} ». Sources : {ids}",
        "Unknown source “{source}”. Sources: {ids}",
    ),
    "alerts.webhook_is_url": (
        "L’adresse d’un webhook est un secret et ne se donne pas ici : déclarez le canal dans "
        "settings.channels (son adresse dans une variable d’environnement) et passez son nom "
        "à --webhook (exemple : --webhook equipe-pedagogique).",
        "A webhook's address is a secret and is not given here: declare the channel in "
        "settings.channels (its address in an environment variable) and pass its name to "
        "--webhook (e.g. --webhook equipe-pedagogique).",
    ),
    "alerts.unknown_channel": (
        "Pas de canal « {name} » dans settings.channels. Canaux : {names}",
        "No channel “{name}” in settings.channels. Channels: {names}",
    ),
    "alerts.channel_not_alerts": (
        "Le canal « {name} » ne reçoit pas les alertes : ajoutez alerts à son receives.",
        "Channel “{name}” does not receive alerts: add alerts to its receives.",
    ),
    "alerts.added": ("Alerte « {name} » créée.", "Alert “{name}” created."),
    "alerts.recipients_added": (
        "Alerte « {name} » : destinataires ajoutés : {who} (ils recevront les articles "
        "trouvés à partir de maintenant).",
        "Alert “{name}”: recipients added: {who} (they will get the articles found from now on).",
    ),
    "alerts.recipients_removed": (
        "Alerte « {name} » : destinataires retirés : {who}.",
        "Alert “{name}”: recipients removed: {who}.",
    ),
    "alerts.not_a_recipient": (
        "L’alerte « {name} » n’a pas ce destinataire : {who}. Voir : veille alerts list",
        "Alert “{name}” has no such recipient: {who}. See: veille alerts list",
    ),
    "alerts.paused": (
        "Alerte « {name} » en pause : plus rien n’est envoyé jusqu’à sa reprise.",
        "Alert “{name}” paused: nothing is sent until it is resumed.",
    ),
    "alerts.resumed": (
        "Alerte « {name} » reprise : elle enverra les articles trouvés à partir de maintenant.",
        "Alert “{name}” resumed: it will send the articles found from now on.",
    ),
    "alerts.state_paused": ("en pause", "paused"),
    "alerts.unchanged": ("Alerte « {name} » : rien de changé.", "Alert “{name}”: nothing changed."),
    "alerts.removed": ("Alerte « {name} » supprimée.", "Alert “{name}” removed."),
    "alerts.none": (
        'Aucune alerte. Créez-en une : veille alerts add NOM --query "décret apprentissage"',
        'No alert. Create one: veille alerts add NAME --query "décret apprentissage"',
    ),
    "alerts.no_recipient": (
        "sans destinataire : ajoutez-en un (veille alerts add « {name} » --email ADRESSE)",
        "no recipient: add one (veille alerts add “{name}” --email ADDRESS)",
    ),
    "alerts.official_only": ("sources officielles", "official sources"),
    "alerts.all_sources": ("toutes les sources", "every source"),
}

# The web page's words, merged into veille.i18n.WEB["fr"] and ["en"].
WEB_ALERTS: dict[str, tuple[str, str]] = {
    "nav_alerts": ("Alertes", "Alerts"),
    "alerts_title": ("Alertes", "Alerts"),
    "alerts_intro": (
        "Une alerte est une recherche enregistrée : après chaque passage, les nouveaux "
        "articles qu’elle trouve partent aussitôt à ses destinataires, sans attendre la lettre.",
        "An alert is a saved search: after each run, the new articles it finds go at once to "
        "its recipients, without waiting for the letter.",
    ),
    "alerts_name": ("Nom", "Name"),
    "alerts_query": ("Recherche", "Search"),
    "alerts_filters": ("Filtres", "Filters"),
    "alerts_recipients": ("Destinataires", "Recipients"),
    "alerts_tag": ("Thème (facultatif)", "Theme (optional)"),
    "alerts_source": ("Source (facultative)", "Source (optional)"),
    "alerts_emails": (
        "Adresses e-mail (séparées par des virgules)",
        "E-mail addresses (separated by commas)",
    ),
    "alerts_channel": ("Canal (facultatif)", "Channel (optional)"),
    "alerts_add": ("Créer l’alerte", "Create the alert"),
    "alerts_remove": ("Supprimer", "Remove"),
    "alerts_nobody": (
        "Aucun destinataire : ajoutez une adresse ci-dessous.",
        "No recipient: add an address below.",
    ),
    "alerts_pause": ("Mettre en pause", "Pause"),
    "alerts_resume": ("Reprendre", "Resume"),
    "alerts_paused": ("En pause : rien n’est envoyé.", "Paused: nothing is sent."),
    "alerts_add_recipients": ("Ajouter", "Add"),
    "alerts_new_recipients": ("Nouveaux destinataires", "New recipients"),
    "alerts_take_off": ("Retirer {who}", "Remove {who}"),
    "alerts_none": ("Aucune alerte.", "No alert."),
    "alerts_any": ("—", "—"),
    "alerts_query_example": ("décret apprentissage", "décret apprentissage"),
    "alerts_emails_example": ("formatrice@of-exemple.fr", "trainer@of-example.org"),
}
