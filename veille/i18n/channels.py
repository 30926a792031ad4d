"""What veille posts to Teams, Slack and Mattermost, and what it says about its channels, in
French and English (merged into :data:`veille.i18n.MESSAGES`)."""

from __future__ import annotations

CHANNELS: dict[str, tuple[str, str]] = {
    # what a channel shows
    "channels.letter.heading": ("{title} — {week}", "{title} — {week}"),
    "channels.letter.intro": (
        "La lettre de veille de la semaine est publiée.",
        "This week's watch letter is published.",
    ),
    "channels.letter.top": ("À lire en priorité :", "Read first:"),
    "channels.letter.read": ("Lire la lettre en ligne", "Read the letter online"),
    "channels.alert.heading_one": (
        "Alerte « {name} » : 1 nouvel article",
        "Alert “{name}”: 1 new article",
    ),
    "channels.alert.heading_other": (
        "Alerte « {name} » : {n} nouveaux articles",
        "Alert “{name}”: {n} new articles",
    ),
    "channels.alert.query": ("Recherche : {query}", "Search: {query}"),
    "channels.alert.more_one": ("… et 1 autre", "… and 1 more"),
    "channels.alert.more_other": ("… et {n} autres", "… and {n} more"),
    "channels.alert.open": ("Voir dans veille", "Open in veille"),
    "channels.test.heading": ("Test de veille", "veille test"),
    "channels.test.text": (
        "Si vous lisez ce message, le canal « {name} » est prêt : veille y publiera {what}.",
        "If you can read this, channel “{name}” is ready: veille will post {what} here.",
    ),
    "channels.receives.letters": ("les lettres publiées", "the published letters"),
    "channels.receives.alerts": ("les alertes", "the alerts"),
    "channels.receives.both": (
        "les lettres publiées et les alertes",
        "the published letters and the alerts",
    ),
    "channels.receives.nothing": (
        "rien pour l’instant (receives est vide)",
        "nothing yet (receives is empty)",
    ),
    # configuration
    "channels.missing_url": (
        "le canal « {name} » n’a pas d’adresse : la variable d’environnement {variable} (ou "
        "{variable}_FILE, un fichier qui la contient) n’est pas définie. Astuce : copiez "
        "l’adresse du webhook entrant ({kind}) dans cette variable, jamais dans sources.yaml.",
        "channel {name!r} has no address: the environment variable {variable} (or "
        "{variable}_FILE, a file holding it) is not set. Hint: put the incoming webhook's "
        "address ({kind}) in that variable, never in sources.yaml.",
    ),
    "channels.bad_url": (
        "le canal « {name} » : {variable} ne contient pas une adresse de webhook utilisable "
        "({reason}). Astuce : collez l’adresse complète donnée par {kind}, qui commence par "
        "https://.",
        "channel {name!r}: {variable} does not hold a usable webhook address ({reason}). "
        "Hint: paste the full address {kind} gave you, starting with https://.",
    ),
    "channels.plain_http": (
        "le canal « {name} » : l’adresse de {variable} commence par http:// — elle voyagerait "
        "en clair, et elle vaut un mot de passe. Astuce : utilisez l’adresse https:// du "
        "webhook (http:// n’est permis qu’avec allow_private_networks, sur un intranet).",
        "channel {name!r}: the address in {variable} starts with http:// — it would travel "
        "unencrypted, and it is as good as a password. Hint: use the webhook's https:// "
        "address (http:// is only allowed with allow_private_networks, on an intranet).",
    ),
    "channels.unknown": (
        "aucun canal nommé « {name} » : les canaux sont {names}.",
        "no channel named {name!r}. Hint: the channels are {names}.",
    ),
    "channels.none": (
        "aucun canal n’est déclaré. Astuce : ajoutez settings.channels à sources.yaml (voir la "
        "section « Canaux (Teams, Slack, Mattermost) » du README).",
        "no channel is declared. Hint: add settings.channels to sources.yaml (see the README's "
        "“Canaux (Teams, Slack, Mattermost)” section).",
    ),
    # posting
    "channels.refused": (
        "le canal « {name} » ({kind}, {url}) a refusé le message : HTTP {status}{answer}. "
        "Astuce : {hint}",
        "channel {name!r} ({kind}, {url}) refused the message: HTTP {status}{answer}. Hint: {hint}",
    ),
    "channels.answered": (", réponse « {text} »", ", answer “{text}”"),
    "channels.hint.format": (
        "le webhook n’accepte pas ce format : vérifiez que kind ({kind}) est bien celui du "
        "service qui a donné l’adresse.",
        "the webhook does not accept this format: check that kind ({kind}) is the service "
        "that gave the address.",
    ),
    "channels.hint.denied": (
        "le webhook a peut-être été désactivé ou son adresse est incomplète : recréez-le et "
        "mettez sa nouvelle adresse dans {variable}.",
        "the webhook may have been disabled, or its address is incomplete: create it again "
        "and put its new address in {variable}.",
    ),
    "channels.hint.gone": (
        "ce webhook n’existe plus (supprimé, ou canal archivé) : recréez-le et mettez sa "
        "nouvelle adresse dans {variable}.",
        "this webhook no longer exists (deleted, or its channel archived): create it again "
        "and put its new address in {variable}.",
    ),
    "channels.hint.other": (
        "lisez la réponse ci-dessus, et essayez « veille channels test {name} ».",
        "read the answer above, and try `veille channels test {name}`.",
    ),
    "channels.redirect": (
        "le canal « {name} » ({kind}, {url}) a répondu par une redirection (HTTP {status}) : "
        "veille n’y renvoie pas le message. Astuce : mettez dans {variable} l’adresse finale "
        "du webhook.",
        "channel {name!r} ({kind}, {url}) answered with a redirect (HTTP {status}): veille "
        "does not send the message there. Hint: put the webhook's final address in {variable}.",
    ),
    "channels.gave_up": (
        "le canal « {name} » ({kind}, {url}) n’a pas pris le message après {attempts} essais "
        "(dernier : {last}). Astuce : le service est peut-être en panne ; réessayez plus tard "
        "avec « veille channels test {name} ».",
        "channel {name!r} ({kind}, {url}) did not take the message after {attempts} attempts "
        "(last: {last}). Hint: the service may be down; try again later with "
        "`veille channels test {name}`.",
    ),
    "channels.wait_too_long": (
        "le canal « {name} » ({kind}, {url}) demande d’attendre {seconds} s avant de "
        "réessayer (HTTP {status}), plus que les {limit} s que veille accepte : message non "
        "envoyé. Astuce : réessayez plus tard.",
        "channel {name!r} ({kind}, {url}) asks to wait {seconds} s before trying again "
        "(HTTP {status}), more than the {limit} s veille accepts: message not sent. Hint: "
        "try again later.",
    ),
    "channels.unreachable": (
        "le canal « {name} » ({kind}, {url}) ne peut pas être joint : {reason}",
        "channel {name!r} ({kind}, {url}) cannot be reached: {reason}",
    ),
    "channels.status": ("HTTP {status}", "HTTP {status}"),
    "channels.timeout": ("pas de réponse complète à temps", "no complete answer in time"),
    "channels.connect_failed": ("connexion impossible ({detail})", "cannot connect ({detail})"),
    # the command line
    "channels.sent_one": (
        "Message de test posté sur le canal « {name} » ({kind}, {url}) : accepté (HTTP "
        "{status}) au premier essai.",
        "Test message posted to channel {name!r} ({kind}, {url}): accepted (HTTP {status}) "
        "at the first attempt.",
    ),
    "channels.sent_other": (
        "Message de test posté sur le canal « {name} » ({kind}, {url}) : accepté (HTTP "
        "{status}) après {attempts} essais.",
        "Test message posted to channel {name!r} ({kind}, {url}): accepted (HTTP {status}) "
        "after {attempts} attempts.",
    ),
    "channels.posted": (
        "Lettre annoncée sur le canal « {name} ».",
        "Letter announced on channel “{name}”.",
    ),
    "channels.not_posted": (
        "Lettre publiée, mais pas annoncée sur le canal « {name} » : {error}",
        "Letter published, but not announced on channel “{name}”: {error}",
    ),
    "channels.col.name": ("Canal", "Channel"),
    "channels.col.kind": ("Service", "Service"),
    "channels.col.receives": ("Reçoit", "Receives"),
    "channels.col.variable": ("Variable", "Variable"),
    "channels.col.address": ("Adresse", "Address"),
    "channels.not_set": ("non définie", "not set"),
}
