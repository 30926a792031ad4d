"""``settings.channels``: the Teams, Slack and Mattermost channels veille posts to.

Declared in sources.yaml, without their addresses: an incoming webhook's address is all it
takes to post in a team's channel, so it is a secret, read from the environment variable
``url_env`` names (or the file its ``_FILE`` twin names, see :func:`veille.environment.env_secret`)
and shown masked (``https://host/…``)::

    settings:
      channels:
        - name: equipe-pedagogique
          kind: teams                 # teams | slack | mattermost
          url_env: TEAMS_WEBHOOK_URL  # the variable holding the webhook's address
          receives: [letters, alerts]
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from veille import i18n
from veille.channel_formats import MAX_ITEMS, ChannelKind
from veille.taxonomy import SLUG_RE

ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


class ChannelSettings(BaseModel):
    """One entry of ``settings.channels``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: ChannelKind
    url_env: str
    receives: tuple[Literal["letters", "alerts"], ...] = ("letters", "alerts")
    username: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    max_items: Annotated[int, Field(ge=1, le=MAX_ITEMS)] = 5

    @model_validator(mode="before")
    @classmethod
    def _no_address_in_yaml(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("url" in data or "webhook" in data):
            raise ValueError(i18n.message("config.value.channel_secret"))
        return data

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError(i18n.message("config.value.channel_name", value=value))
        return value

    @field_validator("url_env")
    @classmethod
    def _variable(cls, value: str) -> str:
        if not ENV_NAME_RE.match(value) or value.endswith("_FILE"):
            raise ValueError(i18n.message("config.value.channel_variable", value=value))
        return value

    @field_validator("receives")
    @classmethod
    def _once_each(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))

    @model_validator(mode="after")
    def _username(self) -> ChannelSettings:
        if self.username is not None and self.kind != "mattermost":
            raise ValueError(i18n.message("config.value.channel_username"))
        return self


def _unique_names(channels: tuple[ChannelSettings, ...]) -> tuple[ChannelSettings, ...]:
    names = [c.name for c in channels]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(i18n.message("config.value.channel_twice", id=duplicates[0]))
    return channels


# The type of ``Settings.channels``.
ChannelList = Annotated[tuple[ChannelSettings, ...], AfterValidator(_unique_names)]


def channel_where(data: dict[str, Any], index: int) -> str:
    """How a configuration error names the channel at ``settings.channels[index]``."""
    settings = data.get("settings")
    entries = settings.get("channels") if isinstance(settings, dict) else None
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    name = entry.get("name") if isinstance(entry, dict) else None
    where = f"settings.channels[{index}]"
    return i18n.message("config.at.channel", id=name, where=where) if name else where
