"""What the classifier reads and learns from: article text as French words, and the labelled
examples.

* Text: lower-case words, elisions split, French stop words and single letters dropped; an
  article is read as its title, summary and the first :data:`MAX_WORDS` words of its text.
* Examples: the hand-labelled seed (``veille/seed/train-fr.jsonl``: real French texts of the
  field; ``labels.jsonl``: real off-topic news and the team's written items) + the curators'
  decisions (``veille.learning``). Each example names its publisher, the unit source-grouped
  cross-validation holds out (``veille.evaluation``); one example in :data:`HELD_OUT`, chosen
  by a hash of its id, is never trained on.

No scikit-learn here: reading the seed or an article's text does not import it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from veille.dedup import normalise
from veille.errors import ModelError

HELD_OUT = 5  # one example in HELD_OUT is held out
MAX_WORDS = 300  # of the article text, after title and summary
SEED_FILES = ("train-fr.jsonl", "labels.jsonl")  # real texts of the field first
TEAM = "veille-team"  # the source of the team-written seed items
TRAIN_ON_WRITTEN = True  # kept while source-grouped cross-validation says they help real text

# French function words: they carry no topic. Written here rather than taken from a library:
# scikit-learn ships an English list only, and this one must match normalise()'s elision split.
_STOP_WORDS = """
au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les leur
leurs lui ma mais me même mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa
se ses son sur ta te tes toi ton tu un une vos votre vous été être est sont ont avait sera
seront aussi ainsi alors après avant bien comme dont donc encore entre fait faire peut plus
sans selon si sous tous tout toute toutes très déjà lors cela ceci celle celui ceux chez
afin car puis quand quel quelle quels quelles deux trois an ans the of and to in
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    relevant: bool
    tags: tuple[str, ...] = ()
    origin: str = "seed"  # seed | decision
    primary: str | None = None  # the section a curator files it under (None: not known)
    source: str = ""  # who published it: cross-validation holds out whole sources

    @property
    def written(self) -> bool:
        """Written by the veille team, not a real text of the field."""
        return self.source == TEAM

    @property
    def known_primary(self) -> str | None:
        """The primary tag when the label says it (or the item has one tag only)."""
        if self.primary is not None or not self.relevant:
            return self.primary
        return self.tags[0] if len(self.tags) == 1 else None


def prepare(text: str, max_words: int | None = None) -> str:
    """Lower-case French words, elisions split, stop words and single letters dropped."""
    words = [w for w in normalise(text) if len(w) > 1 and w not in STOP_WORDS]
    return " ".join(words if max_words is None else words[:max_words])


def article_text(title: str, summary: str, text: str) -> str:
    """What the model reads of an article: title, summary and the start of the text."""
    words = text.split()
    return "\n".join(p for p in (title, summary, " ".join(words[:MAX_WORDS])) if p)


def is_held_out(example_id: str) -> bool:
    return int(hashlib.sha1(example_id.encode()).hexdigest()[:8], 16) % HELD_OUT == 0  # noqa: S324


def source_of(origin: str) -> str:
    """The publisher of a seed item, from its ``origin``: the unit cross-validation holds out."""
    if origin.startswith("written by the veille team") or origin.startswith("tests/"):
        return TEAM  # the team's items, and two of veille's own test fixtures
    if "@" in origin:  # owner/repo@commit:path (train-fr.jsonl)
        return origin.split("@", 1)[0]
    name = Path(origin).name if Path(origin).name != "source.html" else Path(origin).parent.name
    name = name.removeprefix("https___www.")
    if origin.startswith("feeds/"):
        name = name.split("_", 1)[0].removesuffix(".xml")
        return {"pcinpact": "nextinpact"}.get(name, name)  # PC INpact became Next INpact
    return re.split(r"[._-]", name, maxsplit=1)[0]


def load_seed(path: Path | None = None) -> list[Example]:
    """The hand-labelled seed shipped with veille (or one other labels file)."""
    if path is None:
        folder = resources.files("veille") / "seed"
        texts = [(folder / name).read_text(encoding="utf-8") for name in SEED_FILES]
    else:
        texts = [path.read_text(encoding="utf-8")]
    examples = []
    for content in texts:
        for number, line in enumerate(content.splitlines(), 1):
            if line.strip():
                examples.append(_example(line, number))
    return examples


def _example(line: str, number: int) -> Example:
    try:
        row = json.loads(line)
        text = "\n".join(p for p in (row["title"], row.get("text") or "") if p)
        tags = tuple(row.get("tags") or ())
        return Example(
            row["id"],
            text,
            bool(row["relevant"]),
            tags,
            primary=row.get("primary"),
            source=source_of(str(row.get("origin") or "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"seed labels line {number}: {exc}") from None


def seed_digest(path: Path | None = None) -> str:
    """The checksum of the seed's label files (a model records the seed it learnt)."""
    digest = hashlib.sha256()
    if path is not None:
        digest.update(path.read_bytes())
        return digest.hexdigest()
    for name in SEED_FILES:
        digest.update((resources.files("veille") / "seed" / name).read_bytes())
    return digest.hexdigest()


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(training, held out): the held-out fifth is chosen by a hash of each example's id."""
    train: list[Example] = []
    held: list[Example] = []
    for e in examples:
        (held if is_held_out(e.id) else train).append(e)
    return train, held
