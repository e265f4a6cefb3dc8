"""Safe to expose (issue 39) on the running service: API keys from a file re-read as it changes, 401 in each API's
envelope, the probes open, CORS for listed origins only, per-key rate limits with Retry-After, and no key in the
log."""

import base64
import os

import pytest
from test_web_demo import EXAMPLES, browser, needs_browser, open_demo, read_file  # noqa: F401 (browser: a fixture)

from testkit.inputs import encode
from testkit.server import HubServer, exchange, free_port, get_text, shipped_config

KEYS = {"alpha": "alpha-7f3c9e1b2d4a", "beta": "beta-0a9b8c7d6e5f", "gamma": "gamma-1122334455aa"}
ORIGIN = "https://app.example.com"
RATE = 4


@pytest.fixture(scope="module")
def keys_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "api-keys"
    path.write_text("alpha: %s\n%s\n" % (KEYS["alpha"], KEYS["beta"]))  # alpha named, beta bare
    return path


@pytest.fixture(scope="module")
def guarded(hub_home, keys_file, tmp_path_factory):
    """ocr_system and structure_system with keys, one listed origin and a rate limit, and a status port."""
    metrics_port = free_port()
    access = {"api_keys_file": str(keys_file), "cors_origins": [ORIGIN], "rate_limit_per_minute": RATE,
              "metrics_port": metrics_port}
    config = shipped_config("cpu.json", {"ocr_system": access})
    config["modules_info"] = {name: config["modules_info"][name] for name in ("ocr_system", "structure_system")}
    with HubServer.with_config(config, hub_home, str(tmp_path_factory.mktemp("guarded"))) as server:
        server.wait_status_ready(metrics_port)
        yield server, metrics_port


def bearer(name):
    return {"Authorization": "Bearer " + KEYS[name]}


def predict(server, image, headers):
    return exchange(server.url + "/predict/ocr_system", body={"images": [encode(image)]}, headers=headers)


def ocr(server, image, headers):
    return exchange(server.url + "/ocr", body={"file": encode(image), "visualize": False}, headers=headers)


def test_no_key_a_wrong_key_are_refused_in_both_envelopes_and_a_right_key_is_served(guarded, english):
    server, _ = guarded
    image, placed = english
    for headers, sentence in (({}, "this server needs an API key: send the header Authorization: Bearer <key>"),
                              ({"Authorization": "Bearer not-a-key"}, "the API key sent is not one this server "
                                                                      "accepts")):
        status, sent, answer = predict(server, image, headers)
        assert status == 401 and answer == {"status": "101", "msg": sentence, "results": ""}, answer
        assert sent["WWW-Authenticate"] == 'Bearer realm="OCR"'
        status, _, answer = ocr(server, image, headers)
        assert status == 401 and answer["errorCode"] == 401 and answer["errorMsg"] == sentence, answer
        status, _, answer = exchange(server.url + "/layout-parsing", body={"file": encode(image)}, headers=headers)
        assert status == 401 and answer["errorMsg"] == sentence
    status, _, answer = predict(server, image, bearer("alpha"))
    assert status == 200 and [line["text"] for line in answer["results"][0]] == [p.text for p in placed]
    status, _, answer = ocr(server, image, bearer("beta"))
    assert status == 200 and answer["result"]["ocrResults"][0]["prunedResult"]["rec_texts"]


def test_a_key_added_or_revoked_in_the_file_counts_without_a_restart(guarded, keys_file, english):
    server, _ = guarded
    image, _ = english
    assert predict(server, image, bearer("gamma"))[0] == 401
    keys_file.write_text("alpha: %s\n%s\n" % (KEYS["alpha"], KEYS["gamma"]))  # gamma added, beta revoked
    assert predict(server, image, bearer("gamma"))[0] == 200
    status, _, answer = predict(server, image, bearer("beta"))
    assert status == 401 and answer["msg"] == "the API key sent is not one this server accepts"
    keys_file.write_text("alpha: %s\n%s\n" % (KEYS["alpha"], KEYS["beta"]))


def test_the_probes_answer_without_a_key(guarded):
    server, metrics_port = guarded
    assert get_text(server.url + "/health")[0] == 200
    assert get_text(server.url + "/")[0] == 200
    for path in ("/ready", "/live", "/metrics"):
        assert get_text("http://127.0.0.1:%d%s" % (metrics_port, path))[0] == 200, path


def test_cors_preflight_answers_listed_origins_only(guarded, english):
    server, _ = guarded
    asked = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}
    status, headers, _ = exchange(server.url + "/ocr", method="OPTIONS", headers=asked)
    assert status == 204 and headers["Access-Control-Allow-Origin"] == ORIGIN, headers
    assert "Authorization" in headers["Access-Control-Allow-Headers"] and "POST" in headers[
        "Access-Control-Allow-Methods"]
    status, headers, _ = exchange(server.url + "/ocr", method="OPTIONS", headers=dict(asked, Origin="https://evil.test"))
    assert not any(name.lower().startswith("access-control-") for name in headers), headers
    image, _ = english
    status, headers, _ = predict(server, image, dict(bearer("alpha"), Origin=ORIGIN))
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN


def test_past_the_rate_a_key_gets_429_and_another_key_is_served(guarded, keys_file, english):
    server, metrics_port = guarded
    image, _ = english
    # A key of its own, whose minute no earlier test has spent.
    omega = {"Authorization": "Bearer omega-3c4d5e6f7a8b"}
    keys_file.write_text("alpha: %s\n%s\nomega: omega-3c4d5e6f7a8b\n" % (KEYS["alpha"], KEYS["beta"]))
    try:
        answers = [predict(server, image, omega) for _ in range(RATE + 1)]
        assert [status for status, _, _ in answers] == [200] * RATE + [429]
        status, headers, answer = answers[-1]
        assert 1 <= int(headers["Retry-After"]) <= 60
        assert answer["msg"].endswith("(rate_limit_per_minute): retry in %s s" % headers["Retry-After"]), answer
        status, _, answer = ocr(server, image, omega)
        assert status == 429 and answer["errorCode"] == 429
        assert predict(server, image, bearer("beta"))[0] == 200
    finally:
        keys_file.write_text("alpha: %s\n%s\n" % (KEYS["alpha"], KEYS["beta"]))
    metrics = get_text("http://127.0.0.1:%d/metrics" % metrics_port)[1]
    assert 'ocr_requests_total{module="ocr_system",outcome="refused"}' in metrics
    # Each key by the name the key file gives it: omega's refusals past the rate among them.
    assert 'ocr_key_requests_total{key="omega",outcome="refused"}' in metrics
    assert all(key not in metrics for key in list(KEYS.values()) + ["omega-3c4d5e6f7a8b"])


@needs_browser
def test_the_web_demo_reads_a_photo_once_the_browser_has_the_key(guarded, keys_file, browser):  # noqa: F811
    import re

    server, _ = guarded
    # A key of its own, with its minute to spend: the GET that starts the demo, the upload and the read count.
    keys_file.write_text("alpha: %s\n%s\ndelta: delta-5e6f7a8b9c0d\n" % (KEYS["alpha"], KEYS["beta"]))
    try:
        page, elsewhere = open_demo(browser, server, credentials={"username": "me", "password": "delta-5e6f7a8b9c0d"})
        read_file(page, os.path.join(EXAMPLES, "french.jpg"))
        page.wait_for_selector("#table td:has-text('Palais du LOUVRE')", timeout=120_000)
        assert elsewhere == []
        page.close()
    finally:
        keys_file.write_text("alpha: %s\n%s\n" % (KEYS["alpha"], KEYS["beta"]))
    # The page's read is logged and counted under the key that asked, like a client's.
    assert re.search(r"ocr_system: ok, .*, delta$", server.log(), re.M)


def test_the_web_demo_asks_a_browser_for_the_key(guarded):
    server, _ = guarded
    status, headers, answer = exchange(server.url + "/gradio/ocr_system", method="GET")
    assert status == 401 and headers["WWW-Authenticate"] == 'Basic realm="OCR web demo"'
    assert answer["msg"].endswith("(in a browser, the key is the password the browser asks for)")
    basic = base64.b64encode(("me:" + KEYS["alpha"]).encode()).decode()
    status, _, _ = exchange(server.url + "/gradio/ocr_system", method="GET",
                            headers={"Authorization": "Basic " + basic}, timeout=120)
    assert status != 401


def test_the_log_holds_no_key_but_names_keys_by_name_or_a_keyed_fingerprint(guarded):
    import hashlib
    import re

    server, _ = guarded
    log = server.log()
    for key in list(KEYS.values()) + ["not-a-key"]:
        assert key not in log
    assert re.search(r"ocr_system: ok, .*, alpha$", log, re.M)  # each served request's line names its key
    # A bare key by an HMAC under the server's own secret: not the plain hash anyone could compute from a guess.
    named = set(re.findall(r"ocr_system: ok, .*, (key-[0-9a-f]{8})$", log, re.M))  # beta's, and gamma's
    plain = {"key-" + hashlib.sha256(KEYS[name].encode()).hexdigest()[:8] for name in ("beta", "gamma")}
    assert named and not named & plain, (named, plain)
