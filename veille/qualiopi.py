"""Qualiopi evidence: what was watched, what was selected, and what was done about it.

Indicators 23 to 26 ask a training organisation to show its watch. For a period, this lists
per indicator the sources watched (every enabled source; a source whose configured tags all
belong to other indicators is listed under those only), the items kept in the digests published
in the period, when, and the curators' notes. Tags map to indicators through the taxonomy.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from veille.config import Config
from veille.render import _environment, clean_text, format_date, safe_url
from veille.sourcelist import effective
from veille.store import Store
from veille.tabular import safe_cell

INDICATORS: dict[str, dict[str, str]] = {
    "I23": {
        "fr": "Veille légale et réglementaire sur le champ de la formation professionnelle",
        "en": "Legal and regulatory watch on vocational training",
    },
    "I24": {
        "fr": "Veille sur les évolutions des compétences, des métiers et des emplois",
        "en": "Watch on changes in skills, jobs and employment",
    },
    "I25": {
        "fr": "Veille sur les innovations pédagogiques et technologiques",
        "en": "Watch on pedagogical and technological innovation",
    },
    "I26": {
        "fr": "Handicap : expertise, outils et réseaux mobilisés",
        "en": "Disability: expertise, tools and networks",
    },
}
CSV_COLUMNS = (
    "indicator", "kind", "week", "date", "title", "url", "source", "tags", "note",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Evidence:
    start: date
    end: date
    indicators: tuple[str, ...]
    sources: tuple[dict[str, Any], ...]  # id, name, url, indicators
    selections: tuple[
        dict[str, Any], ...
    ]  # week, published, title, url, source, tags, note, indicators
    weeks: tuple[str, ...]  # digests published in the period


def evidence(config: Config, store: Store, start: date, end: date) -> Evidence:
    """The evidence for ``[start, end]`` (both days included, in ``settings.timezone``)."""
    config = effective(config, store)  # the sources added in the web app are watched too
    indicator_of = {t.id: t.indicator for t in config.taxonomy if t.indicator}
    indicators = tuple(sorted(set(indicator_of.values()) | set(INDICATORS)))
    sources = []
    for s in config.sources:
        if not s.enabled:
            continue
        own = sorted({indicator_of[t] for t in s.tags if t in indicator_of})
        sources.append(
            {
                "id": s.id,
                "name": s.name or s.id,
                "url": s.url,
                "indicators": own or list(indicators),
            }
        )
    zone = ZoneInfo(config.settings.timezone)  # days as the organisation counts them
    since = datetime.combine(start, time(0), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    selections = []
    weeks: set[str] = set()
    for row in store.selections(since, until):
        weeks.add(row.week)
        tags = list(row.tags)
        own = sorted({indicator_of[t] for t in tags if t in indicator_of})
        if not own and row.section in indicator_of:
            own = [indicator_of[row.section]]
        selections.append(
            {
                "week": row.week,
                "published": row.published_at.astimezone(zone).date().isoformat(),
                "title": row.title,
                "url": row.url,
                "source": row.source_name or row.source_id,
                "tags": tags,
                "note": row.note or "",
                "indicators": own,
            }
        )
    return Evidence(start, end, indicators, tuple(sources), tuple(selections), tuple(sorted(weeks)))


def render_csv(data: Evidence) -> str:
    """One row per (indicator, source) and per (indicator, selected item)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for indicator in data.indicators:
        for s in data.sources:
            if indicator in s["indicators"]:
                writer.writerow(
                    [indicator, "source", "", "", _cell(s["name"]), s["url"], s["id"], "", ""]
                )
        for x in data.selections:
            if indicator in x["indicators"]:
                writer.writerow(
                    [
                        indicator, "selection", x["week"], x["published"], _cell(x["title"]),
                        x["url"], _cell(x["source"]), ";".join(x["tags"]), _cell(x["note"]),
                    ]
                )  # fmt: skip
    return buffer.getvalue()


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run (CSV injection: see veille.tabular)."""
    return safe_cell(clean_text(text))


def render_html(data: Evidence, lang: str = "fr") -> str:
    """A printable page per indicator: sources watched, then selections with notes."""
    blocks = []
    for indicator in data.indicators:
        blocks.append(
            {
                "id": indicator,
                "label": INDICATORS.get(indicator, {}).get(lang, indicator),
                "sources": [
                    {**s, "href": safe_url(s["url"])}
                    for s in data.sources
                    if indicator in s["indicators"]
                ],
                "selections": [
                    {**x, "href": safe_url(x["url"])}
                    for x in data.selections
                    if indicator in x["indicators"]
                ],
            }
        )
    template = _environment("html").get_template("qualiopi.html")
    return template.render(
        lang=lang,
        period=(format_date(data.start, lang), format_date(data.end, lang)),
        weeks=data.weeks,
        blocks=blocks,
    )
