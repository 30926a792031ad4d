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
}
