"""What veille says when a source cannot be read (veille/fetch.py), in French and English
(merged into :data:`veille.i18n.MESSAGES`).

These messages are written at fetch time in the configured language (``settings.digest.lang``,
set by the entry point) and stored on the source as they are: the Sources page and
``veille sources check`` show the stored sentence, so it must already be the reader's. A source's
next fetch writes its error again, so a change of language reaches every failing source within
one pass.
"""

from __future__ import annotations

_HINT_FR = (
    "Astuce : exportez la liste des abonnements en OPML depuis votre lecteur de flux et "
    "importez ce fichier."
)
_HINT_EN = "Hint: export the subscription list as OPML from your feed reader and import that file."

FETCHING: dict[str, tuple[str, str]] = {
    "fetch.deadline": (
        "{host} n’a pas répondu complètement en {seconds} s",
        "{host} did not answer completely within {seconds} s",
    ),
    "fetch.redirect_without_location": (
        "{host} a répondu par une redirection sans adresse de destination",
        "{host} answered a redirect without a Location",
    ),
    "fetch.redirect_loop": (
        "les redirections tournent en rond à {url}",
        "redirect loop at {url}",
    ),
    "fetch.too_many_redirects": (
        "plus de {count} redirections à partir de {url}",
        "more than {count} redirects starting from {url}",
    ),
    "fetch.retry_after": (
        "{host} demande d’attendre avant de revenir (Retry-After) : encore {seconds} s",
        "{host} asked us to wait (Retry-After): {seconds} s left",
    ),
    "fetch.undecodable": (
        "{host} a envoyé un contenu compressé illisible",
        "{host} sent a body that cannot be decompressed",
    ),
    "fetch.network": (
        "erreur réseau avec {host} : {detail}",
        "network error with {host}: {detail}",
    ),
    "fetch.bad_encoding": (
        "{host} a envoyé un contenu encodé en {encoding!r}, que veille n’accepte pas",
        "{host} sent a body encoded as {encoding!r}, which veille does not accept",
    ),
    "fetch.announced_too_large": (
        "{host} annonce {size} octets, au-delà de la limite de {cap} octets",
        "{host} announced {size} bytes, over the {cap}-byte limit",
    ),
    "fetch.too_large": (
        "{host} a envoyé plus de {cap} octets (une fois décompressés) : lecture arrêtée",
        "{host} sent more than {cap} bytes (after decompression): stopped",
    ),
    "fetch.bot_challenge": (
        "{host} a répondu par une vérification anti-robots (Cloudflare ou équivalent) au lieu "
        "du contenu. Astuce : demandez un accès à l’éditeur ou utilisez une autre adresse.",
        "{host} answered a bot-protection challenge (Cloudflare or similar) instead of the "
        "content. Hint: ask the publisher for access or use another URL.",
    ),
    "fetch.status": (
        "{url} a répondu HTTP {status}{reason}",
        "{url} answered HTTP {status}{reason}",
    ),
    "fetch.retry_in": (", nouvel essai dans {seconds} s", ", retry after {seconds} s"),
    "fetch.reason": (" ({reason})", " ({reason})"),
    "fetch.connect_timeout": (
        "délai dépassé pour se connecter à {host}",
        "timed out connecting to {host}",
    ),
    "fetch.read_timeout": (
        "{host} a cessé d’envoyer des données (délai de lecture dépassé)",
        "{host} stopped sending data (read timeout)",
    ),
    "fetch.cannot_connect": (
        "connexion impossible à {host} : {reason}",
        "cannot connect to {host}: {reason}",
    ),
    "fetch.connection_failed": ("la connexion a échoué", "connection failed"),
    "fetch.redirects_from": (
        "trop de redirections depuis {host}",
        "too many redirects from {host}",
    ),
    "fetch.no_host": (
        "adresse introuvable : le nom {host} ne répond pas ({reason})",
        "cannot resolve host {host} ({reason})",
    ),
    "fetch.no_host_at_all": (
        "adresse introuvable : le nom {host} ne répond pas",
        "cannot resolve host {host}",
    ),
    "fetch.unix_socket": (
        "les sockets Unix ne sont jamais lus",
        "unix sockets are never fetched",
    ),
    "fetch.not_http": (
        "« {url} » n’est pas une adresse http(s) : rien n’a été récupéré",
        "{url!r} is not an http(s) URL: not fetched",
    ),
    "pages.no_link": (
        "aucun lien d’article trouvé sur la page {url}. Astuce : indiquez link_pattern ou "
        "link_selector pour cette source.",
        "no article link found on the page {url}. Hint: set link_pattern or link_selector for "
        "this source.",
    ),
    "feeds.empty": (
        "{url} a renvoyé un document vide, pas un flux",
        "{url} returned an empty document, not a feed",
    ),
    "feeds.unreadable": (
        "{url} n’a pas pu être lu comme un flux ({detail})",
        "{url} could not be read as a feed ({detail})",
    ),
    "feeds.not_a_feed": (
        "{url} n’est pas un flux RSS, Atom ou JSON{detail}",
        "{url} is not an RSS, Atom or JSON feed{detail}",
    ),
    "feeds.malformed": (
        "flux mal formé, lu autant que possible : {reason}",
        "malformed feed, read what could be read: {reason}",
    ),
    "feeds.bad_json": (
        "{url} n’est pas du JSON valide ({detail})",
        "{url} is not valid JSON ({detail})",
    ),
    "feeds.not_json_feed": (
        "{url} est du JSON mais pas au format JSON Feed (pas de liste « items »)",
        "{url} is JSON but not a JSON Feed (no 'items' list)",
    ),
    "feeds.html_with_feed": (
        "{url} est une page HTML, pas un flux. Astuce : la page annonce un flux à {feed} ; "
        "utilisez cette adresse.",
        "{url} is an HTML page, not a feed. Hint: the page announces a feed at {feed}; use "
        "that URL.",
    ),
    "feeds.html_page": (
        "{url} est une page HTML, pas un flux. Astuce : choisissez le type « page » (kind: page) "
        "pour une page qui liste des articles, ou trouvez l’adresse du flux du site.",
        "{url} is an HTML page, not a feed. Hint: use kind: page for a page that lists "
        "articles, or find the site's feed URL.",
    ),
    # The reason phrases people meet; another status is shown by its number alone.
    "http.400": ("requête refusée", "Bad Request"),
    "http.401": ("identification requise", "Unauthorized"),
    "http.403": ("accès interdit", "Forbidden"),
    "http.404": ("page introuvable", "Not Found"),
    "http.410": ("page supprimée", "Gone"),
    "http.429": ("trop de requêtes", "Too Many Requests"),
    "http.500": ("erreur du serveur", "Internal Server Error"),
    "http.502": ("passerelle en erreur", "Bad Gateway"),
    "http.503": ("service indisponible", "Service Unavailable"),
    "http.504": ("la passerelle n’a pas répondu à temps", "Gateway Timeout"),
    # what makes a source look silent or broken (veille.health)
    "health.silent.one": (
        "silencieuse depuis {n} jour ({usually})",
        "silent for {n} day ({usually})",
    ),
    "health.silent.other": (
        "silencieuse depuis {n} jours ({usually})",
        "silent for {n} days ({usually})",
    ),
    "health.every_days.one": (
        "d’habitude un nouvel article chaque jour",
        "usually a new item every day",
    ),
    "health.every_days.other": (
        "d’habitude un nouvel article tous les {n} jours",
        "usually a new item every {n} days",
    ),
    "health.pattern_lost": (
        "son motif de liens ne correspond plus à aucun lien de la page",
        "its link pattern no longer matches any link on the page",
    ),
    "health.shorter": (
        "les textes récents sont bien plus courts ({recent} mots contre {usual} d’habitude) : "
        "le site a-t-il changé de mise en page ?",
        "recent texts are much shorter ({recent} words against {usual} usually): has the site "
        "changed its layout?",
    ),
    # an OPML file that cannot be imported (`veille sources import`, the Sources page)
    # a JSON API source (veille.jsonsource)
    "json.empty": (
        "{url} a renvoyé un document vide, pas du JSON",
        "{url} returned an empty document, not JSON",
    ),
    "json.markup": (
        "{url} a renvoyé du HTML ou du XML, pas du JSON. Astuce : donnez l’adresse de l’API "
        "(par exemple /wp-json/wp/v2/posts), ou choisissez kind: feed / page.",
        "{url} returned HTML or XML, not JSON. Hint: use the API's address (e.g. "
        "/wp-json/wp/v2/posts), or kind: feed / page.",
    ),
    "json.no_list": (
        "{url} : pas de liste d’articles à {path!r} (trouvé : {found}). Astuce : indiquez dans "
        "mapping.items le chemin de la liste{keys}.",
        "{url}: no list of articles at {path!r} (found {found}). Hint: set mapping.items to the "
        "path of the list{keys}.",
    ),
    "json.no_link": (
        "{url} : aucun des {count} éléments n’a d’adresse web à {path!r}. Astuce : indiquez "
        "dans mapping.link le chemin de l’adresse de chaque article{keys}.",
        "{url}: none of the {count} items has a web address at {path!r}. Hint: set mapping.link "
        "to the path of each article's address{keys}.",
    ),
    "json.nothing": ("rien", "nothing"),
    "json.object": ("un objet", "an object"),
    "json.other": ("un {type}", "a {type}"),
    "json.keys": (" (ses clés : {keys})", " (its keys: {keys})"),
    # the kinds of source, as the Sources page and `veille sources check` name them
    "kind.feed": ("flux", "feed"),
    "kind.page": ("page", "page"),
    "kind.json": ("API JSON", "JSON API"),
}
