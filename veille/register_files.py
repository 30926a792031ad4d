"""The Qualiopi register as files: a printable HTML page, an XLSX workbook, a CSV for Excel.

One set of tables (:func:`tables`) feeds the workbook (a sheet each: summary, one per
indicator, actions, diffusion, sources: the form organisations already keep by hand) and the
CSV (the same tables one after the other, UTF-8 with a byte-order mark and ``;`` separators,
which French Excel opens as it is). Every text cell is protected against formula injection
(:func:`veille.tabular.safe_cell` in CSV; string-typed cells in the workbook). The HTML page
(``templates/register.html``) prints to a clean PDF: page numbers, organisation and
generation date in each page's margin.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from veille.actions import ActionRecord
from veille.actions import label as word
from veille.qualiopi import IndicatorBlock, Register, TrackedAction, WatchedSource, week_days
from veille.render import _environment, clean_text, format_date, format_period, safe_url
from veille.tabular import safe_cell, spreadsheet_csv

Cell = str | int | date | None

STATUS_WORDS = {
    "watched": ("Consultée", "Checked"),
    "failing": ("En échec", "Failing"),
    "off": ("Désactivée", "Switched off"),
    "unchecked": ("Non consultée", "Not checked"),
}
ORIGIN_WORDS = {
    "file": ("Fichier sources.yaml", "sources.yaml"),
    "web": ("Ajoutée dans l’application", "Added in the app"),
    "opml": ("Importée (OPML)", "Imported (OPML)"),
    "cli": ("Ajoutée en ligne de commande", "Added on the command line"),
    "toggle": ("Fichier sources.yaml", "sources.yaml"),
}


def _w(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "fr" else pair[1]


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # the sheet's name (31 characters at most)
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...]  # column widths in the workbook (characters)


def trust(source: WatchedSource, lang: str) -> str:
    """Why a source is trusted, in words."""
    if source.official:
        return _w(("Éditeur officiel (institution publique)", "Official publisher"), lang)
    unofficial = ("Source professionnelle non officielle : à recouper", "Not official: cross-check")
    return _w(unofficial, lang)


def week_label(week: str, lang: str) -> str:
    """``2026-W47`` -> ``semaine du 16 au 22 novembre 2026``."""
    monday, sunday = week_days(week)
    period = format_period(monday, sunday, lang)
    if lang == "fr":  # "16–22 novembre", "26 octobre – 1er novembre": "du … au …"
        return "semaine du " + period.replace(" – ", " au ", 1).replace("–", " au ", 1)
    return f"week of {period}"


def history_words(history: Sequence[ActionRecord], tz: str, lang: str) -> str:
    """Each version on one line: when, who, and its status and action."""
    zone = ZoneInfo(tz)
    lines = []
    for h in history:
        at = h.changed_at.astimezone(zone)
        lines.append(
            f"v{h.version} {at:%d/%m/%Y %H:%M} {h.changed_by} : {word(h.fields.status, lang)} — "
            f"{h.fields.what}"
        )
    return "\n".join(lines)


def tables(register: Register) -> list[Table]:
    """The register as tables: summary, one per indicator, actions, diffusion, sources."""
    return [
        _summary(register),
        *(_indicator(register, b) for b in register.blocks),
        _actions(register),
        _diffusion(register),
        _sources(register),
    ]


def _summary(r: Register) -> Table:
    fr = r.lang == "fr"
    rows: list[tuple[Cell, ...]] = [
        ("Organisme" if fr else "Organisation", r.organisation or "—"),
        ("Référent veille" if fr else "Watch lead", r.watch_lead or "—"),
        ("Période du" if fr else "From", r.start),
        ("au" if fr else "to", r.end),
        ("Généré le" if fr else "Generated", r.generated_at.date()),
        *(("Rythme" if fr else "Rhythm", line) for line in r.rhythm),
        ("Lettres diffusées" if fr else "Letters sent", len(r.diffusion)),
        ("Envois (destinataires)" if fr else "Deliveries (recipients)", r.recipients),
    ]
    for b in r.blocks:
        rows.append(
            (
                f"{b.id} — {b.label}",
                (
                    f"{b.watched} source(s) consultée(s), {len(b.items)} information(s) "
                    f"retenue(s), {b.count('planned')} action(s) prévue(s), "
                    f"{b.count('done')} réalisée(s), {b.count('dropped')} abandonnée(s)"
                )
                if fr
                else (
                    f"{b.watched} source(s) checked, {len(b.items)} item(s) kept, "
                    f"{b.count('planned')} action(s) planned, {b.count('done')} done, "
                    f"{b.count('dropped')} dropped"
                ),
            )
        )
    title = "Synthèse" if fr else "Summary"
    return Table(title, title, ("", ""), tuple(rows), (40, 100))


def _indicator(r: Register, b: IndicatorBlock) -> Table:
    fr = r.lang == "fr"
    headers = (
        ("Lettre", "Publiée le", "Date de l’information", "Source", "Information", "Lien",
         "Note de la rédaction", "Suites données (n° d’action)", "Retenue par", "Suggérée par")
        if fr
        else ("Letter", "Published", "Item date", "Source", "Item", "Link", "Curator's note",
              "What was done (action no.)", "Kept by", "Suggested by")
    )  # fmt: skip
    zone = ZoneInfo(r.timezone)
    rows = tuple(
        (
            week_label(k.selection.week, r.lang),
            k.selection.published_at.astimezone(zone).date(),
            k.selection.article_at.astimezone(zone).date() if k.selection.article_at else None,
            k.selection.source_name or k.selection.source_id,
            k.selection.title,
            k.selection.url,
            k.selection.note or "",
            "\n".join(
                f"n° {a.id} : {a.fields.what} ({word(a.fields.status, r.lang)})" for a in k.actions
            ),
            k.selection.kept_by or "",
            k.selection.suggested_by or "",
        )
        for k in b.items
    )
    widths = (30, 12, 12, 24, 50, 40, 40, 50, 16, 16)
    return Table(b.id, f"{b.id} — {b.label}", headers, rows, widths)


def _actions(r: Register) -> Table:
    fr = r.lang == "fr"
    headers = (
        ("N°", "Indicateurs", "Information", "Lien", "Source", "Lettre(s)", "Analyse", "Action",
         "Type d’action", "Responsable", "Échéance", "Statut", "Statut depuis le", "Preuve",
         "Créée le", "Créée par", "Historique")
        if fr
        else ("No.", "Indicators", "Item", "Link", "Source", "Letter(s)", "Analysis", "Action",
              "Action type", "Owner", "Due", "Status", "Status since", "Evidence", "Created",
              "Created by", "History")
    )  # fmt: skip
    zone = ZoneInfo(r.timezone)
    rows = tuple(_action_row(t, r.lang, r.timezone, zone) for t in r.actions)
    widths = (6, 12, 50, 40, 24, 30, 20, 50, 30, 16, 12, 12, 12, 30, 12, 16, 70)
    return Table("Actions", "Actions", headers, rows, widths)


def _action_row(t: TrackedAction, lang: str, tz: str, zone: ZoneInfo) -> tuple[Cell, ...]:
    a = t.current
    f = a.fields
    return (
        a.id, " ".join(f.indicators), a.title, a.url, a.source_name or a.source_id,
        "\n".join(week_label(w, lang) for w in t.letters), word(f.impact, lang), f.what,
        word(f.type, lang), f.owner, f.due, word(f.status, lang),
        a.status_at.astimezone(zone).date(), f.evidence or "",
        a.created_at.astimezone(zone).date(), a.created_by, history_words(t.history, tz, lang),
    )  # fmt: skip


def _diffusion(r: Register) -> Table:
    fr = r.lang == "fr"
    headers = (
        ("Lettre", "Publiée le", "Premier envoi", "Dernier envoi", "Destinataires",
         "Par thème", "Par langue")
        if fr
        else ("Letter", "Published", "First sent", "Last sent", "Recipients", "By theme",
              "By language")
    )  # fmt: skip
    zone = ZoneInfo(r.timezone)

    def day(moment: datetime | None) -> date | None:
        return moment.astimezone(zone).date() if moment else None

    every = "tous les thèmes" if fr else "every theme"
    rows = tuple(
        (
            week_label(d.week, r.lang),
            day(d.published_at),
            day(d.first_sent_at),
            day(d.last_sent_at),
            d.recipients,
            ", ".join(f"{theme or every} : {n}" for theme, n in d.by_theme),
            ", ".join(f"{lang or r.lang} : {n}" for lang, n in d.by_lang),
        )
        for d in r.diffusion
    )
    return Table("Diffusion", "Diffusion", headers, rows, (30, 12, 12, 12, 12, 50, 20))


def _sources(r: Register) -> Table:
    fr = r.lang == "fr"
    headers = (
        ("Source", "Adresse", "Type", "Origine", "Fiabilité", "Indicateurs", "Suivie depuis le",
         "Dernière réponse", "Jours consultée", "Jours en échec", "État sur la période",
         "Dernière erreur")
        if fr
        else ("Source", "Address", "Kind", "Origin", "Trust", "Indicators", "Watched since",
              "Last answer", "Days checked", "Days failing", "State in the period", "Last error")
    )  # fmt: skip
    rows = tuple(
        (
            s.name,
            s.url,
            s.kind,
            _w(ORIGIN_WORDS.get(s.origin, (s.origin, s.origin)), r.lang),
            trust(s, r.lang),
            " ".join(s.indicators),
            s.since,
            s.last_success,
            s.days_ok,
            s.days_failed,
            _w(STATUS_WORDS[s.status], r.lang),
            s.last_error or "",
        )
        for s in r.sources
    )
    return Table("Sources", "Sources", headers, rows, (30, 40, 8, 24, 30, 14, 12, 12, 8, 8, 16, 50))


# --- CSV ---------------------------------------------------------------------------------------


def render_csv(register: Register) -> str:
    """Every table one after the other (a title row, a header row, the rows, a blank line),
    as every CSV veille writes (:func:`veille.tabular.spreadsheet_csv`: ``;`` separators and a
    byte-order mark, so that French Excel opens it as it is)."""
    rows: list[list[str]] = []
    for table in tables(register):
        rows.append([safe_cell(table.title)])
        if any(table.headers):
            rows.append(list(table.headers))
        rows.extend([_csv(value) for value in row] for row in table.rows)
        rows.append([])
    return spreadsheet_csv(rows)


def _csv(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return str(value)
    # One line per cell (a line break inside a cell is where CSV readers disagree most).
    return safe_cell(" | ".join(clean_text(line) for line in value.split("\n")))


# --- XLSX --------------------------------------------------------------------------------------


def render_xlsx(register: Register) -> bytes:
    """A workbook, one sheet per table: dates as dates, text as text (never a formula)."""
    book = Workbook()
    for blank in book.worksheets:  # the empty sheet a new workbook starts with
        book.remove(blank)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF4")
    wrap = Alignment(wrap_text=True, vertical="top")
    for table in tables(register):
        sheet = book.create_sheet(table.name[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        if any(table.headers):
            sheet.append(list(table.headers))
            for cell in sheet[2]:
                cell.font, cell.fill = bold, fill
            sheet.freeze_panes = "A3"
        for row in table.rows:
            sheet.append([None] * len(row))
            for column, value in enumerate(row, start=1):
                _put(sheet.cell(sheet.max_row, column), value, wrap)
        for column, width in enumerate(table.widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _put(cell: Any, value: Cell, wrap: Alignment) -> None:
    cell.alignment = wrap
    if isinstance(value, date):
        cell.value = value
        cell.number_format = "DD/MM/YYYY"
    elif isinstance(value, int):
        cell.value = value
    elif value:
        # Control characters are not allowed in the file format; a text starting with "=" would
        # be stored as a formula: set as text, it is shown, never run.
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"


# --- HTML --------------------------------------------------------------------------------------


def render_html(register: Register) -> str:
    """The printable register (``templates/register.html``)."""
    lang = register.lang
    zone = ZoneInfo(register.timezone)

    def moment(value: datetime) -> str:
        local = value.astimezone(zone)
        at = "à" if lang == "fr" else "at"
        return f"{format_date(local.date(), lang)} {at} {local:%H:%M}"

    def day(value: date | None) -> str:
        return format_date(value, lang) if value else "—"

    template = _environment("html").get_template("register.html")
    return template.render(
        r=register,
        fr=lang == "fr",
        lang=lang,
        day=day,
        moment=moment,
        letter=lambda week: week_label(week, lang),
        word=lambda value: word(value, lang),
        trust=lambda source: trust(source, lang),
        state=lambda source: _w(STATUS_WORDS[source.status], lang),
        origin=lambda source: _w(ORIGIN_WORDS.get(source.origin, (source.origin,) * 2), lang),
        href=safe_url,
        zone=zone,
        css=css_string,
    )


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string for the page margins: every character that is not a
    plain letter, digit or space as a CSS escape, so nothing can close the string or the
    ``<style>`` element (HTML escaping does not apply inside ``<style>``)."""
    escaped = "".join(c if c.isalnum() or c in " .,:-—'/" else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{escaped}"')  # noqa: S704 - every unsafe character is escaped above
