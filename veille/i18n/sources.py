"""Messages about sources, subscribers, accounts, sources.yaml and search, in French and
English (merged into :data:`veille.i18n.MESSAGES`; kept apart so the package stays small)."""

from __future__ import annotations

SOURCES: dict[str, tuple[str, str]] = {
    # accounts (`veille users add`)
    "users.password_prompt": ("Mot de passe", "Password"),
    "users.no_terminal": (
        "pas de terminal pour demander le mot de passe. Astuce : donnez-le sur l’entrée "
        "standard avec --password-stdin (printf '%s\\n' \"$MOT_DE_PASSE\" | veille users add "
        "NOM --password-stdin) ou dans la variable d’environnement VEILLE_PASSWORD.",
        "no terminal to ask the password in. Hint: give it on standard input with "
        "--password-stdin (printf '%s\\n' \"$PASSWORD\" | veille users add NAME "
        "--password-stdin) or in the VEILLE_PASSWORD environment variable.",
    ),
    # subscribers
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
