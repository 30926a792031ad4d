"""PDF text extraction: pypdf, pdfminer.six and pypdfium2 on real PDFs, speed and quality.

    pip install pypdf pdfminer.six pypdfium2      # pypdfium2 alone is a veille dependency
    python bench/pdf.py [FILE_OR_FOLDER...] [--rounds 3] [--pages 60]

Defaults to ``tests/data/pdf/`` (see its README for where each file comes from). Each library
reads each file's first ``--pages`` pages, in this process, the libraries interleaved file by
file so that the load of the moment weighs on all three alike; the best of ``--rounds`` rounds
is kept. Prints per library the pages, the CPU seconds (``time.process_time``), the wall
seconds and pages per CPU second; then, for every PDF that has a ``NAME.txt`` beside it (the
text it was made from), a bag-of-words F1 of the extracted text against it (case kept, so
accents count), and the characters each library left as U+FFFD or private-use glyphs.
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "pdf"
_WORD = re.compile(r"\w+", re.UNICODE)
_JUNK = re.compile(r"[\ufffd\ue000-\uf8ff]")


def with_pypdfium2(data: bytes, pages: int) -> tuple[str, int]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        count = min(len(document), pages)
        texts = []
        for index in range(count):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(texts), count
    finally:
        document.close()


def with_pypdf(data: bytes, pages: int) -> tuple[str, int]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    count = min(len(reader.pages), pages)
    return "\n".join(reader.pages[i].extract_text() for i in range(count)), count


def with_pdfminer(data: bytes, pages: int) -> tuple[str, int]:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage

    count = min(sum(1 for _ in PDFPage.get_pages(io.BytesIO(data))), pages)
    return extract_text(io.BytesIO(data), maxpages=pages), count


def with_veille(data: bytes, pages: int) -> tuple[str, int]:
    """veille's own extract_pdf (pypdfium2, paragraphs re-joined, title and date)."""
    import pypdfium2 as pdfium

    from veille.pdf import extract_pdf

    count = min(len(pdfium.PdfDocument(data)), pages)
    return extract_pdf(data, max_pages=pages).text, count


LIBRARIES: dict[str, Callable[[bytes, int], tuple[str, int]]] = {
    "veille.pdf": with_veille,
    "pypdfium2": with_pypdfium2,
    "pypdf": with_pypdf,
    "pdfminer.six": with_pdfminer,
}


def f1(found: str, expected: str) -> float:
    got, want = Counter(_WORD.findall(found)), Counter(_WORD.findall(expected))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def pdf_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.pdf")) if path.is_dir() else [path]
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=60)
    args = parser.parse_args()
    files = [f for f in pdf_files(args.paths) if not f.name.startswith(("bomb", "encrypted"))]
    best: dict[tuple[str, Path], tuple[float, float, int, str]] = {}
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)  # pypdf and pdfminer.six log every oddity of a file
    for _ in range(args.rounds):
        for file in files:
            data = file.read_bytes()
            for name, run in LIBRARIES.items():
                cpu, wall = time.process_time(), time.perf_counter()
                try:
                    text, pages = run(data, args.pages)
                except Exception as exc:  # a library that fails on a real file is a finding
                    text, pages = f"!{type(exc).__name__}", 0
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                key = (name, file)
                if key not in best or cpu < best[key][0]:
                    best[key] = (cpu, wall, pages, text)
    print(f"{len(files)} PDF files, first {args.pages} pages, best of {args.rounds} rounds")
    print(f"{'library':<14}{'pages':>7}{'CPU s':>9}{'wall s':>9}{'pages/CPU s':>13}{'failed':>8}")
    for name in LIBRARIES:
        rows = [v for (lib, _), v in best.items() if lib == name]
        cpu, wall = sum(r[0] for r in rows), sum(r[1] for r in rows)
        pages = sum(r[2] for r in rows)
        failed = sum(r[3].startswith("!") for r in rows)
        print(f"{name:<14}{pages:>7}{cpu:>9.3f}{wall:>9.3f}{pages / cpu:>13.1f}{failed:>8}")
    print("\nquality (bag-of-words F1 against the text the PDF was made from; junk characters)")
    for file in files:
        truth = file.with_suffix(".txt")
        if not truth.exists():
            continue
        expected = truth.read_text(encoding="utf-8")
        cells = []
        for name in LIBRARIES:
            text = best[(name, file)][3]
            cells.append(f"{name} {f1(text, expected):.3f} ({len(_JUNK.findall(text))})")
        print(f"  {file.name:<32}" + "   ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
