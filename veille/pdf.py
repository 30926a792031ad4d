"""PDF documents (decrees, orders, deliberations, official bulletins) -> text and metadata.

::

    from veille.pdf import extract_pdf, is_pdf
    if is_pdf(page.body, page.content_type):
        document = extract_pdf(page.body)  # PdfError when there is no usable text
        document.text, document.title, document.published_at

Text comes from PDFium through pypdfium2, chosen on real PDFs (``python bench/pdf.py``, on
the 5 files of ``tests/data/pdf/``, 57 pages, best of 3; 2 cores shared with other busy
processes, so CPU seconds):

    library        pages/CPU s   bag-of-words F1 (3 French texts; pypdf's own crazyones)
    pypdfium2      631           1.000  1.000  1.000  0.988
    pypdf          64            1.000  1.000  1.000  1.000
    pdfminer.six   19            1.000  1.000  1.000  1.000

On 54 real PDFs of other producers (pypdf's test files, two Debian manuals, 210 pages): 575,
36 and 16 pages per CPU second. The same words, 10 to 16 times faster than pypdf and 33 to 37
times faster than pdfminer.six; PDFium is the parser of Chrome, written for strangers' files
(fuzzed continuously). crazyones' reference text is pypdf's own output (a ligature split
differently).

Bounds, all per document: the bytes (``MAX_PDF_BYTES``, under the fetcher's own cap), the pages
read (the first ``MAX_PDF_PAGES``: an official bulletin's first pages carry its summary), the
characters taken (``MAX_TEXT_CHARS``), the time (``MAX_PDF_SECONDS``, checked between pages; a
page that runs away inside PDFium is stopped by the extraction pool, which kills its worker),
and, in a worker, the memory PDFium may take (``MAX_PDF_MEMORY``, ``RLIMIT_DATA``): a
decompression bomb makes its allocation fail instead of swapping the machine.
"""

from __future__ import annotations

import contextlib
import logging
import re
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pypdfium2 as pdfium

from veille.errors import PdfError
from veille.models import MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Extracted, clip

__all__ = ["MAX_PDF_PAGES", "extract_pdf", "is_pdf", "memory_cap", "parse_pdf_date"]

logger = logging.getLogger(__name__)

MAX_PDF_BYTES = 12_000_000  # under the fetcher's 15 MiB; a long official bulletin is a few MB
MAX_PDF_PAGES = 60
MAX_PDF_SECONDS = 20.0  # reading pages stops here (a whole 60-page text takes ~0.1 s)
MAX_PDF_MEMORY = 1024**3  # more memory a worker may take while it reads a PDF
PDF_TYPES = frozenset({"application/pdf", "application/x-pdf", "application/acrobat"})

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_LINE_END = re.compile(r"[.:;!?»)\]]$")
_PDF_DATE = re.compile(
    r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?"
)
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_FRENCH_DATE = re.compile(
    r"\b(1er|[0-3]?\d)\s+(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d{2})\b", re.IGNORECASE
)
# Titles that producers write for the file, not for the reader.
_FILE_TITLE = re.compile(
    r"(\.(html?|docx?|odt|rtf|pdf|xlsx?|pptx?|txt|indd|qxd)$)|^(microsoft (word|powerpoint)"
    r" - |untitled|sans titre|document\d*$|diapositive|présentation powerpoint)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Pages:
    text: str
    read: int  # pages read
    total: int  # pages the document has


def is_pdf(body: bytes, content_type: str | None = None) -> bool:
    """Whether a response is a PDF document: ``%PDF-`` at its start, or a PDF type that the
    body does not contradict (servers send PDFs as octet-stream, and HTML error pages as PDF)."""
    start = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if start.startswith(b"%PDF-"):
        return True
    declared = (content_type or "").split(";")[0].strip().lower()
    return declared in PDF_TYPES and not start.startswith(b"<")


def extract_pdf(data: bytes, *, max_pages: int = MAX_PDF_PAGES) -> Extracted:
    """Text and metadata of a PDF's first ``max_pages`` pages; PdfError when it has no text."""
    if len(data) > MAX_PDF_BYTES:
        raise PdfError(
            f"PDF refused: {len(data) / 1e6:.1f} MB, over the {MAX_PDF_BYTES / 1e6:.0f} MB limit"
        )
    document = _open(data)
    try:
        pages = _read_pages(document, max_pages, time.monotonic() + MAX_PDF_SECONDS)
        metadata = _metadata(document)
    finally:
        document.close()
    if pages.read < pages.total:
        logger.info("PDF of %d pages: the first %d read", pages.total, pages.read)
    text = _paragraphs(pages.text)
    if not text.strip():
        raise PdfError(
            f"the PDF has no text layer ({pages.total} pages): a scan without OCR, or images only"
        )
    return Extracted(
        text=clip(text, MAX_TEXT_CHARS),
        title=_title(metadata.get("Title", ""), text),
        author=clip(" ".join(metadata.get("Author", "").split()), MAX_NAME_CHARS) or None,
        published_at=_date(metadata, text),
        extraction="pdf",
    )


@contextlib.contextmanager
def memory_cap(limit: int = MAX_PDF_MEMORY) -> Iterator[None]:
    """Let this process take at most ``limit`` more bytes of data (``RLIMIT_DATA``) for a while:
    for the workers only. Past it an allocation fails: PDFium aborts, and the pool replaces the
    worker (measured: a 3 GB decompression bomb in 3.2 MB ends so in 2 s)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    capped = _data_in_use() + limit
    if hard != resource.RLIM_INFINITY:
        capped = min(capped, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (capped, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _data_in_use() -> int:
    """This process's data segment now (``VmData``, what ``RLIMIT_DATA`` counts), in bytes."""
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PdfError("the PDF is protected by a password: its text cannot be read") from exc
        raise PdfError(f"not a readable PDF (damaged or truncated?): {exc}") from exc


def _read_pages(document: pdfium.PdfDocument, max_pages: int, deadline: float) -> _Pages:
    total = len(document)
    texts: list[str] = []
    budget = MAX_TEXT_CHARS
    read = 0
    for index in range(min(total, max_pages)):
        if time.monotonic() > deadline or budget <= 0:
            break
        try:
            page = document[index]
        except pdfium.PdfiumError:  # a page the file only pretends to have
            break
        try:
            textpage = page.get_textpage()
            count = min(textpage.count_chars(), budget)
            texts.append(textpage.get_text_range(0, count) if count > 0 else "")
            textpage.close()
        except pdfium.PdfiumError as exc:
            raise PdfError(f"page {index + 1} of the PDF could not be read: {exc}") from exc
        finally:
            page.close()
        budget -= len(texts[-1])
        read += 1
    if not read and total:
        raise PdfError(f"no page of the PDF could be read (it declares {total})")
    return _Pages("\n\n".join(texts), read, total)


def _metadata(document: pdfium.PdfDocument) -> dict[str, str]:
    try:
        found = document.get_metadata_dict(skip_empty=True)
    except (pdfium.PdfiumError, UnicodeError, ValueError):
        return {}
    return {k: _CONTROL.sub(" ", str(v))[:2000] for k, v in found.items()}


def _paragraphs(raw: str) -> str:
    """PDFium's lines re-joined into paragraphs: a line that does not end a sentence and is
    followed by one starting in lower case is the same sentence, wrapped by the layout."""
    lines = [_CONTROL.sub("", line).strip() for line in raw.replace("\r\n", "\n").split("\n")]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if not line:
            if blocks[-1]:
                blocks.append([])
            continue
        current = blocks[-1]
        continues = line[0].islower() or line[0] in ":;,)"
        if current and continues and not _LINE_END.search(current[-1]):
            current[-1] += " " + line
        else:
            current.append(line)
    return "\n\n".join("\n".join(block) for block in blocks if block)


def _title(declared: str, text: str) -> str | None:
    """The Title the PDF declares, unless it names the file (``Microsoft Word - x.docx``);
    else its first line (an official text starts with its title)."""
    declared = " ".join(declared.split())
    if len(declared) >= 4 and not _FILE_TITLE.search(declared):
        return clip(declared, MAX_TITLE_CHARS)
    first = next((line for line in text.split("\n") if len(line.split()) >= 2), "")
    return clip(first, min(MAX_TITLE_CHARS, 300)) or None


def _date(metadata: dict[str, str], text: str) -> datetime | None:
    """CreationDate, then ModDate, then the first French date of the first lines."""
    for key in ("CreationDate", "ModDate"):
        parsed = parse_pdf_date(metadata.get(key, ""))
        if parsed is not None:
            return parsed
    match = _FRENCH_DATE.search(text[:1500])
    if match is None:
        return None
    day = 1 if match[1].lower() == "1er" else int(match[1])
    month = _MONTHS.index(match[2].lower()) + 1
    try:
        return datetime(int(match[3]), month, day, tzinfo=UTC)
    except ValueError:
        return None


def parse_pdf_date(value: str) -> datetime | None:
    """A PDF date (``D:20261116140500+01'00'``, any tail left out) as an aware UTC datetime."""
    match = _PDF_DATE.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups()[:6])
    sign, tz_hours, tz_minutes = match[7], int(match[8] or 0), int(match[9] or 0)
    offset = timedelta(hours=tz_hours, minutes=tz_minutes)
    zone = timezone(-offset if sign == "-" else offset) if sign in ("+", "-") else UTC
    try:
        moment = datetime(year, month or 1, day or 1, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
    if not 1990 <= year <= 2100:  # "D:00000101", a producer's default
        return None
    return moment.astimezone(UTC)
