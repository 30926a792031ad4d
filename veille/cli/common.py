"""What every ``veille`` sub-command shares: the consoles and the global options' context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console

from veille import i18n
from veille.config import Config, load_config
from veille.errors import UsageError, VeilleError
from veille.store import Store
from veille.weeks import parse_day

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@dataclass(frozen=True, slots=True)
class Context:
    config_path: Path
    db_path: Path | None

    def config(self) -> Config:
        """The validated configuration; from here on veille speaks its language (the letter's,
        ``settings.digest.lang``), as the web app does: messages, and the errors a pass stores
        on its sources."""
        config = load_config(self.sources_path())
        i18n.use(config.settings.digest.lang)
        return config

    def sources_path(self) -> Path:
        """--config; when that file is missing, the one ``veille demo`` writes beside its
        database (``veille-demo.sources.yaml`` for ``--db veille-demo.duckdb``) if it exists, so
        that ``veille --db veille-demo.duckdb ui`` opens the demo's own settings."""
        if self.config_path.exists() or self.db_path is None:
            return self.config_path
        beside = self.db_path.with_suffix(".sources.yaml")
        return beside if beside.is_file() else self.config_path

    def config_if_present(self) -> Config | None:
        """The config when the file exists (reading commands work with --db alone)."""
        return self.config() if self.sources_path().exists() else None

    def store(self, config: Config | None = None) -> Store:
        if self.db_path is not None:
            return Store(self.db_path)
        if config is not None:
            return Store(config.database_path())
        return Store("veille.duckdb")


def day_option(value: str, option: str) -> date:
    """A YYYY-MM-DD option's day, or a UsageError that names the option."""
    try:
        return parse_day(value)
    except VeilleError as exc:
        raise UsageError(f"{option} {exc}") from None
