"""Clients that misbehave at the HTTP level, against the one-process config and the gunicorn config: stalled and
slow clients cost a connection, not the service; oversize bodies are refused from their Content-Length; the
modules answer right afterwards. Real servers, loopback, every loop bounded in count and time."""

import json
import os
import time

import pytest
from conftest import assert_ok, read_image

from testkit.answers import assert_refused
from testkit.inputs import encode, encode_file
from testkit.misbehaving import declared_length, drip_headers, oversize_body, post_raw, read_answer, stalled_connections
from testkit.rendering import squash
from testkit.server import HubServer, shipped_config

# Short, so that the tests wait seconds, not the default 30 s.
CLIENT_TIMEOUT = 4
CONFIGS = ["cpu.json", "cpu_multiprocess.json"]


@pytest.fixture(scope="module", params=CONFIGS)
def front_server(request, hub_home, tmp_path_factory):
    """A shipped config as it is, but for a short client_timeout, set in one module alone: the front is the whole
    server's, and the other modules take it."""
    config = shipped_config(request.param, {"ocr_rec": {"client_timeout": CLIENT_TIMEOUT}})
    with HubServer.with_config(config, hub_home, str(tmp_path_factory.mktemp("front"))) as server:
        yield request.param, server


def timed_read(server, image) -> float:
    started = time.monotonic()
    assert read_image(server, image)
    return time.monotonic() - started


def test_stalled_connections_do_not_hold_the_service(front_server, english):
    _, server = front_server
    image, placed = english
    usual = min(timed_read(server, image) for _ in range(2))
    with stalled_connections(server.port, 64):  # more than workers x threads of any config
        started = time.monotonic()
        assert read_image(server, image) == [squash(p.text) for p in placed]
        took = time.monotonic() - started
    assert took < usual + 2, (took, usual)


def test_slow_clients_are_cut_off_at_client_timeout_with_408(front_server):
    _, server = front_server
    started = time.monotonic()
    answers = drip_headers(server.port, clients=8, seconds=CLIENT_TIMEOUT + 8)
    took = time.monotonic() - started
    assert len(answers) == 8
    for status, body in answers:
        assert status == 408, (status, body)
        assert json.loads(body) == {"status": "101", "results": "", "msg": (
            "the request did not arrive in time: its headers were not all in %d s after they began (client_timeout); "
            "send the whole request without pausing" % CLIENT_TIMEOUT)}
    assert took < CLIENT_TIMEOUT + 4, took  # cut off at the timeout, not when the clients gave up
    assert server.log().count("(client_timeout)") >= 8


def test_a_stalled_body_is_cut_off_too(front_server):
    _, server = front_server
    status, body = post_raw(server.port, b'{"images": ["abc', declared=1000, wait=CLIENT_TIMEOUT + 6)
    assert status == 408 and "its body stopped for %d s" % CLIENT_TIMEOUT in json.loads(body)["msg"], body


def test_oversize_bodies_are_refused_and_memory_stays(front_server, data_dir):
    _, server = front_server
    before = server.rss()
    status, body = declared_length(server.port, 2 * 1024 ** 3)  # 2 GB announced, nothing sent
    assert status == 413, (status, body)
    msg = json.loads(body)["msg"]
    assert msg.startswith("the request body is 2147483648 bytes, over the limit of ") and "max_request_bytes" in msg
    answer = oversize_body(server.port, 300 * 1000 ** 2)  # 300 MB sent: under the body limit, over the images'
    assert "max_image_bytes" in assert_refused(answer)
    # The request's buffers are freed once its answer has gone out, just after the client has read it.
    deadline = time.monotonic() + 10
    while server.rss() - before >= 200 * 1024 ** 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert server.rss() - before < 200 * 1024 ** 2, (before, server.rss())
    photo = encode_file(os.path.join(data_dir, "french.jpg"))
    assert "Palais du LOUVRE" in [line["text"] for line in assert_ok(server.predict("ocr_system", [photo]))[0]]


def test_every_module_answers_after_the_misbehaving_clients(front_server, english):
    _, server = front_server
    image, placed = english
    assert read_image(server, image) == [squash(p.text) for p in placed]
    assert len(assert_ok(server.predict("ocr_det", [encode(image)]))[0]) == len(placed)
    crop = image[placed[0].box[1]:placed[0].box[3], placed[0].box[0]:placed[0].box[2]]
    assert squash(assert_ok(server.predict("ocr_rec", [encode(crop)]))[0][0]["text"]) == squash(placed[0].text)
    assert assert_ok(server.predict("ocr_cls", [encode(crop)]))[0][0]["angle"] == "0"


@pytest.mark.parametrize("body, content_type, status, sentence", [
    (b"not json", "application/json", 400, "the request body is not valid JSON"),
    (b"[1, 2]", "application/json", 400, "the request body must be a JSON object"),
    (b"null", "application/json", 400, "the request body must be a JSON object"),
    (b'{"images": []}', "text/plain", 415, "the request body must be JSON, sent with Content-Type: application/json"),
])
def test_bodies_flask_answered_in_html_get_the_services_json(front_server, body, content_type, status, sentence):
    _, server = front_server
    code, answer = read_answer(server.port, "/predict/ocr_system", body, content_type)
    assert code == status and json.loads(answer)["msg"].startswith(sentence), (code, answer)
