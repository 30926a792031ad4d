"""What veille says about a sources.yaml it cannot accept, in French and English (merged into
:data:`veille.i18n.MESSAGES`): the frame of a message (file, place, key, value, hint), the
mistakes pydantic finds, those veille's own validators find (veille/config.py,
veille/mailbox_options.py, veille/channel_settings.py, veille/taxonomy.py), the YAML syntax
errors, and the hint for each key.

French values are shown between « », English ones as Python writes them ('rss'); keys, kinds
and ids stay as the user types them in both languages.
"""

from __future__ import annotations

CONFIG: dict[str, tuple[str, str]] = {
    # the frame: "sources.yaml : source « x » (sources[0]), clé « kind » : … Astuce : …"
    "config.error.at": (
        "{name} : {where}, {detail}. Astuce : {hint}.",
        "{name}: {where}, {detail}. Hint: {hint}.",
    ),
    "config.error.top": (
        "{name} : {detail}. Astuce : {hint}.",
        "{name}: {detail}. Hint: {hint}.",
    ),
    "config.error.plain": ("{name} : {detail}.", "{name}: {detail}."),
    "config.at.source": ("source « {id} » (sources[{index}])", "source {id!r} (sources[{index}])"),
    "config.at.tag": ("thème « {id} » (taxonomy[{index}])", "tag {id!r} (taxonomy[{index}])"),
    "config.at.channel": ("canal « {id} » ({where})", "channel {id!r} ({where})"),
    # what is wrong
    "config.key.unknown": ("clé inconnue « {option} »", "unknown key {option!r}"),
    "config.key.allowed": ("les clés permises sont : {keys}", "allowed keys are: {keys}"),
    "config.key.remove": ("retirez-la", "remove it"),
    "config.key.missing": ("la clé « {option} » manque", "key {option!r} is missing"),
    "config.key.add": ("ajoutez-la", "add it"),
    "config.key.problem": ("clé « {option} » : {problem}", "key {option!r}: {problem}"),
    "config.key.readme": (
        "voyez la section sources.yaml du README",
        "see the README's sources.yaml section",
    ),
    # pydantic's kinds of mistake, said of the value given
    "config.kind.literal_error": (
        "« {value} » n’est pas l’une des valeurs {choices}",
        "{value!r} is not one of {choices}",
    ),
    "config.kind.string_type": (
        "« {value} » n’est pas un texte (mettez-le entre guillemets)",
        "{value!r} is not a text (put it in quotes)",
    ),
    "config.kind.int_parsing": (
        "« {value} » n’est pas un nombre entier",
        "{value!r} is not a whole number",
    ),
    "config.kind.float_parsing": ("« {value} » n’est pas un nombre", "{value!r} is not a number"),
    "config.kind.bool_parsing": (
        "« {value} » n’est ni true ni false",
        "{value!r} is neither true nor false",
    ),
    "config.kind.greater_than_equal": (
        "« {value} » est trop petit (au moins {ge})",
        "{value!r} is too small (at least {ge})",
    ),
    "config.kind.greater_than": (
        "« {value} » est trop petit (il faut plus de {gt})",
        "{value!r} is too small (it must be more than {gt})",
    ),
    "config.kind.less_than_equal": (
        "« {value} » est trop grand (au plus {le})",
        "{value!r} is too large (at most {le})",
    ),
    "config.kind.less_than": (
        "« {value} » est trop grand (il faut moins de {lt})",
        "{value!r} is too large (it must be less than {lt})",
    ),
    "config.kind.string_too_short": (
        "« {value} » est trop court (au moins {min_length} caractère(s))",
        "{value!r} is too short (at least {min_length} character(s))",
    ),
    "config.kind.string_too_long": (
        "« {value} » est trop long (au plus {max_length} caractères)",
        "{value!r} is too long (at most {max_length} characters)",
    ),
    "config.kind.list": ("« {value} » n’est pas une liste", "{value!r} is not a list"),
    "config.kind.mapping": (
        "« {value} » n’est pas une table de clés (clé: valeur)",
        "{value!r} is not a mapping of keys (key: value)",
    ),
    "config.kind.other": (
        "« {value} » est refusé ({reason})",
        "{value!r} is invalid ({reason})",
    ),
    # veille's own validators (the value is named: the key is in the frame)
    "config.value.not_http": (
        "« {value} » n’est pas une adresse http(s)",
        "{value!r} is not an http(s) URL",
    ),
    "config.value.not_http_mailbox": (
        "« {value} » n’est pas une adresse http(s) (une boîte aux lettres demande kind: mailbox)",
        "{value!r} is not an http(s) URL (a mailbox needs kind: mailbox)",
    ),
    "config.value.not_site_url": (
        "« {value} » n’est pas une adresse http(s)",
        "{value!r} is not an http(s) address",
    ),
    "config.value.not_cron": (
        "« {value} » n’est pas une ligne cron de cinq champs",
        "{value!r} is not a cron line of five fields",
    ),
    "config.value.timezone": ("fuseau horaire inconnu « {value} »", "unknown time zone {value!r}"),
    "config.value.json_path": (
        "« {value} » n’est pas un chemin pointé comme title.rendered",
        "{value!r} is not a dotted path such as title.rendered",
    ),
    "config.value.site": (
        "« {value} » n’est pas un nom de site comme example.fr",
        "{value!r} is not a site name such as example.fr",
    ),
    "config.value.id": (
        "« {value} » n’est pas un identifiant valable",
        "{value!r} is not a valid id",
    ),
    "config.value.lang": (
        "« {value} » n’est pas un code de langue",
        "{value!r} is not a language code",
    ),
    "config.value.regex": (
        "« {value} » n’est pas une expression régulière valable ({reason})",
        "{value!r} is not a valid regular expression ({reason})",
    ),
    "config.value.selector": (
        "« {value} » n’est pas un sélecteur CSS valable ({reason})",
        "{value!r} is not a valid CSS selector ({reason})",
    ),
    "config.value.page_only": (
        "link_pattern et link_selector ne s’appliquent qu’aux sources kind: page",
        "link_pattern and link_selector only apply to kind: page sources",
    ),
    "config.value.json_only": (
        "mapping ne s’applique qu’aux sources kind: json",
        "mapping only applies to kind: json sources",
    ),
    "config.value.no_tags": (
        "la taxonomie est vide : donnez au moins un thème, ou retirez la clé « taxonomy »",
        "the taxonomy is empty: give at least one tag, or remove 'taxonomy'",
    ),
    "config.value.duplicate_tag": (
        "le thème « {id} » est déclaré deux fois dans taxonomy",
        "duplicate tag id {id!r} in taxonomy",
    ),
    "config.value.duplicate_source": (
        "l’identifiant de source « {id} » est donné deux fois",
        "duplicate source id {id!r}",
    ),
    "config.value.tag_id": (
        "« {value} » n’est pas un identifiant de thème valable",
        "{value!r} is not a valid tag id",
    ),
    "config.value.indicator": (
        "« {value} » n’est pas un indicateur Qualiopi",
        "{value!r} is not a Qualiopi indicator",
    ),
    "config.value.channel_name": (
        "« {value} » n’est pas un nom de canal valable",
        "{value!r} is not a valid channel name",
    ),
    "config.value.channel_variable": (
        "« {value} » n’est pas un nom de variable d’environnement comme TEAMS_WEBHOOK_URL (sa "
        "jumelle en _FILE est lue aussi, sans la nommer)",
        "{value!r} is not an environment variable name such as TEAMS_WEBHOOK_URL (its _FILE "
        "twin is read too, without naming it)",
    ),
    "config.value.channel_secret": (
        "l’adresse du webhook est un secret et ne va pas dans sources.yaml : mettez-la dans "
        "une variable d’environnement et nommez cette variable avec url_env",
        "the webhook's address is a secret and does not go in sources.yaml: put it in an "
        "environment variable and name that variable with url_env",
    ),
    "config.value.channel_username": (
        "username ne s’applique qu’aux canaux kind: mattermost",
        "username only applies to kind: mattermost channels",
    ),
    "config.value.channel_twice": (
        "deux canaux s’appellent « {id} »",
        "two channels are named {id!r}",
    ),
    # the mailbox keys (veille/mailbox_options.py)
    "mailbox.config.only": (
        "{keys} ne s’applique qu’aux sources kind: mailbox",
        "{keys} only applies to kind: mailbox sources",
    ),
    "mailbox.config.url": (
        "« {url} » n’est pas l’adresse d’une boîte aux lettres : écrivez "
        "imaps://serveur/Dossier (ou imap://serveur/Dossier avec starttls: true, ou "
        "maildir:///chemin/du/Maildir)",
        "{url!r} is not a mailbox address: write imaps://server/Folder (or "
        "imap://server/Folder with starttls: true, or maildir:///path/to/Maildir)",
    ),
    "mailbox.config.maildir": (
        "« {url} » : un Maildir s’écrit maildir:/// suivi de son chemin absolu, "
        "par exemple maildir:///var/mail/veille",
        "{url!r}: a Maildir is written maildir:/// then its absolute path, e.g. "
        "maildir:///var/mail/veille",
    ),
    "mailbox.config.login": (
        "une boîte IMAP demande username (l’identifiant) et password_env (la variable "
        "d’environnement qui contient le mot de passe, par exemple VEILLE_MAILBOX_PASSWORD)",
        "an IMAP mailbox needs username (the login) and password_env (the environment "
        "variable holding the password, e.g. VEILLE_MAILBOX_PASSWORD)",
    ),
    "mailbox.config.env": (
        "« {name} » n’est pas un nom de variable d’environnement (lettres, chiffres et _, "
        "par exemple VEILLE_MAILBOX_PASSWORD)",
        "{name!r} is not an environment variable name (letters, digits and _, e.g. "
        "VEILLE_MAILBOX_PASSWORD)",
    ),
    "mailbox.config.starttls": (
        "starttls: true ne s’applique qu’à une adresse imap:// (imaps:// est chiffrée dès "
        "le début)",
        "starttls: true only applies to an imap:// address (imaps:// is encrypted from the start)",
    ),
    # the file as a whole
    "config.yaml.syntax": (
        "{name} : erreur de syntaxe YAML{where} : {problem}. Astuce : vérifiez le retrait des "
        "lignes et mettez entre guillemets les valeurs qui contiennent « : » ou « # ».",
        "{name}: YAML syntax error{where}: {problem}. Hint: check indentation and quote values "
        "that contain ':' or '#'.",
    ),
    "config.yaml.where": (
        " à la ligne {line}, colonne {column}",
        " at line {line}, column {column}",
    ),
    "config.yaml.invalid": ("YAML non valable", "invalid YAML"),
    # PyYAML's problems, said as a person would (any other keeps PyYAML's words)
    "config.yaml.mapping_values": (
        "un « : » là où la valeur n’en attend pas (mettez la valeur entre guillemets)",
        "a ':' where the value expects none (put the value in quotes)",
    ),
    "config.yaml.expected_colon": (
        "il manque le « : » après une clé",
        "a key is missing its ':'",
    ),
    "config.yaml.tab": (
        "une tabulation dans le retrait (YAML n’accepte que des espaces)",
        "a tab in the indentation (YAML only takes spaces)",
    ),
    "config.yaml.block_end": (
        "une ligne n’est pas alignée avec celles de son bloc",
        "a line is not aligned with the others of its block",
    ),
    "config.yaml.unclosed": (
        "une liste [ ] ou une table {{ }} n’est pas refermée",
        "a [ ] list or {{ }} mapping is not closed",
    ),
    "config.yaml.end_of_stream": (
        "le fichier s’arrête avant la fin d’une valeur (des guillemets non refermés ?)",
        "the file ends in the middle of a value (a quote not closed?)",
    ),
    "config.yaml.alias": (
        "l’alias *{alias} ne renvoie à aucune ancre &{alias} placée avant lui",
        "the alias *{alias} names no anchor &{alias} placed before it",
    ),
    "config.yaml.not_mapping": (
        "{name} : le fichier doit commencer par les clés settings et sources, et non par {found}.",
        "{name}: expected a mapping with 'settings' and 'sources' at the top, found {found}.",
    ),
    "config.yaml.sources_not_list": (
        "{name} : la clé « sources » doit être une liste de sources (des lignes qui commencent "
        "par « - id: … »).",
        "{name}: key 'sources' must be a list of sources (lines starting with '- id: ...').",
    ),
    "config.yaml.found.list": ("une liste", "a list"),
    "config.yaml.found.text": ("un texte", "a text"),
    "config.yaml.found.number": ("un nombre", "a number"),
    "config.yaml.found.other": ("une valeur seule", "a single value"),
    # veille run --source with an id the file does not have
    "config.no_source": (
        "{name} : aucune source n’a l’identifiant « {ids} ». Astuce : `veille sources check` "
        "liste les identifiants.",
        "{name}: no source with id '{ids}'. Hint: `veille sources check` lists the ids.",
    ),
    # what to write instead, by key (sources, settings, taxonomy)
    "config.hint.id": (
        "des minuscules, des chiffres et des tirets, par exemple centre-inffo",
        "use lowercase letters, digits and dashes, e.g. centre-inffo",
    ),
    "config.hint.url": (
        "donnez l’adresse complète, qui commence par https:// ou http://",
        "give the full address, starting with https:// or http://",
    ),
    "config.hint.kind": (
        "kind: feed pour un flux RSS/Atom/JSON, kind: page pour une page HTML qui liste des "
        "articles, kind: json pour une API JSON qui liste des articles (par exemple "
        "wp-json/wp/v2/posts de WordPress), kind: mailbox pour des lettres d’information "
        "reçues dans une boîte IMAP",
        "use kind: feed for RSS/Atom/JSON feeds, kind: page for an HTML page listing articles, "
        "kind: json for a JSON API listing articles (e.g. WordPress wp-json/wp/v2/posts), "
        "kind: mailbox for newsletters received in an IMAP mailbox",
    ),
    "config.hint.items": (
        "donnez le chemin pointé de la liste des articles dans le JSON, par exemple "
        "data.posts, ou $ quand le document est lui-même la liste",
        "give the dotted path of the list of articles in the JSON, e.g. data.posts, or $ "
        "when the document itself is the list",
    ),
    "config.hint.link": (
        "donnez le chemin pointé de l’adresse de chaque article dans le JSON, par exemple "
        "link ou url",
        "give the dotted path of each article's address in the JSON, e.g. link or url",
    ),
    "config.hint.title": (
        "donnez le chemin pointé du titre de chaque article dans le JSON, par exemple "
        "title.rendered",
        "give the dotted path of each article's title in the JSON, e.g. title.rendered",
    ),
    "config.hint.date": (
        "donnez le chemin pointé de la date de chaque article (ISO 8601 ou RFC 822), par "
        "exemple date_gmt",
        "give the dotted path of each article's date (ISO 8601 or RFC 822), e.g. date_gmt",
    ),
    "config.hint.summary": (
        "donnez le chemin pointé du résumé de chaque article, par exemple excerpt.rendered",
        "give the dotted path of each article's summary, e.g. excerpt.rendered",
    ),
    "config.hint.content": (
        "donnez le chemin pointé du texte intégral (ou HTML) de chaque article, par exemple "
        "content.rendered",
        "give the dotted path of each article's full text or HTML, e.g. content.rendered",
    ),
    "config.hint.author": (
        "donnez le chemin pointé du nom de l’auteur de chaque article, ou retirez la clé",
        "give the dotted path of each article's author name, or leave it out",
    ),
    "config.hint.guid": (
        "donnez le chemin pointé d’un identifiant stable de chaque article, par exemple id",
        "give the dotted path of a stable id of each article, e.g. id",
    ),
    "config.hint.lang": (
        "un code de langue comme fr ou en",
        "use a language code such as fr or en",
    ),
    "config.hint.enabled": ("true ou false", "use true or false"),
    "config.hint.official": ("true ou false", "use true or false"),
    "config.hint.fetch_pages": (
        "true (relever la page de chaque article) ou false (garder le texte du flux)",
        "use true (fetch each article page) or false (keep the feed's own text)",
    ),
    "config.hint.tags": (
        "donnez une liste, par exemple tags: [reglementaire, handicap]",
        "give a list, e.g. tags: [reglementaire, handicap]",
    ),
    "config.hint.sites": (
        "donnez une liste de noms de sites, par exemple sites: [centre-inffo.fr]",
        "give a list of site names, e.g. sites: [centre-inffo.fr]",
    ),
    "config.hint.timezone": (
        "un nom de fuseau horaire IANA comme Europe/Paris",
        "use an IANA time zone name such as Europe/Paris",
    ),
    "config.hint.link_pattern": (
        "donnez une expression régulière Python, comparée aux adresses des articles",
        "give a Python regular expression matched against article URLs",
    ),
    "config.hint.link_selector": (
        "donnez un sélecteur CSS des liens des articles, par exemple 'main h2 a'",
        "give a CSS selector of the article links, e.g. 'main h2 a'",
    ),
    "config.hint.mapping": (
        "donnez les chemins des champs, par exemple mapping: {{items: $, link: link, "
        "title: title.rendered}}",
        "give the fields' paths, e.g. mapping: {{items: $, link: link, title: title.rendered}}",
    ),
    "config.hint.label": (
        "donnez le nom du thème tel que la lettre l’affiche, par exemple label: Réglementaire",
        "give the tag's name as the letter shows it, e.g. label: Réglementaire",
    ),
    "config.hint.indicator": (
        "un indicateur Qualiopi comme I23, ou retirez la clé",
        "use a Qualiopi indicator such as I23, or leave it out",
    ),
    "config.hint.also": (
        "donnez une liste d’indicateurs Qualiopi, par exemple also: [I23]",
        "give a list of Qualiopi indicators, e.g. also: [I23]",
    ),
    "config.hint.organisation": (
        "donnez le nom de l’organisme, par exemple organisation: GRETA Exemple",
        "give the organisation's name, e.g. organisation: GRETA Exemple",
    ),
    "config.hint.watch_lead": (
        "donnez le nom du référent veille, par exemple watch_lead: Marie Dupont",
        "give the watch lead's name, e.g. watch_lead: Marie Dupont",
    ),
    "config.hint.keywords": (
        "donnez une liste de mots ou d’expressions, par exemple keywords: [CPF, OPCO]",
        "give a list of words or phrases, e.g. keywords: [CPF, OPCO]",
    ),
    "config.hint.relevance_threshold": (
        "un nombre entre 0 et 1, par exemple 0.5",
        "give a number between 0 and 1, e.g. 0.5",
    ),
    "config.hint.site_url": (
        "donnez l’adresse publique des archives, par exemple https://veille.example.org/",
        "give the public address of the archive, e.g. https://veille.example.org/",
    ),
    "config.hint.max_items": ("un nombre entier, par exemple 15", "give a whole number, e.g. 15"),
    "config.hint.max_per_section": (
        "un nombre entier, par exemple 5",
        "give a whole number, e.g. 5",
    ),
    "config.hint.max_per_source": (
        "un nombre entier, par exemple 3",
        "give a whole number, e.g. 3",
    ),
    "config.hint.draft_cron": (
        "une ligne cron comme '0 6 * * 1' (le lundi à 6 h)",
        "give a cron line such as '0 6 * * 1' (Monday 06:00)",
    ),
    "config.hint.publish_cron": (
        "une ligne cron comme '0 8 * * 1', ou null pour publier à la main",
        "give a cron line such as '0 8 * * 1', or null to publish by hand",
    ),
    "config.hint.ingest_every_hours": (
        "un nombre d’heures, par exemple 6",
        "give a number of hours, e.g. 6",
    ),
    # the mailbox keys
    "config.hint.username": (
        "donnez l’identifiant de la boîte, par exemple username: veille@example.org",
        "give the mailbox's login, e.g. username: veille@example.org",
    ),
    "config.hint.password_env": (
        "nommez la variable d’environnement qui contient le mot de passe, par exemple "
        "password_env: VEILLE_MAILBOX_PASSWORD (le mot de passe lui-même ne va jamais dans "
        "sources.yaml)",
        "name the environment variable holding the password, e.g. "
        "password_env: VEILLE_MAILBOX_PASSWORD (the password itself never goes in sources.yaml)",
    ),
    "config.hint.follow_links": (
        "true (relever chaque article dont la lettre donne le lien) ou false (garder la lettre)",
        "use true (fetch each article the letter links to) or false (keep the letter)",
    ),
    "config.hint.starttls": (
        "true pour chiffrer une connexion imap:// avec STARTTLS",
        "use true to encrypt an imap:// connection with STARTTLS",
    ),
    "config.hint.ca_file": (
        "donnez le chemin du fichier PEM de l’autorité de certification du serveur",
        "give the path of the PEM file of the server's certificate authority",
    ),
    "config.hint.move_to": (
        "donnez le dossier où vont les lettres lues, par exemple move_to: Veille/Lues",
        "give the folder where read letters go, e.g. move_to: Veille/Lues",
    ),
    "config.hint.max_messages": (
        "un nombre entier de lettres lues par passe, par exemple 50",
        "give a whole number of letters read per run, e.g. 50",
    ),
    "config.hint.max_message_bytes": (
        "une taille en octets, par exemple 10485760 (10 Mo)",
        "give a size in bytes, e.g. 10485760 (10 MB)",
    ),
    # the keys of a channel (settings.channels)
    "config.channel_hint.name": (
        "des minuscules, des chiffres et des tirets, par exemple equipe-pedagogique",
        "use lowercase letters, digits and dashes, e.g. equipe-pedagogique",
    ),
    "config.channel_hint.kind": (
        "kind: teams (un webhook Workflows), slack ou mattermost (webhooks entrants)",
        "use kind: teams (a Workflows webhook), slack or mattermost (incoming webhooks)",
    ),
    "config.channel_hint.url_env": (
        "nommez la variable d’environnement qui contient l’adresse du webhook, par exemple "
        "url_env: TEAMS_WEBHOOK_URL (l’adresse elle-même ne va jamais dans sources.yaml)",
        "name the environment variable holding the webhook's address, e.g. "
        "url_env: TEAMS_WEBHOOK_URL (the address itself never goes in sources.yaml)",
    ),
    "config.channel_hint.receives": (
        "donnez une liste faite de letters et alerts, par exemple receives: [letters]",
        "give a list of letters and alerts, e.g. receives: [letters]",
    ),
    "config.channel_hint.username": (
        "donnez le nom que les messages affichent, par exemple username: Veille (Mattermost "
        "seulement)",
        "give the name the posts show, e.g. username: Veille (Mattermost only)",
    ),
    "config.channel_hint.max_items": (
        "un nombre entier d’articles par message, de 1 à {max_items}",
        "give a whole number of articles per post, from 1 to {max_items}",
    ),
    # environment variables (veille/environment.py)
    "config.env.not_yes_no": (
        "la variable d’environnement {name}={raw!r} n’est pas une valeur oui/non. Astuce : "
        "mettez 1 ou 0.",
        "environment variable {name}={raw!r} is not a yes/no value. Hint: use 1 or 0.",
    ),
    "config.env.both": (
        "{name} et {name}_FILE sont définies toutes les deux. Astuce : n’en gardez qu’une (le "
        "fichier est plus sûr).",
        "both {name} and {name}_FILE are set. Hint: keep only one (the file is safer).",
    ),
    "config.env.unreadable": (
        "{name}_FILE={path!r} est illisible ({reason}). Astuce : vérifiez le chemin, et que "
        "l’utilisateur qui fait tourner veille a le droit de le lire.",
        "{name}_FILE={path!r} cannot be read ({reason}). Hint: check the path and that the user "
        "running veille may read it.",
    ),
    "config.env.not_utf8": ("ce n’est pas du texte UTF-8", "not UTF-8 text"),
    "config.env.now": (
        "{name}={value!r} n’est pas un moment ISO 8601 avec son fuseau horaire. Astuce : "
        "{name}=2026-11-23T08:00:00+01:00, ou retirez la variable pour suivre l’horloge du "
        "système.",
        "{name}={value!r} is not an ISO 8601 moment with a time zone. Hint: "
        "{name}=2026-11-23T08:00:00+01:00, or unset it to use the system clock.",
    ),
    # the letter's settings (veille/render.py)
    "config.letter_lang": (
        "la langue « {lang} » n’est pas disponible pour la lettre. Astuce : choisissez parmi "
        "{available}.",
        "language {lang!r} is not available. Hint: use one of {available}.",
    ),
    "config.feed_urls": (
        "l’adresse du flux « {feed} » et celle du site « {site} » doivent être des adresses "
        "http(s). Astuce : écrivez-les comme https://veille.example.org/feed.xml.",
        "the feed URL {feed!r} and site URL {site!r} must be http(s) URLs. Hint: write them "
        "like https://veille.example.org/feed.xml.",
    ),
    # the command line's frame of an error (veille/cli/__init__.py)
    "cli.error": ("erreur :", "error:"),
    "cli.interrupted": ("interrompu", "interrupted"),
    "cli.aborted": ("abandonné", "aborted"),
    "cli.see_help": (" Astuce : voyez `{command} --help`.", " Hint: see `{command} --help`."),
}
