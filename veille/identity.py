"""Identity rules, decided here and nowhere else.

* An **entry** is one item of one source: ``entry_id(source_id, entry_key)``; :func:`entry_key`
  decides the key inside a feed or a JSON API (GUID, then link, then content), and a listing
  page's links are keyed by :func:`page_entry_key`.
* An **article** is one story URL, whatever the number of sources that listed it: its id is a hash
  of the canonical URL, so two feeds linking to the same page (one of them with ``utm_*``
  parameters) give one article with two sightings (:func:`entry_article_id`). An entry without
  any link has nothing to share with other sources: its article id is derived from the entry
  id, and its address is a ``urn:veille:`` name (:func:`linkless_url`). A page's own
  canonical link may re-identify its article (:func:`accepted_canonical`).

* A **site** is a registrable domain (``centre-inffo.fr`` for ``www.centre-inffo.fr``, from the
  Public Suffix List that the ``tld`` package ships): a page's canonical link may only merge
  its article into one of the same site (:func:`accepted_canonical`).

Hashes are truncated SHA-256 in hex: stable across runs, machines and Python versions (unlike
``hash()``), short enough to read in a URL, and 96 bits make collisions irrelevant at our scale.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from tld import get_fld

from veille.models import MAX_GUID_CHARS

# Query parameters that only track the click: removing them never changes the page.
# utm_* (Google Analytics), and the click ids of the big ad platforms and mailers.
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "hsa_", "oly_", "vero_", "_hs")
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "xtor",  # AT Internet, common on French media sites
        "xts",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "cmpid",
        "ito",
        "spm",
        "ref_src",
        "s_cid",
        "wt_mc",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "ocid",
        "sr_share",
        "share",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443}
_WS = re.compile(r"\s+")


def short_hash(*parts: str) -> str:
    """A 24-hex-digit SHA-256 of the parts joined by a separator that cannot occur in them."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:24]


def is_tracking_param(name: str) -> bool:
    """True for query parameters that only track clicks (utm_*, fbclid, gclid, xtor...)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The URL that identifies a story: tracking parameters, fragment and default port removed.

    Scheme and host are lower-cased, an empty path becomes ``/``; the remaining query keeps its
    order (some sites put meaning in it). Idempotent: ``canonical_url(canonical_url(u)) == ...``.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # "http://[", "http://x:99999/": not a URL we can normalise, left as is
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not scheme or not host:
        return url
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = parts.path or "/"
    # Filter the raw pieces rather than re-encoding: `spip.php?article8532` must stay as it is.
    kept = [
        piece
        for piece in parts.query.split("&")
        if piece and not is_tracking_param(unquote_plus(piece.split("=", 1)[0]))
    ]
    query = "&".join(kept)
    return urlunsplit((scheme, netloc, path, query, ""))


def entry_id(source_id: str, entry_key: str) -> str:
    """Identity of one entry of one source."""
    return short_hash("entry", source_id, entry_key)


def article_id_for_url(url: str) -> str:
    """Identity of the article behind a URL (canonicalised here, so callers cannot forget)."""
    return short_hash("url", canonical_url(url))


def article_id_for_entry(source_id: str, entry_key: str) -> str:
    """Identity of a link-less entry's article: it belongs to its source alone."""
    return short_hash("article", source_id, entry_key)


def content_hash(text: str) -> str:
    """Fingerprint of a text, insensitive to case and whitespace (exact-copy detection)."""
    return short_hash("text", _WS.sub(" ", text).strip().lower())


def without_query(url: str) -> str:
    """The canonical URL without its query string: where a page is, whatever its parameters."""
    canonical = canonical_url(url)
    try:
        return urlunsplit(urlsplit(canonical)._replace(query=""))
    except ValueError:  # urlsplit refuses some hosts ("http://[::ffff:999.1.1.1]/?sid=1"): the
        # query still goes, cut by hand (found by tests/test_containment.py's fuzzing: a feed
        # churning ?sid= on such links grew by one row a run)
        return canonical.split("#", 1)[0].split("?", 1)[0]


@functools.lru_cache(maxsize=4096)
def site_of(url: str) -> str:
    """The registrable domain of a URL's host (``www.travail-emploi.gouv.fr`` ->
    ``travail-emploi.gouv.fr``; ``user.github.io`` stays whole, as the Public Suffix List says);
    the host itself for an IP address or a name without a public suffix (``localhost``)."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""
    try:
        return str(get_fld(host, fix_protocol=True, fail_silently=False)).lower()
    except Exception:  # noqa: BLE001 — tld raises its own errors for IPs and unknown suffixes
        return host.lower()


def entry_key(
    guid: str | None,
    link: str | None,
    title: str,
    content: str,
    *,
    duplicated_guids: frozenset[str] = frozenset(),
) -> str:
    """The identity of an entry inside its source: decided here and nowhere else.

    * The GUID when the feed gives one and it is unique in the document: it survives a changed
      title or URL (miniflux hashes the GUID first too).
    * A feed that repeats a GUID (some CMSs give every item the channel's id) would lose entries
      if we trusted it: for those, GUID + link, as miniflux falls back to GUID+URL and FreshRSS
      degrades its rule per feed.
    * No GUID: the absolute link, which is what readers follow anyway.
    * No link either: a hash of title and content — the only thing left that tells items apart.

    A GUID longer than ``MAX_GUID_CHARS`` stands for its hash (same GUID, same hash: the
    identity is kept, the stored key is bounded).
    """
    if guid:
        bounded = guid if len(guid) <= MAX_GUID_CHARS else "sha256:" + short_hash("guid", guid)
        if guid not in duplicated_guids:
            return f"guid:{bounded}"
        if link:
            return f"guid+link:{bounded}|{link}"
    if link:
        return f"link:{link}"
    return "hash:" + short_hash(title, content)


def page_entry_key(link: str) -> str:
    """The key of an article link found on a listing page (a page source has no GUIDs)."""
    return entry_key(None, link, "", "")


def entry_article_id(source_id: str, entry_key: str, url: str | None) -> str:
    """The article an entry brings: its story URL's, or its own when it has no link."""
    return article_id_for_url(url) if url else article_id_for_entry(source_id, entry_key)


def linkless_url(source_id: str, entry_key: str) -> str:
    """The address stored for an entry without any link (never fetched, never shown as a link)."""
    return f"urn:veille:{source_id}:{entry_key}"


def accepted_canonical(
    declared: str | None, url: str, source_url: str, sites: Iterable[str] = ()
) -> str | None:
    """A page's own canonical URL (``declared``) when it may name the article at ``url``, else None.

    * Some sites point every page's canonical link at their home page or at a section: such a
      link would merge unrelated stories, so a canonical URL with an empty path is ignored.
    * A page may only merge its article into one of its own site — the site of the entry's
      link or of the source (``example.fr`` for ``www.`` and ``actu.example.fr``) — or of a
      site the source declares (``sites:`` in sources.yaml). Otherwise any page could declare
      another publisher's article URL and have its text stored under that article's id, and the
      real page would never be fetched when its own source lists it.
    """
    if not declared:
        return None
    declared = canonical_url(declared)
    try:
        path = urlsplit(declared).path
    except ValueError:
        return None
    if declared == url or path in ("", "/"):
        return None
    allowed = {site_of(url), site_of(source_url), *sites}
    return declared if site_of(declared) in allowed else None
