"""The access checks' parts: keys read from their file as it changes, compared whole, presented as Bearer or
Basic; the sliding minute of the rate limit; fingerprints that do not give the key away."""

import base64
import os

from ocr_engine.serving.access import KeyFile, RateLimiter, fingerprint, presented_key


def test_keys_are_read_again_when_the_file_changes(tmp_path):
    path = tmp_path / "keys"
    path.write_text("# the team's keys\nalpha-key-1\n\n  beta-key-2  \n")
    keys = KeyFile(str(path))
    assert keys.match("alpha-key-1") and keys.match("beta-key-2")
    assert not keys.match("alpha-key") and not keys.match("alpha-key-10") and not keys.match("# the team's keys")
    path.write_text("beta-key-2\ngamma-key-3\n")
    os.utime(path, ns=(1, 1))  # a change the file's size alone would not show
    assert not keys.match("alpha-key-1") and keys.match("gamma-key-3")


def test_a_missing_key_file_accepts_no_key(tmp_path):
    assert not KeyFile(str(tmp_path / "absent")).match("anything")


def test_a_key_comes_as_bearer_or_as_basics_password():
    assert presented_key({"HTTP_AUTHORIZATION": "Bearer abc123"}) == "abc123"
    assert presented_key({"HTTP_AUTHORIZATION": "bearer  abc123 "}) == "abc123"
    basic = base64.b64encode(b"demo:abc123").decode()
    assert presented_key({"HTTP_AUTHORIZATION": "Basic " + basic}) == "abc123"
    assert presented_key({"HTTP_AUTHORIZATION": "Basic !!!"}) is None
    assert presented_key({"HTTP_AUTHORIZATION": "Token abc123"}) is None
    assert presented_key({}) is None


def test_the_rate_is_a_sliding_minute_per_client():
    limiter = RateLimiter(2)
    assert limiter.wait("a", now=100.0) == 0 and limiter.wait("a", now=110.0) == 0
    assert limiter.wait("a", now=120.0) == 40  # the first of the two leaves the window at 160
    assert limiter.wait("b", now=120.0) == 0  # another client is not held back
    assert limiter.wait("a", now=160.5) == 0


def test_a_fingerprint_names_a_key_without_holding_it():
    assert fingerprint("alpha-key-1") == fingerprint("alpha-key-1") != fingerprint("alpha-key-2")
    assert fingerprint("alpha-key-1").startswith("key-") and "alpha" not in fingerprint("alpha-key-1")
