"""The demo's mailbox source: three newsletters (``demo_data/mail``) delivered to a Maildir
beside the demo's database, read by a ``kind: mailbox`` source like any IMAP folder.

Why a Maildir and not an IMAP server: the demo runs anywhere, offline, with nothing installed
but veille; an IMAP server would be Dovecot (not on most machines) or a hand-written one that
proves nothing about real servers. The same parser, entries, identity and commit-then-mark
rules read both (veille/mailbox.py); the IMAP path is tested against a real Dovecot
(tests/test_mailbox.py). The letters are dated in the week the demo's letter is drafted for.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from rich.console import Console

from veille import clock, i18n
from veille.store import Store

DEMO_MAIL = Path(str(resources.files("veille") / "demo_data" / "mail"))
SOURCE_ID = "lettres-demo"


def mailbox_source(maildir: Path) -> str:
    """The demo's mailbox source, as lines of its sources file (appended to ``sources:``)."""
    return f"""  - id: {SOURCE_ID}
    name: Lettres reçues par e-mail (démo)
    kind: mailbox
    url: {json.dumps("maildir://" + quote(str(maildir.absolute())))}
    lang: fr
"""


def deliver_demo_letters(maildir: Path) -> Path:
    """A Maildir holding the demo's letters, made once (a second demo finds them read)."""
    if (maildir / "cur").is_dir():
        return maildir
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    stamp = int(clock.now().timestamp())
    for index, letter in enumerate(sorted(DEMO_MAIL.glob("*.eml"))):
        name = f"{stamp}.M{index}P0.veille-demo"  # Maildir's unique name: time, then sequence
        (maildir / "new" / name).write_bytes(letter.read_bytes())
    return maildir


def print_letters(store: Store, out: Console) -> None:
    """The mailbox source's articles, under the run's summary."""
    rows = store.articles(include_all=True, source=SOURCE_ID)
    out.print(i18n.message("demo.mailbox", source=SOURCE_ID, count=len(rows)), highlight=False)
    for row in rows:
        out.print(f"  {row.title}", markup=False, highlight=False)
