"""What veille says about the team (roles, suggestions, who did what), in French and English
(merged into :data:`veille.i18n.MESSAGES`; the web pages' words in :data:`WEB_ROLES`)."""

from __future__ import annotations

ROLES: dict[str, tuple[str, str]] = {
    "roles.last_admin": (
        "{name} est le dernier administrateur : donnez d’abord ce rôle à un autre compte "
        "(sinon plus personne ne pourrait gérer les comptes ni les sources).",
        "{name} is the last admin. Hint: give another account that role first (otherwise "
        "nobody could manage accounts or sources).",
    ),
    "roles.changed": ("{name} a maintenant le rôle {role}.", "{name} now has the role {role}."),
    "roles.bad_role": (
        "rôle inconnu {value!r} : choisissez admin, curator ou contributor.",
        "unknown role {value!r}. Hint: choose admin, curator or contributor.",
    ),
    "roles.job_suggest": ("Suggestion de {url}", "Suggesting {url}"),
    "roles.suggested": (
        "« {title} » est parmi les candidats de la {period}, marqué comme votre suggestion.",
        "“{title}” is among the candidates of the {period}, marked as your suggestion.",
    ),
    "roles.suggested_again": (
        "« {title} » était déjà suggéré pour la {period}.",
        "“{title}” was suggested for the {period} already.",
    ),
    "users.created_role": ("compte {user} créé ({role})", "{user} created ({role})"),
    "users.list_line": (
        "{user}  {role}  dernière connexion : {last}",
        "{user}  {role}  last login {last}",
    ),
}

WEB_ROLES: dict[str, tuple[str, str]] = {
    "forbidden": (
        "Votre rôle ne permet pas cette action. Demandez-la à un administrateur ou à la "
        "personne qui fait la curation.",
        "Your role does not allow this. Ask an admin or the curator.",
    ),
    "role_admin": ("administrateur", "admin"),
    "role_curator": ("curateur", "curator"),
    "role_contributor": ("contributeur", "contributor"),
    "nav_suggest": ("Suggérer un article", "Suggest an article"),
    "nav_users": ("Équipe", "Team"),
    "suggest_title": ("Suggérer un article", "Suggest an article"),
    "suggest_intro": (
        "Un article qui compte pour la lettre de la {period} ? Donnez son adresse et dites "
        "pourquoi : il rejoint les candidats de la semaine, marqué comme votre suggestion, et "
        "la personne qui fait la curation décide.",
        "An article that matters for the letter of the {period}? Give its address and say "
        "why: it joins the week's candidates, marked as your suggestion, and the curator "
        "decides.",
    ),
    "suggest_url": ("Adresse de l’article", "Article address"),
    "suggest_comment": ("Votre commentaire", "Your comment"),
    "suggest_comment_example": (
        "ex. : change les règles de prise en charge des contrats d’apprentissage",
        "e.g. changes how apprenticeship contracts are funded",
    ),
    "suggest_submit": ("Suggérer", "Suggest"),
    "suggestions_mine": ("Mes suggestions", "My suggestions"),
    "suggestions_all": ("Les suggestions de l’équipe", "The team's suggestions"),
    "suggestions_none": ("Aucune suggestion pour l’instant.", "No suggestion yet."),
    "suggestion_pending": ("en attente", "pending"),
    "suggestion_kept": ("retenue", "kept"),
    "suggestion_dropped": ("non retenue", "not kept"),
    "suggestion_week": ("Semaine", "Week"),
    "suggestion_article": ("Article", "Article"),
    "suggestion_by": ("Par", "By"),
    "suggestion_state": ("Devenir", "Outcome"),
    "suggested_by": ("suggéré par {name}", "suggested by {name}"),
    "suggested_waiting": (
        "suggestion en attente de votre décision",
        "a suggestion waiting for your decision",
    ),
    "kept_by": ("retenu par {name}", "kept by {name}"),
    "dropped_by": ("écarté par {name}", "left out by {name}"),
    "published_by": ("publiée par {name}", "published by {name}"),
    "sent_by": ("envoi lancé par {name}", "sending started by {name}"),
    "users_title": ("Équipe et rôles", "Team and roles"),
    "users_intro": (
        "Administrateur : comptes, sources, abonnés, alertes, envoi. Curateur : curation, "
        "publication, suivi Qualiopi. Contributeur (formateurs) : lire, chercher, suggérer un "
        "article. Un compte se crée sur le serveur : veille users add NOM --role contributor.",
        "Admin: accounts, sources, subscribers, alerts, sending. Curator: curation, "
        "publication, Qualiopi follow-up. Contributor (trainers): read, search, suggest an "
        "article. Accounts are created on the server: veille users add NAME --role contributor.",
    ),
    "users_name": ("Compte", "Account"),
    "users_role": ("Rôle", "Role"),
    "users_last_login": ("Dernière connexion", "Last login"),
    "users_never": ("jamais", "never"),
    "users_change": ("Changer", "Change"),
    "activity_title": ("Qui a fait quoi", "Who did what"),
    "activity_none": ("Rien encore.", "Nothing yet."),
    "activity_when": ("Quand", "When"),
    "activity_who": ("Qui", "Who"),
    "activity_what": ("Quoi", "What"),
    "activity_object": ("Sur", "On"),
    "did_keep": ("a retenu", "kept"),
    "did_drop": ("a écarté", "left out"),
    "did_top": ("a mis à la une", "made top story"),
    "did_move": ("a déplacé", "moved"),
    "did_tags": ("a changé les étiquettes", "changed the tags"),
    "did_summary": ("a réécrit le résumé", "rewrote the summary"),
    "did_note": ("a annoté", "annotated"),
    "did_editorial": ("a écrit l’édito", "wrote the editorial"),
    "did_draft": ("a préparé le brouillon", "drafted"),
    "did_publish": ("a publié", "published"),
    "did_approve": ("a approuvé", "approved"),
    "did_send": ("a lancé l’envoi", "started the sending"),
    "did_suggest_article": ("a suggéré", "suggested"),
    "did_change_role": ("a changé un rôle", "changed a role"),
    "did_add_source": ("a proposé une source", "proposed a source"),
    "did_confirm_source": ("a ajouté une source", "added a source"),
    "did_toggle_source": ("a activé ou suspendu une source", "switched a source"),
    "did_edit_source": ("a modifié une source", "edited a source"),
    "did_delete_source": ("a supprimé une source", "deleted a source"),
    "did_import_opml": ("a importé des sources", "imported sources"),
    "did_triage_answer": ("a trié un article", "sorted an article"),
    "did_new_action": ("a ouvert une fiche d’exploitation", "opened an exploitation record"),
    "did_action_page": ("a mis à jour une fiche d’exploitation", "updated an exploitation record"),
    "did_add_subscriber": ("a ajouté un abonné", "added a subscriber"),
    "did_remove_subscriber": ("a retiré un abonné", "removed a subscriber"),
    "did_import_subscribers": ("a importé des abonnés", "imported subscribers"),
    "did_add_alert": ("a créé ou complété une alerte", "set up an alert"),
    "did_remove_alert": ("a supprimé une alerte", "removed an alert"),
}
