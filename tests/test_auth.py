"""Login primitives: argon2id hashes, password and user-name rules, CSRF tokens, the throttle
(with a fake clock)."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from argon2 import PasswordHasher

from veille import auth
from veille.auth import (
    COMMON_PASSWORDS,
    LoginThrottle,
    check_new_password,
    check_username,
    csrf_ok,
    hash_password,
    needs_rehash,
    new_csrf_token,
    verify_password,
)
from veille.errors import ConfigError

GOOD = "cheval correct agrafe pile"

# -- hashes ------------------------------------------------------------------------------------


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first = hash_password(GOOD)
    second = hash_password(GOOD)
    assert first.startswith("$argon2id$v=19$")
    assert GOOD not in first
    assert first != second  # a fresh salt each time
    assert verify_password(first, GOOD)
    assert verify_password(second, GOOD)
    assert not needs_rehash(first)


def test_wrong_password_is_false() -> None:
    stored = hash_password(GOOD)
    assert not verify_password(stored, GOOD + " ")
    assert not verify_password(stored, GOOD.upper())
    assert not verify_password(stored, "")


@pytest.mark.parametrize(
    "broken",
    [
        "",
        "not a hash",
        "$argon2id$v=19$m=65536,t=3,p=4$",
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$!!!!",
        "$2b$12$abcdefghijklmnopqrstuuKz0vZ3wE0qv6o8yJqIY8A0nY4j2Yq1e",  # bcrypt
        "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",  # below minimums
        "\x00",
    ],
)
def test_invalid_hash_is_false_never_raises(broken: str) -> None:
    assert verify_password(broken, GOOD) is False
    assert needs_rehash(broken) is True


def test_unicode_password_is_normalised() -> None:
    composed = "élève-ingénieur-2026"
    decomposed = "e\u0301le\u0300ve-inge\u0301nieur-2026"
    assert composed != decomposed
    assert verify_password(hash_password(composed), decomposed)
    assert verify_password(hash_password(decomposed), composed)


def test_weaker_parameters_need_rehash() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(GOOD)
    assert verify_password(old, GOOD)
    assert needs_rehash(old)
    assert not needs_rehash(hash_password(GOOD))


def test_hash_of_a_long_password() -> None:
    long = "x" * 100_000
    stored = hash_password(long)
    assert verify_password(stored, long)
    assert not verify_password(stored, long[:-1])


# -- password and user-name rules --------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["", "court", "onze carac.", "a" * 11, "é" * 11, "e\u0301" * 6]
)
def test_short_password_refused(password: str) -> None:
    with pytest.raises(ConfigError, match="at least 12") as info:
        check_new_password(password)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "password",
    ["motdepasse123", "azertyuiop12", "password1234", "123456789012", "MotDePasse123"],
)
def test_common_password_refused(password: str) -> None:
    with pytest.raises(ConfigError, match="most common") as info:
        check_new_password(password)
    assert "\n" not in str(info.value)


def test_common_list_is_lowercase_and_long_enough_to_matter() -> None:
    assert len(COMMON_PASSWORDS) >= 30
    for password in COMMON_PASSWORDS:
        assert password == password.lower()
        assert len(password) >= auth.MIN_PASSWORD, password


@pytest.mark.parametrize("password", [GOOD, "a" * 12, "Formation2026!", "   espaces   "])
def test_acceptable_password(password: str) -> None:
    check_new_password(password)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("marie.dupont", "marie.dupont"),
        ("  Marie.Dupont@CFA-Exemple.fr \n", "marie.dupont@cfa-exemple.fr"),
        ("a", "a"),
        ("x" * 64, "x" * 64),
        ("jean_paul-2", "jean_paul-2"),
    ],
)
def test_username_normalised(given: str, expected: str) -> None:
    assert check_username(given) == expected


@pytest.mark.parametrize(
    "given",
    ["", "   ", "x" * 65, "marie dupont", "josé", "a/b", "a\nb", "<script>", "admin;--", "ｍarie"],
)
def test_username_refused(given: str) -> None:
    with pytest.raises(ConfigError, match="not a valid user name") as info:
        check_username(given)
    assert "\n" not in str(info.value)


# -- CSRF --------------------------------------------------------------------------------------


def test_csrf_token_is_random_and_url_safe() -> None:
    tokens = {new_csrf_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)


def test_csrf_ok() -> None:
    token = new_csrf_token()
    assert csrf_ok(token, token)
    assert csrf_ok(token, str(token))
    assert not csrf_ok(token, new_csrf_token())
    assert not csrf_ok(token, token[:-1])
    assert not csrf_ok(token, token + "x")
    assert not csrf_ok(None, token)
    assert not csrf_ok(token, None)
    assert not csrf_ok(None, None)
    assert not csrf_ok("", "")
    assert not csrf_ok(token, "")
    assert not csrf_ok(token, "é")  # non-ASCII: False, not a TypeError from compare_digest
    assert csrf_ok("é", "é")


# -- throttle ----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_throttle_blocks_after_max_failures_in_window() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(max_failures=3, window=60.0, clock=clock)
    for _ in range(2):
        assert throttle.allowed("marie")
        throttle.failed("marie")
        clock.now += 1
    assert throttle.allowed("marie")
    throttle.failed("marie")
    assert not throttle.allowed("marie")
    assert throttle.allowed("paul")  # keys are independent
    assert throttle.allowed("10.0.0.1")


def test_throttle_window_slides() -> None:
    clock = FakeClock(0.0)
    throttle = LoginThrottle(max_failures=3, window=60.0, clock=clock)
    for t in (0.0, 10.0, 20.0):
        clock.now = t
        throttle.failed("k")
    clock.now = 59.9
    assert not throttle.allowed("k")
    clock.now = 60.0  # the failure at 0 is now exactly one window old: it no longer counts
    assert throttle.allowed("k")
    throttle.failed("k")
    assert not throttle.allowed("k")
    clock.now = 70.0
    assert throttle.allowed("k")
    clock.now = 200.0
    assert throttle.allowed("k")
    assert "k" not in throttle._failures  # forgotten once every failure aged out


def test_throttle_success_clears_the_key() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(max_failures=2, window=300.0, clock=clock)
    throttle.failed("marie")
    throttle.failed("marie")
    assert not throttle.allowed("marie")
    throttle.succeeded("marie")
    assert throttle.allowed("marie")
    throttle.succeeded("never-seen")  # no error


def test_throttle_defaults() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(4):
        throttle.failed("ip")
    assert throttle.allowed("ip")
    throttle.failed("ip")
    assert not throttle.allowed("ip")
    clock.now += 299.0
    assert not throttle.allowed("ip")
    clock.now += 1.0
    assert throttle.allowed("ip")


def test_throttle_failures_while_blocked_extend_the_block() -> None:
    clock = FakeClock(0.0)
    throttle = LoginThrottle(max_failures=2, window=100.0, clock=clock)
    throttle.failed("k")
    clock.now = 50.0
    throttle.failed("k")
    clock.now = 90.0
    throttle.failed("k")  # an attempt the app refused can still be counted
    clock.now = 100.0
    assert not throttle.allowed("k")  # 50 and 90 are within the window
    clock.now = 149.0
    assert not throttle.allowed("k")
    clock.now = 150.0
    assert throttle.allowed("k")


def test_throttle_memory_is_bounded() -> None:
    clock = FakeClock(0.0)
    throttle = LoginThrottle(max_failures=5, window=300.0, clock=clock, max_keys=100)
    for i in range(1_000):
        clock.now = float(i)
        throttle.failed(f"user{i}")
    assert len(throttle._failures) <= 100
    assert "user999" in throttle._failures  # the newest keys are kept
    assert "user0" not in throttle._failures
    for _ in range(1_000):
        throttle.failed("same")
    assert len(throttle._failures["same"]) == 5  # at most max_failures times per key


def test_throttle_forgets_aged_keys_before_dropping_recent_ones() -> None:
    clock = FakeClock(0.0)
    throttle = LoginThrottle(max_failures=2, window=10.0, clock=clock, max_keys=3)
    throttle.failed("old1")
    throttle.failed("old2")
    clock.now = 5.0
    throttle.failed("recent")
    throttle.failed("recent")
    clock.now = 12.0  # old1 and old2 aged out; "recent" still blocked
    throttle.failed("new")
    assert set(throttle._failures) == {"recent", "new"}
    assert not throttle.allowed("recent")


@pytest.mark.parametrize(
    "kwargs", [{"max_failures": 0}, {"window": 0.0}, {"window": -1.0}, {"max_keys": 0}]
)
def test_throttle_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        LoginThrottle(**kwargs)


def test_throttle_is_thread_safe() -> None:
    throttle = LoginThrottle(max_failures=10_000, window=3600.0)
    barrier = threading.Barrier(8)

    def hammer() -> None:
        barrier.wait()
        for i in range(500):
            throttle.failed("shared")
            throttle.allowed("shared")
            throttle.failed(f"t{threading.get_ident()}-{i % 7}")

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(throttle._failures["shared"]) == 8 * 500
    assert throttle.allowed("shared")
