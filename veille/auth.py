"""Login primitives for the curators' web app: password hashes, rules for new accounts, CSRF
tokens and a login throttle. No I/O here; the app (:mod:`veille.web`) and ``veille users add``
wire them up.

- Passwords are hashed with argon2id (argon2-cffi's :class:`~argon2.PasswordHasher`, default
  parameters); the password is NFKC-normalised first, so that "é" typed as one character or as
  "e" + accent is the same password (NIST SP 800-63B §5.1.1.2).
- :func:`verify_password` never raises: a wrong password and a damaged hash both give False.
- :class:`LoginThrottle` counts failures per key (a user name, a client address) in a sliding
  window, in memory, behind a lock; it forgets keys whose failures are all older than the window
  and holds at most ``max_keys`` keys.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from veille.errors import ConfigError

MIN_PASSWORD = 12
USERNAME_RE = re.compile(r"[a-z0-9._@-]{1,64}")

# The most common passwords of 12 characters or more (French and international leak lists),
# lowercased; the comparison ignores case.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "111111111111",
        "000000000000",
        "123123123123",
        "azertyuiop12",
        "azertyuiop123",
        "azertyuiopqsdf",
        "azertyuiopqsdfghjklm",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwertyuiopasdf",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "motdepasse12",
        "motdepasse123",
        "motdepasse1234",
        "motdepasse2024",
        "motdepasse2025",
        "motdepasse2026",
        "motdepasse!123",
        "iloveyou1234",
        "jetaime123456",
        "soleil123456",
        "bonjour123456",
        "administrateur",
        "administrator",
        "adminadmin123",
        "changeme1234",
        "welcome12345",
        "qwerty123456",
        "azerty123456",
        "1q2w3e4r5t6y",
        "a1b2c3d4e5f6",
    }
)

_hasher = PasswordHasher()


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (PHC string: ``$argon2id$v=19$m=...``), salt included."""
    return _hasher.hash(_normalise(password))


def verify_password(hash: str, password: str) -> bool:
    """True when ``password`` matches ``hash``; False on a mismatch or an invalid hash."""
    try:
        return _hasher.verify(hash, _normalise(password))
    except (VerificationError, InvalidHashError, ValueError, TypeError):
        return False


def needs_rehash(hash: str) -> bool:
    """True when ``hash`` was made with other parameters than today's defaults (re-hash the
    password at the next successful login), or cannot be read."""
    try:
        return _hasher.check_needs_rehash(hash)
    except (InvalidHashError, ValueError, TypeError):
        return True


def check_new_password(password: str) -> None:
    """Refuse a password shorter than 12 characters or among the most common ones."""
    length = len(_normalise(password))
    if length < MIN_PASSWORD:
        raise ConfigError(
            f"the password has {length} characters; at least {MIN_PASSWORD} are needed. "
            "Hint: a few unrelated words make a long password that is easy to remember."
        )
    if _normalise(password).lower() in COMMON_PASSWORDS:
        raise ConfigError(
            "this password is one of the most common ones and would be guessed first. "
            "Hint: a few unrelated words make a long password that is easy to remember."
        )


def check_username(name: str) -> str:
    """``name`` stripped and lowercased; 1-64 of a-z, 0-9 and . _ @ - (ConfigError otherwise)."""
    user = name.strip().lower()
    if not USERNAME_RE.fullmatch(user):
        raise ConfigError(
            f"{name!r} is not a valid user name: use 1 to 64 letters without accents, digits "
            "and . _ @ -. Hint: e.g. marie.dupont"
        )
    return user


def new_csrf_token() -> str:
    """A fresh CSRF token (32 random bytes, URL-safe base64)."""
    return secrets.token_urlsafe(32)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    """True when both tokens are present, not empty and equal (constant-time comparison)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


class LoginThrottle:
    """At most ``max_failures`` failed logins per key within ``window`` seconds.

    ``allowed(key)`` is False once a key has ``max_failures`` failures younger than ``window``;
    it becomes True again as they age out (a sliding window). ``succeeded(key)`` clears the key.
    In memory and per process: a restart forgets everything, and several workers each count
    their own. At most ``max_keys`` keys are kept; past that, keys whose failures have all aged
    out are dropped first, then a tenth of the keys, those with the oldest last failure.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_keys: int = 10_000,
    ) -> None:
        if max_failures < 1 or window <= 0 or max_keys < 1:
            raise ValueError("max_failures, window and max_keys must be positive")
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def allowed(self, key: str) -> bool:
        """True while ``key`` has fewer than ``max_failures`` recent failures."""
        with self._lock:
            times = self._recent(key, self._clock())
            return times is None or len(times) < self.max_failures

    def failed(self, key: str) -> None:
        """Count one failed attempt for ``key``."""
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            if times is None:
                if len(self._failures) >= self.max_keys:
                    self._make_room(now)
                times = self._failures[key] = deque(maxlen=self.max_failures)
            times.append(now)

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key`` (a successful login)."""
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        """The failures of ``key`` younger than the window (older ones removed), or None."""
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def _make_room(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        if len(self._failures) >= self.max_keys:
            # Drop a tenth at once, so that a flood of new keys does not sort on every call.
            excess = max(len(self._failures) - self.max_keys + 1, self.max_keys // 10)
            oldest = sorted(self._failures, key=lambda k: self._failures[k][-1])[:excess]
            for key in oldest:
                del self._failures[key]
