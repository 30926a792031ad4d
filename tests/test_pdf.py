"""PDF documents: real PDFs (tests/data/pdf/, origins in its README) extracted with their
bounds, bombs built here refused within them, and feeds whose links are PDFs run for real."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import zlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DATA, run_cli
from veille import pdf
from veille.config import parse_config
from veille.errors import ExtractionError, PdfError
from veille.extract import extract_document_timed
from veille.extraction_pool import ExtractionPool
from veille.localserver import LocalServer
from veille.models import Extracted
from veille.pipeline import ingest
from veille.store import Store

PDFS = DATA / "pdf"


# ---------------------------------------------------------------------------------------------
# PDFs built here: the smallest valid files that carry a bomb


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
    b" /Resources << /Font << /F1 5 0 R >> >> >>"
)
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
TEXT = _stream(b"BT /F1 12 Tf 72 760 Td (Arrete du 3 mars 2026 relatif a la formation) Tj ET")


def _one_page(pages: bytes, content: bytes = TEXT) -> bytes:
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", pages, PAGE, content, FONT])


def decompression_bomb(size: int = 2 * 1024**3) -> bytes:
    """One page whose content stream inflates to ``size`` bytes of spaces (~1/1000 of it here).

    Built from one deflate block repeated (a full flush makes each block stand alone), with
    the adler-32 of the whole, so that it takes a second rather than compressing gigabytes."""
    chunk = b" " * (1 << 20)
    compressor = zlib.compressobj(9)
    head = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = zlib.adler32(chunk)
    for _ in range(size // len(chunk) - 1):
        checksum = zlib.adler32(chunk, checksum)
    tail = compressor.flush()[:-4] + checksum.to_bytes(4, "big")
    content = head + block * (size // len(chunk) - 1) + tail
    return _one_page(
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", _stream(content, b"/Filter /FlateDecode")
    )


def million_pages() -> bytes:
    """A page tree that lists the same page a million times."""
    kids = b"[" + b"3 0 R " * 1_000_000 + b"]"
    return _one_page(b"<< /Type /Pages /Kids " + kids + b" /Count 1000000 >>")


def page_tree_loop() -> bytes:
    """A page tree whose root lists itself, and claims 2^31 - 1 pages."""
    return _one_page(b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2147483647 >>")


def deep_page_tree(depth: int = 50_000) -> bytes:
    """Page-tree nodes nested ``depth`` deep before the page."""
    objects = [
        b"<< /Type /Catalog /Pages 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        PAGE,
        TEXT,
        FONT,
    ]
    for level in range(depth):
        kid = b"%d 0 R" % (7 + level) if level < depth - 1 else b"2 0 R"
        objects.append(b"<< /Type /Pages /Kids [" + kid + b"] /Count 1 >>")
    return _pdf(objects)


def _words(text: str) -> Counter[str]:
    return Counter(text.split())


def _f1(found: str, expected: str) -> float:
    got, want = _words(found), _words(expected)
    common = sum((got & want).values())
    return 2 * common / (sum(got.values()) + sum(want.values()))


# ---------------------------------------------------------------------------------------------
# Recognising a PDF


def test_a_pdf_is_recognised_by_its_magic_or_its_declared_type() -> None:
    body = (PDFS / "crazyones.pdf").read_bytes()
    assert pdf.is_pdf(body, "application/octet-stream")
    assert pdf.is_pdf(body, None)
    assert pdf.is_pdf(b"\xef\xbb\xbf\r\n%PDF-1.4 ...", "text/plain")
    assert pdf.is_pdf(b"\x00\x01binary", "application/pdf; qs=0.9")
    # An HTML error page sent as a PDF is a page; an HTML page is not a PDF.
    assert not pdf.is_pdf(b"<!doctype html><title>404</title>", "application/pdf")
    assert not pdf.is_pdf(b"<html><body>%PDF-1.4</body></html>", "text/html")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("D:20261116101500+01'00'", "2026-11-16T09:15:00+00:00"),
        ("D:20261116101500-05'30'", "2026-11-16T15:45:00+00:00"),
        ("D:20261116101500Z", "2026-11-16T10:15:00+00:00"),
        ("D:20261116", "2026-11-16T00:00:00+00:00"),
        ("20150604133406-06'00'", "2015-06-04T19:34:06+00:00"),
        ("D:2026", "2026-01-01T00:00:00+00:00"),
        ("D:20261340", None),  # month 13
        ("D:00000101000000", None),  # a producer's default
        ("hier", None),
        ("", None),
    ],
)
def test_pdf_dates_are_read_as_utc(value: str, expected: str | None) -> None:
    parsed = pdf.parse_pdf_date(value)
    assert (parsed.isoformat() if parsed else None) == expected


# ---------------------------------------------------------------------------------------------
# Real PDFs


def test_a_real_french_pdf_gives_its_text_title_and_date() -> None:
    found = pdf.extract_pdf((PDFS / "accord-canoe-kayak.pdf").read_bytes())
    expected = (PDFS / "accord-canoe-kayak.txt").read_text(encoding="utf-8")
    assert found.extraction == "pdf"
    assert found.title is not None
    assert found.title.startswith("Accord paritaire du 21 janvier 2025 relatif à la création")
    assert found.title.endswith("sports de pagaie en mer » (Sport)")
    assert found.published_at == datetime(2026, 11, 16, 9, 15, tzinfo=UTC)  # +01'00' in UTC
    assert _f1(found.text, expected) > 0.97
    # Lines wrapped by the layout are one sentence again; paragraphs stay apart.
    assert "relatif à la création d'un certificat complémentaire professionnel" in found.text
    assert "\nPréambule\n" in found.text


def test_a_file_name_for_title_and_no_date_fall_back_to_the_first_lines() -> None:
    # Chrome wrote "notitle.html" as the Title; the dates were removed from its metadata.
    found = pdf.extract_pdf((PDFS / "accord-fehap-sans-titre.pdf").read_bytes())
    assert found.title is not None
    assert found.title.startswith("Accord national du 15 mars 1985 relatif à la formation")
    assert "notitle" not in found.title
    assert found.published_at == datetime(1985, 3, 15, tzinfo=UTC)


@pytest.mark.parametrize("name", ["crazyones.pdf", "Seige_of_Vicksburg_Sample_OCR.pdf"])
def test_real_pdfs_of_other_producers_are_read(name: str) -> None:
    found = pdf.extract_pdf((PDFS / name).read_bytes())
    assert found.title and found.published_at is not None
    assert len(found.text.split()) > 150
    truth = PDFS / name.replace(".pdf", ".txt")
    if truth.exists():
        assert _f1(found.text, truth.read_text(encoding="utf-8")) > 0.95


def test_only_the_first_pages_are_read() -> None:
    data = (PDFS / "bulletin-48-pages.pdf").read_bytes()
    whole = pdf.extract_pdf(data)
    first = pdf.extract_pdf(data, max_pages=5)
    expected = (PDFS / "bulletin-48-pages.txt").read_text(encoding="utf-8")
    assert _f1(whole.text, expected) > 0.97  # 48 pages: under the 60-page bound, all read
    assert 0 < len(first.text) < len(whole.text) / 5
    assert whole.text.startswith(first.text[:2000])


# ---------------------------------------------------------------------------------------------
# Bounds, bombs and broken files


def test_a_pdf_over_the_size_bound_is_refused_before_parsing() -> None:
    data = (PDFS / "crazyones.pdf").read_bytes()
    padded = data + b"%" + b" " * pdf.MAX_PDF_BYTES  # a comment after %%EOF: still valid
    with pytest.raises(PdfError, match="over the 12 MB limit"):
        pdf.extract_pdf(padded)


def test_a_million_page_tree_is_read_to_its_bound_and_no_further() -> None:
    started = time.process_time()
    found = pdf.extract_pdf(million_pages())
    assert time.process_time() - started < 10
    assert found.text.count("Arrete du 3 mars 2026") == pdf.MAX_PDF_PAGES
    assert found.published_at == datetime(2026, 3, 3, tzinfo=UTC)  # from the first line


def test_page_tree_loops_and_deep_nests_end_quickly() -> None:
    started = time.process_time()
    looped = pdf.extract_pdf(page_tree_loop())
    assert looped.text.count("Arrete du 3 mars 2026") == 1
    with pytest.raises(PdfError, match="no page of the PDF could be read"):
        pdf.extract_pdf(deep_page_tree())
    assert time.process_time() - started < 10


def test_broken_protected_and_textless_pdfs_give_clear_errors() -> None:
    data = (PDFS / "bulletin-48-pages.pdf").read_bytes()
    with pytest.raises(PdfError, match=r"not a readable PDF \(damaged or truncated\?\)"):
        pdf.extract_pdf(data[: len(data) // 2])
    with pytest.raises(PdfError, match="not a readable PDF"):
        pdf.extract_pdf(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    with pytest.raises(PdfError, match="protected by a password"):
        pdf.extract_pdf((PDFS / "encrypted-r6-user-password.pdf").read_bytes())
    blank = _one_page(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", _stream(b""))
    with pytest.raises(PdfError, match="no text layer"):
        pdf.extract_pdf(blank)
    assert issubclass(PdfError, ExtractionError) and PdfError.kind == "pdf"


@settings(max_examples=150, deadline=5000)
@given(
    damage=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=60),
    keep=st.floats(0.05, 1),
)
def test_a_damaged_real_pdf_gives_text_or_a_pdf_error(
    damage: list[tuple[float, int]], keep: float
) -> None:
    """Bytes of a real PDF overwritten here and there, its end cut: never another exception."""
    data = bytearray((PDFS / "accord-canoe-kayak.pdf").read_bytes())
    for where, byte in damage:
        data[int(where * len(data))] = byte
    try:
        found = pdf.extract_pdf(bytes(data[: max(1, int(keep * len(data)))]))
    except PdfError as exc:
        assert str(exc)
    else:
        assert found.text.strip() and found.extraction == "pdf"


def test_the_worker_function_answers_for_pdfs_and_pages_alike() -> None:
    found, cpu = extract_document_timed(
        "https://of.example/a.pdf", (PDFS / "crazyones.pdf").read_bytes(), "application/pdf"
    )
    assert isinstance(found, Extracted) and found.extraction == "pdf" and cpu >= 0
    refused, _ = extract_document_timed("https://of.example/b.pdf", b"%PDF-1.4\nnothing")
    assert isinstance(refused, str) and refused.startswith("not a readable PDF")
    page, _ = extract_document_timed("https://of.example/c", b"<html><body></body></html>")
    assert isinstance(page, str) and "PDF" not in page


@pytest.mark.slow
def test_a_decompression_bomb_is_refused_and_its_neighbours_are_extracted() -> None:
    """2 GB of content stream in 2 MB: the worker's memory bound stops PDFium, the worker is
    replaced, and the documents that were in flight beside it are extracted all the same."""
    bomb = decompression_bomb()
    good = (PDFS / "accord-canoe-kayak.pdf").read_bytes()

    async def extract_all() -> list[Extracted | str]:
        # One worker: the two good documents wait in its queue while the bomb kills it.
        pool = ExtractionPool(1)
        try:
            url = "https://of.example/doc.pdf"
            first = await asyncio.gather(
                pool.extract(url, bomb), pool.extract(url, good), pool.extract(url, good)
            )
            return [*first, await pool.extract(url, good)]  # the pool still works after
        finally:
            pool.close()

    started = time.monotonic()
    results = asyncio.run(extract_all())
    assert time.monotonic() - started < pdf.MAX_PDF_SECONDS + 30  # worker start included
    refused = results.pop(0)
    assert isinstance(refused, str) and refused.startswith("PDF refused"), refused
    for result in results:
        assert isinstance(result, Extracted) and result.extraction == "pdf", result
        assert result.title and result.title.startswith("Accord paritaire du 21 janvier 2025")


# ---------------------------------------------------------------------------------------------
# A feed whose links are PDFs, run for real

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Textes officiels (test)</title><link>__BASE__/</link>
<language>fr</language>
<item><guid>1</guid><link>__BASE__/docs/accord-canoe-kayak.pdf</link>
  <description>Un accord de branche.</description></item>
<item><guid>2</guid><link>__BASE__/docs/telecharger/4417</link></item>
<item><guid>3</guid><title>Une bombe</title><link>__BASE__/docs/bombe.pdf</link>
  <description>Ce document ne sera pas lu.</description></item>
<item><guid>4</guid><title>Un PDF tronqué</title><link>__BASE__/docs/tronque.pdf</link>
  <description>Le serveur a coupé le fichier.</description></item>
</channel></rss>
"""


@pytest.fixture
def pdf_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "docs" / "telecharger").mkdir(parents=True)
    (site / "feed.xml").write_text(FEED, encoding="utf-8")
    shutil.copy(PDFS / "accord-canoe-kayak.pdf", site / "docs")
    # No suffix: served as application/octet-stream, recognised by its first bytes.
    shutil.copy(PDFS / "accord-fehap-sans-titre.pdf", site / "docs" / "telecharger" / "4417")
    (site / "docs" / "bombe.pdf").write_bytes(decompression_bomb())
    whole = (PDFS / "bulletin-48-pages.pdf").read_bytes()
    (site / "docs" / "tronque.pdf").write_bytes(whole[: len(whole) // 2])
    # A listing page without a feed, whose texts are PDFs (a page source with a link_pattern).
    (site / "deliberations").mkdir()
    shutil.copy(
        PDFS / "Seige_of_Vicksburg_Sample_OCR.pdf", site / "deliberations" / "d-2026-41.pdf"
    )
    (site / "deliberations" / "index.html").write_text(
        "<html><body><main><h1>Délibérations</h1><ul>"
        '<li><a href="d-2026-41.pdf">Délibération n° 2026-41</a></li>'
        '<li><a href="/contact">Contact</a></li></ul></main></body></html>',
        encoding="utf-8",
    )
    return site


@pytest.mark.slow
def test_a_feed_of_pdfs_stores_their_text_and_survives_a_bomb(
    pdf_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "veille.duckdb"
    with LocalServer(pdf_site) as server:
        config = parse_config(
            "settings: {allow_private_networks: true}\n"
            f"sources:\n  - id: officiel\n    url: {server.url('feed.xml')}\n"
            f"  - id: deliberations\n    kind: page\n    url: {server.url('deliberations/')}\n"
            "    link_pattern: '\\.pdf$'\n"
        )
        started = time.monotonic()
        summary = asyncio.run(ingest(config, Store(db)))
    assert time.monotonic() - started < 90
    assert all(outcome.ok for outcome in summary.outcomes) and summary.new_articles == 5

    code, out, err = run_cli(capsys, "--db", str(db), "articles", "--all", "--json")
    assert code == 0, err
    rows = {row["url"].rsplit("/", 1)[-1]: row for row in json.loads(out)}
    accord = rows["accord-canoe-kayak.pdf"]
    assert accord["extraction"] == "pdf" and accord["extraction_error"] is None
    assert accord["title"].startswith("Accord paritaire du 21 janvier 2025 relatif")
    assert accord["published_at"].startswith("2026-11-16T09:15:00")
    assert "canoë kayak" in accord["text"] and accord["word_count"] > 250
    assert accord["summary"] == "Un accord de branche."

    fehap = rows["4417"]
    assert fehap["extraction"] == "pdf"
    assert fehap["title"].startswith("Accord national du 15 mars 1985 relatif à la formation")
    assert fehap["published_at"].startswith("1985-03-15")

    bomb = rows["bombe.pdf"]
    assert bomb["extraction"] == "feed" and bomb["text"] == "Ce document ne sera pas lu."
    assert bomb["extraction_error"].startswith("PDF refused")
    deliberation = rows["d-2026-41.pdf"]
    assert deliberation["source"] == "deliberations" and deliberation["extraction"] == "pdf"
    assert deliberation["title"].startswith("THE SIEGE OF VICKSBURG")
    truncated = rows["tronque.pdf"]
    assert truncated["extraction"] == "feed"
    assert truncated["extraction_error"].startswith("not a readable PDF (damaged or truncated?)")
