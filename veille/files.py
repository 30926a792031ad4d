"""Writing files so that a reader never sees half of one: the one place veille does it.

A temporary file in the same folder is written and flushed to disk, then renamed over the
target (a rename within a folder is atomic on POSIX). A crash leaves the previous version whole
and, at worst, a hidden ``.name.*`` temporary file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path


def make_folder(folder: Path, mode: int = 0o755) -> Path:
    """Create ``folder`` and its missing parents with ``mode`` whatever the umask (the store
    makes the umask private while a database is open, and published folders are read by a web
    server); folders that exist are left as they are."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode)
        except FileExistsError:
            continue
        created.chmod(mode)
    return folder


@contextmanager
def _replacing(path: Path, mode: int) -> Iterator[Path]:
    """A temporary path to fill; renamed over ``path`` when the block ends without error."""
    make_folder(path.parent, 0o700 if mode & 0o077 == 0 else 0o755)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.chmod(mode)  # mkstemp makes it 0600: published files are read by a web server
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes | str, *, mode: int = 0o644) -> Path:
    """Write ``data`` (text is UTF-8 with LF line ends) to ``path`` atomically."""
    with _replacing(path, mode) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def atomic_copy(source: Path, path: Path, *, mode: int = 0o644) -> Path:
    """Copy ``source`` to ``path`` atomically (large files are streamed, not read whole)."""
    with _replacing(path, mode) as tmp:
        shutil.copyfile(source, tmp)
    return path


def dated_name(folder: Path, stem: str, when: datetime, suffix: str, fmt: str) -> Path:
    """``folder/stem-<when in fmt>suffix`` for a file that is not there yet.

    Dated names sort in time order. When the name is taken (two files within one tick of the
    clock, or under a frozen ``VEILLE_NOW``), the moment moves on by a microsecond until it is
    free, so the order of names is still the order of making (``fmt`` must show microseconds).
    """
    candidate = folder / f"{stem}-{when:{fmt}}{suffix}"
    while candidate.exists():
        when += timedelta(microseconds=1)
        candidate = folder / f"{stem}-{when:{fmt}}{suffix}"
    return candidate
