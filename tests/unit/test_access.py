"""The access checks' parts: keys read from their file as it changes, named or fingerprinted, compared whole,
presented as Bearer or Basic; files that cannot be used accept no key and say why; the sliding minute of the rate
limit, bounded; wrong keys throttled per address; metric labels from a fixed set; log lines kept on one line."""

import base64
import logging
import os

import pytest

from ocr_engine.serving import access
from ocr_engine.serving.access import (
    AccessOptions,
    Guard,
    KeyFile,
    RateLimiter,
    fingerprint,
    parse_keys,
    presented_key,
    with_cors,
)
from ocr_engine.serving.logs import escape_log_records, printable


def test_keys_are_read_again_when_the_file_changes(tmp_path):
    path = tmp_path / "keys"
    path.write_text("# the team's keys\nalpha-key-1\n\n  beta-key-2  \n")
    keys = KeyFile(str(path))
    assert keys.name_of("alpha-key-1") == fingerprint("alpha-key-1") and keys.name_of("beta-key-2")
    assert keys.name_of("alpha-key") is None and keys.name_of("alpha-key-10") is None
    assert keys.name_of("# the team's keys") is None
    path.write_text("beta-key-2\ngamma-key-3\n")
    os.utime(path, ns=(1, 1))  # a change the file's size alone would not show
    assert keys.name_of("alpha-key-1") is None and keys.name_of("gamma-key-3")


def test_a_key_file_names_its_keys_and_strips_a_byte_order_mark():
    pairs, problem = parse_keys("\ufeff# keys\nmobile-app: k-111\nbackend_2 :k-222\nk-333\n".encode("utf-8"))
    assert problem is None
    assert pairs == [(b"k-111", "mobile-app"), (b"k-222", "backend_2"), (b"k-333", fingerprint("k-333"))]


@pytest.mark.parametrize("data, problem", [
    ("alpha\n".encode("utf-16"), "it is UTF-16 text; save it as UTF-8"),
    (b"caf\xe9-key\n", "it is not UTF-8 text (byte 4)"),
    (b"a\x00b\n", "it holds NUL bytes, so it is not UTF-8 text"),
])
def test_a_key_file_that_cannot_be_decoded_holds_no_key_and_says_why(data, problem):
    assert parse_keys(data) == ([], problem)


def test_a_missing_or_unreadable_key_file_accepts_no_key_and_says_why(tmp_path):
    missing = KeyFile(str(tmp_path / "absent"))
    assert missing.name_of("anything") is None and "cannot be read (No such file or directory)" in missing.problem()
    folder = KeyFile(str(tmp_path))  # what compose mounts when deploy/api-keys is missing
    assert folder.name_of("anything") is None and "cannot be read (Is a directory)" in folder.problem()


def test_the_log_has_one_line_each_time_the_file_changes(tmp_path, caplog):
    path = tmp_path / "keys"
    path.write_bytes(b"\xe9\n")
    keys = KeyFile(str(path))
    with caplog.at_level(logging.INFO, logger="ocr_engine.serving.access"):
        for _ in range(3):
            keys.name_of("x")
        path.write_text("good-key\n")
        os.utime(path, ns=(2, 2))
        for _ in range(3):
            keys.name_of("x")
    assert [record.levelname for record in caplog.records] == ["ERROR", "INFO"], caplog.text


def test_an_empty_api_keys_file_is_refused_in_a_sentence():
    with pytest.raises(ValueError, match="^api_keys_file is empty, which names no file"):
        AccessOptions("", (), None)
    assert AccessOptions(None, (), None).api_keys_file is None


def test_a_fingerprint_names_a_key_without_holding_it_or_being_a_plain_hash():
    import hashlib

    assert fingerprint("alpha-key-1") == fingerprint("alpha-key-1") != fingerprint("alpha-key-2")
    assert fingerprint("alpha-key-1").startswith("key-") and "alpha" not in fingerprint("alpha-key-1")
    assert fingerprint("alpha-key-1")[4:] != hashlib.sha256(b"alpha-key-1").hexdigest()[:8]


def test_a_key_comes_as_bearer_or_as_basics_password():
    assert presented_key("Bearer abc123") == "abc123"
    assert presented_key("bearer  abc123 ") == "abc123"
    basic = base64.b64encode(b"demo:abc123").decode()
    assert presented_key("Basic " + basic) == "abc123"
    assert presented_key("Basic !!!") is None
    assert presented_key("Token abc123") is None
    assert presented_key(None) is None


def test_the_rate_is_a_sliding_minute_per_client():
    limiter = RateLimiter(2)
    assert limiter.wait("a", now=100.0) == 0 and limiter.wait("a", now=110.0) == 0
    assert limiter.wait("a", now=120.0) == 40  # the first of the two leaves the window at 160
    assert limiter.wait("b", now=120.0) == 0  # another client is not held back
    assert limiter.wait("a", now=160.5) == 0
    assert limiter.wait("c", now=160.5, count=False) == 0 and limiter.wait("c", now=160.5, count=False) == 0


def test_the_rate_limiter_remembers_a_bounded_number_of_clients(monkeypatch):
    monkeypatch.setattr(access, "MAX_CLIENTS", 50)
    limiter = RateLimiter(5)
    for n in range(500):  # all within one minute: none is quiet
        limiter.wait("client-%d" % n, now=100.0 + n / 100)
    assert len(limiter._seen) <= 50


def guard_for(tmp_path, **options):
    path = tmp_path / "keys"
    path.write_text("alpha: alpha-key\n")
    settings = AccessOptions(str(path), tuple(options.get("origins", ())), options.get("rate"))
    return Guard(lambda: settings, {"ocr_system": object()})


def test_wrong_keys_from_one_address_are_answered_429_for_the_rest_of_the_minute(tmp_path):
    guard = guard_for(tmp_path)
    wrong = {"Authorization": "Bearer guess"}.get
    codes = [guard.decide("POST", "/ocr", wrong, "10.0.0.9").refusal[0]
             for _ in range(access.FAILED_KEYS_PER_MINUTE + 2)]
    assert codes == [401] * access.FAILED_KEYS_PER_MINUTE + [429, 429], codes
    # Even the right key waits out the minute from that address; another address is served.
    right = {"Authorization": "Bearer alpha-key"}.get
    assert guard.decide("POST", "/ocr", right, "10.0.0.9").refusal[0] == 429
    verdict = guard.decide("POST", "/ocr", right, "10.0.0.10")
    assert verdict.refusal is None and verdict.client == "alpha"


def test_a_missing_key_is_not_a_failure_and_probes_need_none(tmp_path):
    guard = guard_for(tmp_path)
    for _ in range(access.FAILED_KEYS_PER_MINUTE + 5):
        assert guard.decide("POST", "/ocr", {}.get, "10.0.0.9").refusal[0] == 401
    assert guard.decide("GET", "/health", {}.get, "10.0.0.9").refusal is None
    assert guard.decide("OPTIONS", "/ocr", {"Origin": "https://a.test"}.get, "10.0.0.9").refusal is None  # preflight
    assert guard.decide("OPTIONS", "/ocr", {}.get, "10.0.0.9").refusal[0] == 401


def test_the_get_that_starts_a_demo_counts_against_the_rate_and_its_assets_do_not(tmp_path):
    guard = guard_for(tmp_path, rate=2)
    right = {"Authorization": "Bearer alpha-key"}.get
    for _ in range(5):
        assert guard.decide("GET", "/gradio/ocr_system/assets/a.js", right, "1.2.3.4").refusal is None
    assert [guard.decide("GET", "/gradio/ocr_system", right, "1.2.3.4").refusal is None for _ in range(3)] == [
        True, True, False]


def test_metric_labels_come_from_a_fixed_set(tmp_path):
    guard = guard_for(tmp_path)
    assert guard.route_label("/predict/ocr_system") == "ocr_system"
    assert guard.route_label("/ocr") == "/ocr" and guard.route_label("/layout-parsing") == "/layout-parsing"
    assert guard.route_label("/gradio/ocr_system/app") == "gradio"
    for made_up in ("/predict/nope", "/x" * 8000, "/predict/ocr_system/../../etc", "/\n[forged]"):
        assert guard.route_label(made_up) == "other"


def test_every_answer_varies_by_origin_when_origins_are_listed(tmp_path):
    guard = guard_for(tmp_path, origins=["https://app.example.com"])
    assert guard.cors_headers(None) == [("Vary", "Origin")]
    assert guard.cors_headers("https://evil.test") == [("Vary", "Origin")]
    assert guard.cors_headers("https://app.example.com") == [
        ("Access-Control-Allow-Origin", "https://app.example.com"), ("Vary", "Origin")]
    assert guard_for(tmp_path).cors_headers("https://app.example.com") == []
    assert with_cors([("Vary", "Accept-Encoding, origin"), ("Content-Type", "text/html")],
                     guard.cors_headers(None)) == [("Content-Type", "text/html"), ("Vary", "Accept-Encoding, Origin")]


def test_log_messages_are_kept_on_one_line():
    assert printable("GET /a\r\n[12:00] forged line\x1b[31m") == "GET /a\\r\\n[12:00] forged line\\x1b[31m"
    assert printable("Musée 中文 ok") == "Musée 中文 ok"
    original = logging.getLogRecordFactory()
    try:
        escape_log_records()
        record = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, "refused %s: %s",
                                                   ("/p\nforged", "why"), None)
        assert record.getMessage() == "refused /p\\nforged: why"
    finally:
        logging.setLogRecordFactory(original)


def test_where_no_front_decided_the_wsgi_layer_decides_before_the_body_is_read(tmp_path):
    """``http_front: paddlehub``: PaddleHub's own servers, no verdict in the environ."""
    from ocr_engine.serving.access import VERDICT, AccessGuard, Verdict
    from testkit import wsgi

    reached = []

    def app(environ, start_response):
        reached.append(environ["wsgi.input"].read())
        start_response("200 OK", [("Vary", "Accept-Encoding")])
        return [b"ok"]

    guarded = AccessGuard(app, guard_for(tmp_path, origins=["https://app.example.com"]))
    status, headers, body = wsgi.call(guarded, "/predict/ocr_system", b"{}" * 1000)
    assert status.startswith("401") and b"Authorization: Bearer <key>" in body and reached == []
    assert headers["Vary"] == "Origin" and headers["WWW-Authenticate"] == 'Bearer realm="OCR"'
    status, headers, body = wsgi.call(guarded, "/predict/ocr_system", b"{}", headers={
        "Authorization": "Bearer alpha-key"})
    assert status == "200 OK" and reached == [b"{}"] and headers["Vary"] == "Accept-Encoding, Origin"
    # The front's verdict, where it decided, is taken as it is: the key is not checked again.
    status, _, _ = wsgi.call(lambda environ, start: guarded(dict(environ, **{VERDICT: Verdict(None, "alpha", "")}),
                                                            start), "/predict/ocr_system", b"{}")
    assert status == "200 OK"
