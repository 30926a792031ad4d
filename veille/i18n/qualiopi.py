"""What the exploitation records and the Qualiopi register say on the command line, in
French and English (merged into :data:`veille.i18n.MESSAGES`)."""

from __future__ import annotations

QUALIOPI: dict[str, tuple[str, str]] = {
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
