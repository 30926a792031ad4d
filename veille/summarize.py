"""Two or three sentences of an article, taken from its lead, for the weekly digest.

::

    from veille.summarize import summarize
    summarize(article.title, article.text)  # "" when the text has nothing to offer

The summary is *extractive* and *lead-based*: news articles put the essential first, and the
first sentences of the lead are the standard strong baseline for news summarisation. What gets
in the way is skipped: a repeat of the title, boilerplate (« Lire aussi », « Publié le … »,
« Par Jean Dupont », cookie notices…), headings, fragments and lines of figures.

Sentences are split by :func:`split_sentences`, a French-aware rule-based splitter. No sentence
segmentation library is installed here (pysbd, nltk, syntok, spaCy: none), and the project's
dependencies are pinned and installed offline, so none is added for a few hundred lines of
rules: the splitter below knows French abbreviations, initials, decimal numbers, ellipses,
guillemets with their no-break spaces, URLs, list numbers and the line structure of extracted
text. It is a generator under the hood, so a summary only splits the beginning of a long text.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator

__all__ = ["split_sentences", "summarize"]

# ---------------------------------------------------------------------------------------------
# Sentence splitting


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NBSP = ("\u00a0", "\u202f")  # French typography: before ? ! : ; » and after «
_WHITESPACE = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")  # a blank (or whitespace-only) line

# A candidate boundary: terminal punctuation ("." "?!" "..." "…"), then closing quotes or
# brackets (a French closing guillemet comes after a no-break space), then whitespace. Whether
# it is a boundary depends on what precedes it and on what comes next (see _is_boundary).
_CANDIDATE = re.compile(r"[.!?…]+((?:[ \u00a0\u202f]*[»”\"’)\]])*)\s+")
_OPENERS = frozenset("«“\"‘'([¿¡—–-•*…")  # a sentence may start with these
_TERMINAL = frozenset(".!?…")
_CLOSERS = ' \u00a0\u202f»”"’)]'

# Abbreviations after which "." never ends a sentence, compared as written: titles before a
# name. "Me" (Maître) must keep its capital: English "me." ends sentences.
_TITLES = _words(
    "M MM Mme Mmes Mlle Mlles Me Mgr Dr Drs Pr Pre Prof St Ste Sts Gén Gal Cdt Col Lt Cne "
    "Sgt Mr Mrs Ms Jr Sr"
)
# Compared in lower case: abbreviations that are not French words, so "." after them is an
# abbreviation dot even before a capital (« cf. Le rapport », « par ex. France Travail »).
_ABBREVIATIONS = _words(
    "av apr cf ex env vs bd boul réf éd dir coll trad ibid op cit resp suiv sq approx "
    "janv févr fév avr juil oct nov déc tél c.-à-d e.g i.e"
)
# Lower case again: abbreviations that are also words (« l’art », « un vol », « sept »), so they
# are only abbreviations before a number or a legal reference (« art. L. 6323-1 », « p. 12 »,
# « n. 3 », « 1er sept. 2026 », « t. II »).
_ABBREVIATIONS_BEFORE_NUMBER = _words("art al n no nos p pp vol t fig chap ch sept ann hab")
_NUMBER_NEXT = re.compile(r"(?:\d|[A-Z]\.?[ \u00a0\u202f]?\d|[IVXLC]+\b)")
# Single lower-case letters that are French words, so they can end a sentence ("Il y en a.",
# "à 10 h."); any other single letter followed by "." is an initial or an abbreviation.
_SINGLE_LETTER_WORDS = frozenset("aàyôh")
_INITIALS = re.compile(r"(?:[^\W\d_]\.-)+[^\W\d_]")  # J.-C, J.-M (hyphenated first names)
_LOWER_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # e.g, i.e (lower case only)
# What a sentence holding only a list number looks like: "1", "b", "IV", "- 2".
_LIST_NUMBER = re.compile(r"(?:[-–—•*·]\s*)?(?:\d{1,3}|[ivxIVX]{1,4}|[^\W\d_])")
_AFTER_ERA_ABBREVIATION = re.compile(r"(?:av|apr)\.[ \u00a0\u202f]*$", re.IGNORECASE)
# After « av. J.-C. », a capital is a new sentence if it starts one of these words (« … en 52
# av. J.-C. Il … ») and a name otherwise (« En 52 av. J.-C. César bat Vercingétorix. »).
_SENTENCE_STARTERS = _words(
    "il elle ils elles on le la les l un une des ce cet cette ces c cela ça en dans mais et "
    "pour par sur selon après avant depuis alors pourtant cependant ainsi toutefois de du "
    "au aux à son sa ses leur leurs nous vous je si quand lorsque parmi enfin puis or donc"
)
_FIRST_WORD = re.compile(r"[«“\"‘(\s]*(\w+)")

# Line structure (extracted text keeps <br> and list items as line breaks).
_LIST_ITEM = re.compile(r"(?:[-–—•*·▪►]\s|\d{1,3}[.)°]\s|[a-z][.)]\s)")
_CONTINUATION_END = frozenset(",;:(«“‘-–—/&+")
# A line ending with one of these words was wrapped mid-sentence, whatever comes next.
_FUNCTION_WORDS = _words(
    "le la les l un une des du de d à au aux en et ou dans par pour sur sous avec sans "
    "entre vers chez ce cet cette ces son sa ses leur leurs notre nos votre vos qui que "
    "dont où the a an of to in on for with and or by"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of a French text, in order, whitespace collapsed (no-break spaces kept).

    A blank line always ends a sentence, and so does a single line break after a line without
    final punctuation when the next line starts with a capital (a heading) or is a list item.
    "." after an abbreviation (« M. », « Mme », « art. 3 », « cf. »), an initial
    (« J. Dupont », « J.-C. »), a list number (« 1. ») or inside a number, URL or e-mail address
    does not end a sentence; « ? » and « ! » followed by a small letter do not either
    (« Pourquoi ? » demande-t-il).

    >>> split_sentences("M. Dupont l’a dit\u00a0: «\u00a0C’est fini.\u00a0» Le CPF change.")
    ['M. Dupont l’a dit\\xa0: «\\xa0C’est fini.\\xa0»', 'Le CPF change.']
    """
    return list(_iter_sentences(text))


def _iter_sentences(text: str) -> Iterator[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n\n")
    text = text.replace("\u2028", "\n")
    for paragraph in _PARAGRAPH_BREAK.split(text):
        for segment in _segments(paragraph):
            for sentence in _split_segment(segment):
                cleaned = _collapse(sentence)
                if cleaned:
                    yield cleaned


def _segments(paragraph: str) -> Iterator[str]:
    """The paragraph's lines, joined unless a line break ends a sentence there."""
    current: list[str] = []
    for raw in paragraph.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if current and _line_break_ends_sentence(current[-1], line):
            yield " ".join(current)
            current = []
        current.append(line)
    if current:
        yield " ".join(current)


def _line_break_ends_sentence(previous: str, line: str) -> bool:
    if _LIST_ITEM.match(line):
        return True
    end = previous.rstrip(_CLOSERS) or previous
    if end[-1] in _TERMINAL or end[-1] in _CONTINUATION_END:
        return False  # the splitter decides / the sentence goes on
    last_word = previous.rsplit(None, 1)[-1].lower()
    last_word = re.split(r"['’]", last_word)[-1]
    if last_word in _FUNCTION_WORDS:
        return False  # a wrapped line: « la réforme du\nCPF »
    first = line.lstrip("«“\"‘'([ \u00a0\u202f")
    return bool(first) and first[0].isupper()


def _split_segment(segment: str) -> Iterator[str]:
    start = 0
    for match in _CANDIDATE.finditer(segment):
        following = match.end()
        if following >= len(segment):
            break
        if _is_boundary(segment, start, match, following):
            yield segment[start : match.end(1)]
            start = following
    yield segment[start:]


def _is_boundary(segment: str, start: int, match: re.Match[str], following: int) -> bool:
    """Whether the candidate ``match`` (punctuation, closers, whitespace) ends a sentence."""
    nxt = segment[following]
    if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS):
        return False  # « ? » demande-t-il ; « … et la suite » ; « etc. et »
    punct_at = match.start()
    punctuation = match.group(0)[: match.start(1) - punct_at]
    if punctuation != ".":
        # ?, !, ellipses: a boundary, except an ellipsis marking a cut in a quote: « […] »
        return not (punctuation[0] in ".…" and punct_at > 0 and segment[punct_at - 1] in "[(")
    if _LIST_NUMBER.fullmatch(segment[start:punct_at].strip()):
        return False  # « 1. Le compte personnel de formation… »
    begin = punct_at
    while begin > start and not segment[begin - 1].isspace():
        begin -= 1
    word = segment[begin:punct_at].lstrip('«“"‘([')
    word = re.split(r"['’]", word)[-1]  # « l’art » -> « art »
    return not _is_abbreviation(word, segment, punct_at, following)


def _is_abbreviation(word: str, segment: str, punct_at: int, following: int) -> bool:
    if not word:
        return False
    if len(word) == 1:
        return word.isalpha() and word not in _SINGLE_LETTER_WORDS  # « J. Dupont », « p. 12 »
    if word in _TITLES:
        return True
    lower = word.lower()
    if lower in _ABBREVIATIONS:
        return True
    if lower in _ABBREVIATIONS_BEFORE_NUMBER:
        return bool(_NUMBER_NEXT.match(segment, following))
    if _INITIALS.fullmatch(word):
        # « J.-C. Dupont »; « av. J.-C. » ends a sentence before « Il », « La »…
        before = segment[max(0, punct_at - len(word) - 12) : punct_at - len(word)]
        if not _AFTER_ERA_ABBREVIATION.search(before):
            return True
        first = _FIRST_WORD.match(segment, following)
        return not (first and first.group(1).lower() in _SENTENCE_STARTERS)
    return bool(_LOWER_DOTTED.fullmatch(word)) and word.islower()  # « e.g. », « i.e. »


def _collapse(text: str) -> str:
    """Whitespace runs -> one space; a lone no-break space (French typography) is kept."""
    return _WHITESPACE.sub(lambda m: m[0] if m[0] in _NBSP else " ", text).strip()


# ---------------------------------------------------------------------------------------------
# Choosing sentences

MIN_WORDS = 5  # fewer words: a fragment, a label, a heading
HEADING_WORDS = 10  # without final punctuation and shorter than this: a heading or a caption
MIN_LETTER_SHARE = 0.5  # of the non-space characters: below it, figures, dates, symbols
TITLE_OVERLAP = 0.75  # share of a sentence's content words found in the title: a repeat
ELLIPSIS = "…"

_BOILERPLATE_FR = (
    r"^\W*(?:[àa]\s+)?lire\s+(?:aussi|également|egalement|la\s+suite|plus|notre|nos|"
    r"l['’](?:article|interview|enquête|entretien)|le\s+dossier|l['’]intégralité)\b",
    r"^\W*(?:[àa]\s+)?(?:voir|découvrir|écouter|regarder|relire)\s+(?:aussi|également)\b",
    r"^\W*(?:revivez|retrouvez|suivez|rejoignez)[- ]",
    r"\babonnez[- ]vous\b",
    r"\bje\s+m['’]abonne\b",
    r"\b(?:réservée?s?|reservee?s?)\s+aux\s+abonnés\b",
    r"\b(?:inscrivez[- ]vous|recevez)\b.{0,40}\bnewsletter\b",
    r"^\W*newsletter\b",
    r"^\W*(?:publié|publiée|mis\s+à\s+jour|mise\s+à\s+jour|modifié|actualisé|posté)\s+"
    r"(?:le|il\s+y\s+a|hier|aujourd|ce\s+matin|à)\b",
    r"\bcrédits?\s*:?\s*(?:photos?|images?|illustrations?)\b",
    r"^\W*(?:photo|image|illustration|vidéo)s?\s*(?:d['’]illustration)?\s*:",
    r"©",
    r"^\W*partager\b",
    r"\bpartager\s+(?:sur|cet\s+article|l['’]article|par\s+e-?mail|ce\s+contenu)\b",
    r"\b(?:utilis\w*|dépôt|déposer|accept\w*|refus\w*|paramétr\w*|gérer|gestion)\b"
    r".{0,60}\b(?:cookies?|traceurs)\b",
    r"\b(?:cookies?|traceurs)\b.{0,80}\b(?:navigation|consentement|accept\w*|paramètres|"
    r"préférences|personnalis\w*)\b",
    r"\ben\s+poursuivant\s+(?:votre\s+)?navigation\b",
    r"\bcet\s+article\s+(?:est\s+paru|a\s+(?:d['’]abord\s+|initialement\s+)?(?:été\s+)?"
    r"(?:paru|publié)|est\s+(?:extrait|issu|initialement\s+paru))",
    r"^\W*propos\s+recueillis\s+par\b",
    r"^\W*(?:avec|source|sources)\s*:?\s*(?:l['’])?(?:afp|reuters|ap)\b",
    r"^\W*(?:temps\s+de\s+)?lecture\s*:?\s*\d+\s*min",
    r"\b\d+\s*min(?:utes?)?\s+de\s+lecture\b",
    r"^\W*(?:réagir|commenter|imprimer|envoyer\s+par|ajouter\s+à\s+(?:mes|vos)\s+favoris|"
    r"télécharger\s+l['’]app|cliquez\s+ici|sommaire|mots[- ]clés\s*:|tags?\s*:)",
    r"^\W*publicité\W*$",
)
_BOILERPLATE_EN = (
    r"^\W*(?:read|see)\s+(?:more|also|next|the\s+full)\b",
    r"^\W*related\s*(?:articles?|stories|content|reading)?\s*:",
    r"\bsubscribe\b",
    r"\bsign\s+up\b",
    r"^\W*newsletter\b",
    r"\b(?:for\s+)?subscribers?[- ](?:only|exclusive)\b",
    r"^\W*(?:published|updated|posted|last\s+(?:updated|modified)|first\s+published)\s*"
    r"(?:on|at|:|\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|"
    r"fri|sat|sun)[a-z]*\b)",
    r"\b(?:photo|image)\s+(?:credit|courtesy)\b",
    r"^\W*(?:photo|image|illustration)s?\s*:",
    r"^\W*share\b",
    r"\bshare\s+(?:on|this|via)\b",
    r"\b(?:we\s+use|this\s+(?:site|website)\s+uses|accept\w*|manage|reject)\b.{0,60}"
    r"\bcookies?\b",
    r"\bcookies?\b.{0,80}\b(?:browsing|consent|accept\w*|settings|preferences|policy)\b",
    r"\bthis\s+(?:article|story|piece)\s+(?:\w+\s+){0,2}(?:appeared|published|ran)\b",
    r"\blisten\s+to\s+this\s+article\b",
    r"\b\d+\s*min(?:ute)?s?\s+read\b",
    r"^\W*(?:click\s+here|follow\s+us|advertisement\W*$)",
)
# One alternation per language: one scan of a sentence instead of one per pattern.
_BOILERPLATE = {
    "fr": re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE_FR), re.IGNORECASE),
    "en": re.compile(
        "|".join(f"(?:{p})" for p in _BOILERPLATE_FR + _BOILERPLATE_EN), re.IGNORECASE
    ),
}
_BYLINE = {
    "fr": re.compile(
        r"^\W*(?:par|PAR|Par)\s+[A-ZÀ-ÖØ-Þ][\w’'.-]*\s+(?:(?:de|du|des|le|la|d['’])\s*)?"
        r"[A-ZÀ-ÖØ-Þ]"
    ),
    "en": re.compile(r"^\W*(?:by|BY|By)\s+[A-Z][\w’'.-]*\s+(?:(?:de|van|von|le)\s+)?[A-Z]"),
}
_BYLINE_WORDS = 12  # a byline is short; « Par ailleurs, … » has a small letter anyway

_WORD = re.compile(r"\w+")
_STOPWORDS = _words(
    "les des une dans par pour sur avec est sont ont qui que aux ces son ses leur leurs "
    "mais plus pas cette tout tous elle ils elles nous vous the and for with that this "
    "from are was were has have"
)
_STEM = 5  # French words compared on their first five letters: « réforme » ~ « réformes »
# Checks look at the start of a sentence only: enough to judge it, and a text without
# punctuation (one 30,000-character "sentence") costs no more than a normal one.
_CHECKED_CHARS = 1000
# Lead-based: only the first sentences are candidates. A text whose first SCANNED_SENTENCES
# hold nothing usable is not an article lead (a list, a page of links); it takes the fallback.
# This also bounds the cost of pathological texts (thousands of two-word lines) to ~1 ms.
SCANNED_SENTENCES = 80
_BULLET = re.compile(r"[-–—•*·▪►]\s+")  # list bullets are dropped from the summary
_NOT_LETTER = re.compile(r"[\W\d_]+")


def summarize(
    title: str, text: str, *, max_sentences: int = 3, max_chars: int = 420, lang: str = "fr"
) -> str:
    """The first usable sentences of ``text``, in order, within ``max_sentences`` and ``max_chars``.

    Skipped: repeats of ``title`` (or of a sentence already taken), boilerplate (« Lire aussi »,
    « Publié le … », « Par Jean Dupont », cookie notices…; English ones too unless ``lang`` is
    French), fragments under five words, headings (short and without final punctuation),
    sentences ending with « : » and lines that are mostly figures or symbols. Selection stops
    at the first sentence that would not fit; a first sentence longer than ``max_chars`` is cut
    at a word boundary and ends with « … ». When no sentence is usable, the text's sentences
    that are neither boilerplate nor the title are the summary (a short brief is its own
    summary). Empty text, or nothing but boilerplate, gives "" (the caller falls back on the
    feed's summary).
    """
    if max_sentences < 1 or max_chars < 2:
        raise ValueError("max_sentences must be >= 1 and max_chars >= 2")
    if not text or text.isspace():
        return ""
    primary = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
    english = primary != "fr"
    boilerplate = _BOILERPLATE["en" if english else "fr"]
    bylines = (_BYLINE["fr"], _BYLINE["en"]) if english else (_BYLINE["fr"],)
    title_words = _content_stems(title)

    def unwanted(sentence: str, taken: list[frozenset[str]]) -> bool:
        head = sentence[:_CHECKED_CHARS]
        if boilerplate.search(head):
            return True
        if len(head.split(None, _BYLINE_WORDS)) <= _BYLINE_WORDS and any(
            b.match(head) for b in bylines
        ):
            return True
        stems = _content_stems(head)
        return _repeats(stems, title_words) or any(_repeats(stems, t) for t in taken)

    seen: list[str] = []
    chosen = _choose(
        _remember(itertools.islice(_iter_sentences(text), SCANNED_SENTENCES), seen),
        max_sentences,
        max_chars,
        lambda s, t: _weak(s) or unwanted(s, t),
    )
    if chosen:
        return chosen
    # Nothing usable among the scanned sentences: relax the length and shape checks.
    return _choose(iter(seen), max_sentences, max_chars, unwanted)


def _remember(sentences: Iterator[str], seen: list[str]) -> Iterator[str]:
    for sentence in sentences:
        seen.append(sentence)
        yield sentence


def _choose(
    sentences: Iterator[str],
    max_sentences: int,
    max_chars: int,
    skip: Callable[[str, list[frozenset[str]]], bool],
) -> str:
    chosen: list[str] = []
    taken: list[frozenset[str]] = []
    length = 0
    for sentence in sentences:
        if skip(sentence, taken):
            continue
        bullet = _BULLET.match(sentence)
        kept = sentence[bullet.end() :] if bullet else sentence
        added = len(kept) + (1 if chosen else 0)
        if length + added > max_chars:
            if not chosen:
                return _cut(kept, max_chars)
            break
        chosen.append(kept)
        taken.append(_content_stems(kept[:_CHECKED_CHARS]))
        length += added
        if len(chosen) >= max_sentences:
            break
    return " ".join(chosen)


def _weak(sentence: str) -> bool:
    """Too short, a heading, a dangling announcement or mostly figures and symbols."""
    head = sentence[:_CHECKED_CHARS]
    words = sum(1 for w in head.split(None, HEADING_WORDS) if any(c.isalnum() for c in w))
    if words < MIN_WORDS:
        return True
    end = sentence.rstrip(_CLOSERS)
    if end.endswith(":"):
        return True  # « Le décret prévoit trois mesures : » (the list follows)
    if words < HEADING_WORDS and (not end or end[-1] not in _TERMINAL):
        return True
    visible = len(head) - sum(map(head.count, (" ", "\u00a0", "\u202f")))
    letters = len(head) - len("".join(_NOT_LETTER.findall(head)))
    return letters < MIN_LETTER_SHARE * visible


def _content_stems(text: str) -> frozenset[str]:
    """Accent-free five-letter stems of the words that carry meaning (3 letters or more)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return frozenset(
        w[:_STEM] for w in _WORD.findall(folded) if len(w) >= 3 and w not in _STOPWORDS
    )


def _repeats(stems: frozenset[str], reference: frozenset[str]) -> bool:
    """Whether most of a sentence's content words are already in ``reference``."""
    return bool(stems) and bool(reference) and len(stems & reference) >= TITLE_OVERLAP * len(stems)


def _cut(text: str, max_chars: int) -> str:
    """``text`` within ``max_chars``: cut at a word boundary, ending with « … »."""
    if len(text) <= max_chars:
        return text
    limit = max_chars - len(ELLIPSIS)
    head = text[:limit]
    if text[limit] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]  # never inside a word, nor at a no-break space
    words = head.split(" ")
    while len(words) > 1 and _dangling(words[-1]):
        words.pop()  # « … qui réforme le… » -> « … qui réforme… »
    head = " ".join(words).rstrip(_DANGLING_PUNCTUATION)
    return (head or text[:limit]) + ELLIPSIS


_DANGLING_PUNCTUATION = " \u00a0\u202f,;:-–—(«“‘'’\""


def _dangling(word: str) -> bool:
    """A word that cannot end a cut: punctuation alone or a function word (« le », « de »)."""
    bare = word.strip(_DANGLING_PUNCTUATION).lower()
    return not bare or re.split(r"['’]", bare)[-1] in _FUNCTION_WORDS
