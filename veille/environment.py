"""Every ``VEILLE_*`` environment variable veille reads, declared once.

Each one says its default, whether it is a secret (masked by ``veille config show``), whether
``NAME_FILE`` may name a file holding it instead (Docker secrets, systemd credentials: see
:func:`veille.config.env_secret`), and what it does. ``veille config show`` lists them, the
README documents them, and a test checks that no variable read anywhere in veille is missing
here or from the README.

Also the one reader of yes/no values, so that every variable accepts the same words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    help: str
    default: str = ""  # as a person would write it; "" when unset means "none"
    secret: bool = False  # masked wherever it is shown
    from_file: bool = False  # NAME_FILE may name a file holding the value
    internal: bool = False  # set by veille itself or by tests, never by a person


VARIABLES: tuple[Variable, ...] = (
    Variable("VEILLE_CONFIG", "the sources file (same as --config)", "sources.yaml"),
    Variable("VEILLE_DB", "the DuckDB file (same as --db)", "settings.database"),
    Variable(
        "VEILLE_ALLOW_PRIVATE_NETWORKS",
        "yes to let sources live on private or loopback addresses (an intranet)",
        "no",
    ),
    Variable("VEILLE_SMTP_HOST", "the SMTP server the letter is sent through"),
    Variable("VEILLE_SMTP_PORT", "its port", "587"),
    Variable("VEILLE_SMTP_STARTTLS", "yes to encrypt with STARTTLS (no only on loopback)", "yes"),
    Variable("VEILLE_MAIL_FROM", "the letter's sender, e.g. 'Veille formation <veille@of.fr>'"),
    Variable("VEILLE_SMTP_USER", "the SMTP login, when the server asks for one", from_file=True),
    Variable("VEILLE_SMTP_PASSWORD", "its password", secret=True, from_file=True),
    Variable(
        "VEILLE_SESSION_SECRET",
        "signs the web app's session cookies and unsubscribe links (32 characters or more)",
        "a random one kept beside the database",
        secret=True,
        from_file=True,
    ),
    Variable("VEILLE_NOW", "pretend it is this moment (ISO 8601): tests, replays of a past week"),
    Variable(
        "VEILLE_WORKER_NAME",
        "the name a Prefect worker signs its batches with (flows/distributed.py)",
        "host:pid",
    ),
    Variable(
        "VEILLE_CRASH_AT",
        "tests only: kill the pass at this named point, to prove a crash loses nothing",
        internal=True,
    ),
    Variable(
        "VEILLE_WATCHDOG_TOKEN",
        "set by veille for the watchdog that stops Prefect's server when veille dies",
        internal=True,
    ),
)
BY_NAME = {v.name: v for v in VARIABLES}

TRUE_WORDS = frozenset({"1", "true", "yes", "on", "oui"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "non", ""})


def yes_no(raw: str) -> bool | None:
    """``True`` or ``False`` for a yes/no word (French or English), ``None`` for anything else."""
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    return None
