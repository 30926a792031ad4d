"""Messages about sources, subscribers, accounts, sources.yaml and search, in French and
English (merged into :data:`veille.i18n.MESSAGES`; kept apart so the package stays small)."""

from __future__ import annotations

SOURCES: dict[str, tuple[str, str]] = {
    # accounts (`veille users add`)
    "users.password_prompt": ("Mot de passe", "Password"),
    "users.created": ("compte {user} créé", "{user} created"),
    "users.password_changed": (
        "mot de passe de {user} changé",
        "{user}: password changed",
    ),
    "users.unknown": (
        "aucun compte nommé {name!r}. Astuce : `veille users list`.",
        "no account named {name!r}. Hint: `veille users list`.",
    ),
    "users.removed": ("compte {name} supprimé", "{name} removed"),
    "users.never": ("jamais", "never"),
    "users.last_login": ("{user}  dernière connexion : {last}", "{user}  last login {last}"),
    "users.no_terminal": (
        "pas de terminal pour demander le mot de passe. Astuce : donnez-le sur l’entrée "
        "standard avec --password-stdin (printf '%s\\n' \"$MOT_DE_PASSE\" | veille users add "
        "NOM --password-stdin) ou dans la variable d’environnement VEILLE_PASSWORD.",
        "no terminal to ask the password in. Hint: give it on standard input with "
        "--password-stdin (printf '%s\\n' \"$PASSWORD\" | veille users add NAME "
        "--password-stdin) or in the VEILLE_PASSWORD environment variable.",
    ),
    # subscribers
    "subscribers.added": (
        "{email} est abonné(e) à la lettre.",
        "{email} is subscribed to the letter.",
    ),
    "subscribers.updated": (
        "L’abonnement de {email} est mis à jour.",
        "The subscription of {email} is updated.",
    ),
    "subscribers.removed": (
        "{email} est retiré(e) de la liste des abonnés.",
        "{email} is removed from the subscribers.",
    ),
    "subscribers.unknown": (
        "{email} n’est pas abonné(e). Astuce : `veille subscribers list`.",
        "{email} is not a subscriber. Hint: `veille subscribers list`.",
    ),
    "subscribers.imported": (
        "{path} : {added} abonné(s) ajouté(s), {updated} mis à jour.",
        "{path}: {added} added, {updated} updated.",
    ),
    "subscribers.col.email": ("e-mail", "email"),
    "subscribers.col.name": ("nom", "name"),
    "subscribers.col.tags": ("thèmes", "tags"),
    "subscribers.col.lang": ("langue", "lang"),
    "subscribers.col.since": ("depuis", "since"),
    "subscribers.col.state": ("état", "state"),
    "subscribers.active": ("abonné(e)", "active"),
    "subscribers.left": ("désinscrit(e) le {day}", "unsubscribed {day}"),
    "subscribers.all_themes": ("tous les thèmes", "all"),
    "subscribers.count": ("{n} abonné(s)", "{n} subscriber(s)"),
    "subscribers.exported": ("{path} : {n} abonné(s)", "{path}: {n} subscriber(s)"),
    # themes (the taxonomy's tags), wherever a person names one
    "tags.unknown": (
        "thème inconnu « {tag} »{guess}. Les thèmes sont : {tags}.",
        "unknown tag '{tag}'{guess}. Hint: tags are {tags}.",
    ),
    "tags.did_you_mean": (" (vouliez-vous dire « {tag} » ?)", " (did you mean '{tag}'?)"),
    "tags.none": (
        "aucun thème donné. Les thèmes sont : {tags}.",
        "no tag given. Hint: tags are {tags}.",
    ),
    # sources.yaml itself
    "config.not_utf8": (
        "{name} : ce n’est pas du texte UTF-8. Astuce : enregistrez le fichier en UTF-8.",
        "{name}: not UTF-8 text. Hint: save the file as UTF-8.",
    ),
    "config.unreadable": (
        "{name} : impossible de le lire ({reason}).",
        "{name}: cannot be read ({reason}).",
    ),
    # sources.yaml's list of sources (veille.sourcefile)
    "config.where": ("source n° {n}", "source no. {n}"),
    "config.where_line": ("source n° {n} (ligne {line})", "source no. {n} (line {line})"),
    "config.bare_url": (
        "{name} : la {where} est une adresse seule ({value!r}). Écrivez chaque source avec ses "
        "clés, par exemple « - id: centre-inffo » puis, en dessous et en retrait, "
        "« url: https://www.centre-inffo.fr/feed ».",
        "{name}: {where} is a bare address ({value!r}). Hint: write each source with its keys, "
        "e.g. '- id: centre-inffo' then, below and indented, "
        "'url: https://www.centre-inffo.fr/feed'.",
    ),
    "config.not_a_source": (
        "{name} : la {where} n’est pas une source. Écrivez-la avec ses clés, par exemple "
        "« - id: centre-inffo » puis « url: https://… » en dessous.",
        "{name}: {where} is not a source. Hint: write it with its keys, e.g. "
        "'- id: centre-inffo' then 'url: https://…' below.",
    ),
    "config.duplicate_id": (
        "{name} : l’identifiant « {id} » est donné deux fois, à la {first} et à la {second}. "
        "Chaque source a le sien : renommez l’une des deux.",
        "{name}: the id '{id}' is given twice, to {first} and to {second}. Hint: each source "
        "has its own: rename one of them.",
    ),
    "config.source_tag": (
        "{name} : source « {id} » ({where}) : {problem}",
        "{name}: source '{id}' ({where}): {problem}",
    ),
    # search (veille search, the app's archive)
    "search.no_word": (
        "{query!r} ne contient aucun mot à chercher. Exemple : veille search 'CPF décret'.",
        "{query!r} has no word to search for. Hint: veille search 'CPF décret'.",
    ),
    "search.only_common": (
        "« {query} » : ces mots sont trop courants pour chercher (presque tous les articles "
        "les contiennent). Ajoutez un mot qui porte le sujet, par exemple « apprentissage » "
        "ou « CPF ».",
        "'{query}': these words are too common to search for (nearly every article has them). "
        "Hint: add a word that carries the subject, e.g. 'apprentissage' or 'CPF'.",
    ),
    "search.count": ("{n} résultat{plural}", "{n} result{plural}"),
    "search.none": (
        "Aucun résultat. Astuce : moins de mots, un mot plus court (« formation » trouve "
        "« formations »), ou sans --tag, --source, --since, --until.",
        "No result. Hint: fewer words, a shorter word, or without --tag, --source, --since, "
        "--until.",
    ),
    "search.unknown_source": (
        "aucune source « {source} » dans la base. Les sources sont : {sources}.",
        "no source '{source}' in the database. Hint: sources are {sources}.",
    ),
    # OPML files (veille.opml: `veille sources import`, the app's Sources page)
    "opml.hint": (
        "Astuce : exportez la liste d’abonnements en OPML depuis votre lecteur de flux et "
        "importez ce fichier.",
        "Hint: export the subscription list as OPML from your feed reader and import that file.",
    ),
    "opml.problem_line": ("ligne {line} ({label}) : {reason}", "line {line} ({label}): {reason}"),
    "opml.problem": ("une entrée ({label}) : {reason}", "an outline ({label}): {reason}"),
    "opml.not_http": (
        "xmlUrl {value!r} n’est pas une adresse http(s)",
        "xmlUrl {value!r} is not an http(s) address",
    ),
    "opml.at_line": (" (ligne {line})", " (line {line})"),
    "opml.twice": (
        "{url} figure deux fois ; la première est gardée{where}",
        "{url} is listed twice; kept the first{where}",
    ),
    "opml.same_feed": (
        "même flux que {where} (celui-là est gardé)",
        "same feed as {where} (that one is kept)",
    ),
    "opml.line": ("ligne {line}", "line {line}"),
    "opml.already": (
        "{url} : déjà une source ({id}) ; pas ajoutée",
        "{url}: already a source ({id}); not added",
    ),
    "opml.skipped": (
        "{count} entrée(s) dont xmlUrl n’est pas une adresse http(s)",
        "{count} outline(s) with an xmlUrl that is not an http(s) address",
    ),
    "opml.no_xmlurl": (
        "aucune entrée avec un attribut xmlUrl",
        "no outline with an xmlUrl attribute",
    ),
    "opml.no_feed": (
        "{name} : aucun flux dans le fichier OPML ({detail}). Astuce : un flux est une entrée "
        '<outline> avec xmlUrl="https://..." ; vérifiez que c’est bien une liste '
        "d’abonnements et non un plan de notes.",
        "{name}: no feed found in the OPML file ({detail}). Hint: a feed is an <outline> with "
        'xmlUrl="https://..."; check that this is a subscription list and not an outline '
        "of notes.",
    ),
    "opml.too_big": (
        "{name} : le fichier fait {size} Mo, plus que les {limit} Mo permis pour un fichier "
        "OPML. Astuce : découpez la liste, ou n’exportez que les dossiers utiles.",
        "{name}: the file is {size} MB, more than the {limit} MB an OPML file may have. "
        "Hint: split the list, or export only the folders you need.",
    ),
    "opml.too_many": (
        "{name} : {count} entrées, plus que les {limit} permises ici pour un fichier OPML. "
        "Astuce : découpez la liste, ou n’exportez que les dossiers utiles.",
        "{name}: {count} outlines, more than the {limit} an OPML file may have here. "
        "Hint: split the list, or export only the folders you need.",
    ),
    "opml.is_a_feed": (
        "{name} : c’est un flux (RSS/Atom), pas une liste de flux. Astuce : ajoutez son "
        "adresse comme source au lieu de l’importer.",
        "{name}: this is a feed (RSS/Atom), not a list of feeds. Hint: add its address as a "
        "source instead of importing it.",
    ),
    "opml.not_opml": (
        "{name} : ce n’est pas un fichier OPML (pas d’élément <opml> : une page web, ou un "
        "autre fichier XML ?). {hint}",
        "{name}: not an OPML file (no <opml> element; a web page, or another XML file?). {hint}",
    ),
    "opml.no_body": (
        "{name} : l’élément <opml> n’a pas de <body>, donc aucune entrée à lire. {hint}",
        "{name}: the <opml> element has no <body>, so no outline to read. {hint}",
    ),
    "opml.empty": ("{name} : le fichier est vide. {hint}", "{name}: the file is empty. {hint}"),
    "opml.too_deep": (
        "{name} : le fichier dépasse les limites de sécurité du lecteur XML (par exemple des "
        "dossiers imbriqués sur plus de 256 niveaux) ; refusé. Astuce : exportez de nouveau "
        "la liste depuis votre lecteur de flux.",
        "{name}: the file goes past the XML parser's safety limits (e.g. folders nested more "
        "than 256 deep); refused. Hint: re-export the list from your feed reader.",
    ),
    "opml.not_xml": (
        "{name} : ce n’est pas un fichier XML (un fichier OPML commence par <?xml ou <opml>). "
        "{hint}",
        "{name}: not an XML file (an OPML file starts with <?xml or <opml>). {hint}",
    ),
    "opml.dtd": (
        "{name} : le fichier déclare une DTD ou des entités (<!DOCTYPE ...>/<!ENTITY ...>), "
        "dont l’OPML n’a jamais besoin ; refusé par sécurité. {hint}",
        "{name}: the file declares a DTD or entities (<!DOCTYPE ...>/<!ENTITY ...>), which "
        "OPML never needs; refused for safety. {hint}",
    ),
    "opml.left_out": (
        "à noter : {count} source(s) page ou json non exportée(s) (l’OPML ne liste que des "
        "flux) : {ids}",
        "note: {count} page/json source(s) left out (OPML lists feeds): {ids}",
    ),
    "sources.exported": ("{path} : {n} sources", "{path}: {n} sources"),
    "cli.bad_format": (
        "--format {value!r} : choisissez parmi {choices}.",
        "--format {value!r} is not one of {choices}.",
    ),
    "export.week_or_days": (
        "donnez --week ou --from/--to, pas les deux.",
        "give --week or --from/--to, not both.",
    ),
    "export.backwards": (
        "--to {to} est avant --from {since}.",
        "--to {to} is before --from {since}.",
    ),
    "export.parquet_file": (
        "--format parquet écrit un fichier. Astuce : ajoutez --output articles.parquet.",
        "--format parquet writes a file. Hint: add --output articles.parquet.",
    ),
    "export.done": ("{path} : {n} article(s)", "{path}: {n} article(s)"),
    "opml.imported": (
        "{file} : {count} source(s) ajoutée(s) sur {feeds} flux ; {already} déjà suivie(s), "
        "{left_out} entrée(s) écartée(s).",
        "{file}: added {count} source(s) of {feeds} feed(s); {already} already present, "
        "{left_out} outline(s) left out.",
    ),
    "opml.would_import": (
        "{file} : {count} source(s) seraient ajoutée(s) sur {feeds} flux ; {already} déjà "
        "suivie(s), {left_out} entrée(s) écartée(s).",
        "{file}: would add {count} source(s) of {feeds} feed(s); {already} already present, "
        "{left_out} outline(s) left out.",
    ),
    # adding a source by its address (veille.sourcelist.propose_source: app and command line)
    "discovery.how.itself": ("l’adresse donnée", "the address given"),
    "discovery.how.announced": ("annoncé par la page", "announced by the page"),
    "discovery.how.linked": ("lien trouvé dans la page", "linked from the page"),
    "discovery.how.common": ("adresse habituelle des flux", "common feed path"),
    "discovery.how.wordpress": (
        "API WordPress annoncée par la page",
        "WordPress REST API announced by the page",
    ),
    "discovery.how.page": ("aucun flux trouvé", "no feed found"),
    "source.choice.feed": (
        "flux « {title} » : {count} article{plural} ({how})",
        "feed '{title}': {count} item{plural} ({how})",
    ),
    "source.choice.json": (
        "API JSON « {title} » : {count} article{plural} ({how})",
        "JSON API '{title}': {count} item{plural} ({how})",
    ),
    "source.choice.page": (
        "page « {title} » : {count} lien{plural} d’article, motif des liens : {pattern}",
        "page '{title}': {count} article link{plural}, link pattern: {pattern}",
    ),
    "source.untitled": ("sans titre", "untitled"),
    "source.no_pattern": (
        "aucun (veille choisit les liens d’articles)",
        "none (veille picks the article links)",
    ),
    "source.unreadable_feed": (
        "la page nomme le flux {url}, mais il n’a pas pu être lu : il n’est pas proposé.",
        "the page names the feed {url}, but it could not be read: it is not proposed.",
    ),
    "source.article_page": (
        "{url} ressemble à la page d’un article, pas à une liste d’articles : suivie comme "
        "page, elle ne donnerait que ses {count} lien(s), jamais de nouveauté. Donnez plutôt "
        "l’adresse de la page « Actualités » du site ou de son flux RSS.",
        "{url} looks like one article's page, not a list of articles: followed as a page, it "
        "would only give its {count} link(s), never anything new. Give the address of the "
        "site's news page or of its RSS feed instead.",
    ),
    "source.no_feed": (
        "aucun flux trouvé : la page {url} elle-même serait suivie, ses liens d’articles "
        "({count} aujourd’hui) relevés à chaque collecte.",
        "no feed found: the page {url} itself would be followed, its article links ({count} "
        "today) read at each pass.",
    ),
    "source.already": (
        "{url} est déjà suivie (source « {id} ») : rien n’est ajouté.",
        "{url} is already a source ({id}): nothing added.",
    ),
    "source.not_proposed": (
        "{url} ne fait pas partie de ce qui a été proposé : recommencez l’ajout.",
        "{url} is not one of the addresses proposed: add the source again.",
    ),
    "source.added": (
        "La source « {name} » est ajoutée ({what}) : elle sera relevée à la prochaine collecte.",
        "The source '{name}' is added ({what}): it is read at the next pass.",
    ),
    "source.more_choices": (
        "La première est proposée ; ajoutez les autres avec leur propre adresse.",
        "The first one is proposed; add the others with their own address.",
    ),
    "source.confirm": ("Ajouter {summary} ?", "Add {summary}?"),
    "source.not_confirmed": (
        "{summary} serait ajoutée, mais rien n’a été confirmé. Astuce : lancez la commande "
        "dans un terminal, ou ajoutez --yes.",
        "would add {summary}; not confirmed. Hint: run it in a terminal, or add --yes.",
    ),
    "source.proposal_gone": (
        "cette proposition n’existe plus (l’application a peut-être redémarré) : donnez de "
        "nouveau l’adresse de la source.",
        "this proposal is gone (the app may have restarted): give the source's address again.",
    ),
    "source.saved": ("La source « {name} » est enregistrée.", "The source '{name}' is saved."),
    "source.in_yaml": (
        "la source « {id} » est définie dans {path} : modifiez-la ou retirez-la dans ce "
        "fichier (ici, vous pouvez la désactiver).",
        "the source '{id}' is defined in {path}: change or remove it in that file (here, you "
        "can switch it off).",
    ),
    "source.delete_unconfirmed": (
        "cochez la case de confirmation pour supprimer la source « {name} ».",
        "tick the confirmation box to delete the source '{name}'.",
    ),
    "source.deleted": (
        "La source « {name} » est supprimée : elle ne sera plus relevée. Ses {n} article(s) "
        "restent dans les archives, les lettres et le registre.",
        "The source '{name}' is deleted: it is no longer fetched. Its {n} item(s) stay in the "
        "archive, the letters and the register.",
    ),
    "source.nothing_added": ("rien n’a été ajouté", "nothing added"),
    "source.summary": ("{id} ({what}) : {url}", "{id} ({what}): {url}"),
    "source.kind.feed": ("flux", "feed"),
    "source.kind.page": ("page", "page"),
    "source.kind.json": ("API JSON", "JSON API"),
    "source.cli_added": ("ajoutée : {summary}", "added {summary}"),
}
