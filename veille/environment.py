"""Every ``VEILLE_*`` environment variable veille reads, declared once.

Each one says its default, whether it is a secret (masked by ``veille config show``), whether
``NAME_FILE`` may name a file holding it instead (Docker secrets, systemd credentials: see
:func:`env_secret`), and what it does. ``veille config show`` lists them, the
README documents them, and a test checks that no variable read anywhere in veille is missing
here or from the README.

Also the one reader of yes/no values, so that every variable accepts the same words.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from veille import i18n
from veille.errors import ConfigError
from veille.guard import MASK, mask_url_password


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
        "VEILLE_MAILBOX_PASSWORD",
        "the password of a mailbox source whose password_env names it (any name will do)",
        secret=True,
        from_file=True,
    ),
    Variable(
        "VEILLE_SESSION_SECRET",
        "signs the web app's session cookies and unsubscribe links (32 characters or more)",
        "a random one kept beside the database",
        secret=True,
        from_file=True,
    ),
    Variable(
        "VEILLE_PASSWORD",
        "the password `veille users add` gives the account when there is no terminal to ask",
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
        "VEILLE_PAUSE_FILE",
        "tests only: a file naming the point where the next pass waits, to stop it there",
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


def env_flag(name: str) -> bool:
    """Read a yes/no environment variable; anything unrecognised is a ConfigError."""
    raw = os.environ.get(name)
    if raw is None:
        return False
    value = yes_no(raw)
    if value is not None:
        return value
    raise ConfigError(i18n.message("config.env.not_yes_no", name=name, raw=raw))


MAX_SECRET_BYTES = 64 * 1024


def env_secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """``name`` from the environment, or the content of the file ``name_FILE`` points to.

    The ``_FILE`` convention of Docker secrets and systemd credentials keeps passwords out of
    the environment (and so out of ``ps e``, crash reports and child processes). Written here
    because pydantic-settings only knows a folder of files named after fields, not ``_FILE``.
    One trailing newline is removed (``echo secret > file`` adds one); both set is an error.
    """
    env = os.environ if environ is None else environ
    value = env.get(name) or None
    file_name = env.get(f"{name}_FILE") or None
    if file_name is None:
        return value
    if value is not None:
        raise ConfigError(i18n.message("config.env.both", name=name))
    try:
        # Read a bounded amount: a secret is a line, and /dev/zero or a log file by mistake
        # must not fill the memory.
        with Path(file_name).open("rb") as handle:
            raw = handle.read(MAX_SECRET_BYTES + 1)
        if len(raw) > MAX_SECRET_BYTES:
            raise ConfigError(
                i18n.message(
                    "config.secret_too_long", name=f"{name}_FILE", path=file_name,
                    kb=MAX_SECRET_BYTES // 1024,
                )
            )  # fmt: skip
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else None
        reason = reason or i18n.message("config.env.not_utf8")
        raise ConfigError(
            i18n.message("config.env.unreadable", name=name, path=file_name, reason=reason)
        ) from None
    text = text.removesuffix("\n").removesuffix("\r")
    return text or None


def environment_summary(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The VEILLE_* variables in effect, secrets masked, for `veille config show`."""
    env = os.environ if environ is None else environ
    shown: dict[str, str] = {}
    for variable in VARIABLES:
        if variable.internal:
            continue
        name = variable.name
        from_file = variable.from_file and env.get(f"{name}_FILE")
        value = env_secret(name, env) if variable.from_file else env.get(name)
        if value is None or value == "":
            continue
        text = MASK if variable.secret else mask_url_password(value)
        shown[name] = f"{text} (from {name}_FILE)" if from_file else text
    return shown
