"""Identity rules, decided here and nowhere else.

* An **entry** is one item of one source: ``entry_id(source_id, entry_key)``; ``feeds.entry_key``
  decides the key inside a feed (GUID, then link, then content).
* An **article** is one story URL, whatever the number of sources that listed it: its id is a hash
  of the canonical URL, so two feeds linking to the same page (one of them with ``utm_*``
  parameters) give one article with two sightings. An entry without any link has nothing to share
  with other sources: its article id is derived from the entry id.

Hashes are truncated SHA-256 in hex: stable across runs, machines and Python versions (unlike
``hash()``), short enough to read in a URL, and 96 bits make collisions irrelevant at our scale.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

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
