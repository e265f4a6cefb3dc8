"""The HTTP front's pure parts: its options, its sentences, the JSON envelope and the body check, without a server
(tests/test_front.py serves)."""

import json
import math
import socket
import time

import pytest
from waitress import wasyncore

from ocr_engine import DEFAULTS, merge_params
from ocr_engine.options import read_view
from ocr_engine.serving import front
from ocr_engine.serving.envelopes import refusal
from ocr_engine.serving.front import FrontOptions, JSONBodies, body_problem, timeout_sentence, transport
from ocr_engine.serving.front.refusals import slow_body_sentence
from ocr_engine.serving.server import Server
from testkit import wsgi


def test_the_body_limit_is_just_above_what_the_image_limits_allow():
    images, size = DEFAULTS["max_images_per_request"], DEFAULTS["max_image_bytes"]
    base64_bytes = images * 4 * math.ceil(size / 3)
    assert base64_bytes < DEFAULTS["max_request_bytes"] < base64_bytes * 1.01


@pytest.mark.parametrize("option, value, sentence", [
    ("client_timeout", 0, "client_timeout must be a positive integer, got 0"),
    ("client_timeout", True, "client_timeout must be a positive integer, got True"),
    ("max_request_bytes", "1000", "max_request_bytes must be a positive integer, got '1000'"),
    ("http_front", "nginx", "http_front must be buffered or paddlehub, not 'nginx'"),
])
def test_options_are_checked(option, value, sentence):
    with pytest.raises(ValueError, match="^%s$" % sentence):
        read_view(FrontOptions, merge_params({option: value}))


def test_a_process_option_is_set_once_and_the_other_modules_take_it():
    process = Server()
    process.claim({})  # a module that sets none
    process.claim({"client_timeout": 5})
    process.claim({"client_timeout": 5, "http_front": "buffered", "metrics_port": 9100})
    process.claim({})
    with pytest.raises(ValueError, match="^client_timeout belongs to the whole server, and one module sets 5, "
                                         "another 30: set it once, in any one module's init_args"):
        process.claim({"client_timeout": 30})
    assert process.settings.front == FrontOptions("buffered", 5, DEFAULTS["min_body_rate"],
                                                  DEFAULTS["max_request_bytes"])
    assert process.settings.metrics_port == 9100


def test_a_refusal_is_the_services_json_with_its_status():
    status, headers, body = refusal(413, "too big")
    assert status == "413 Content Too Large"
    assert json.loads(body) == {"status": "101", "msg": "too big", "results": ""}
    assert ("Content-Length", str(len(body))) in headers and ("Content-Type", "application/json") in headers


def test_timeouts_say_which_part_stalled():
    options = FrontOptions("buffered", 30, 500, 1000)
    assert "its headers were not all in 30 s after they began (client_timeout)" in timeout_sentence(False, options)
    assert "its body stopped for 30 s before it was complete (client_timeout)" in timeout_sentence(True, options)
    assert ("its body came at 1200 bytes in 40 s, under the 500 bytes a second this server needs after the first 30 s "
            "(min_body_rate, client_timeout)") in slow_body_sentence(1200, 40.2, options)


@pytest.mark.parametrize("body, problem", [
    (b'{"images": []}', None),
    (b"[1, 2]", "the request body must be a JSON object such as {\"images\": [\"<base64>\", ...]}, not a list"),
    (b"null", "the request body must be a JSON object such as {\"images\": [\"<base64>\", ...]}, not null"),
    (b"12", "the request body must be a JSON object such as {\"images\": [\"<base64>\", ...]}, not a number"),
    (b'{"images": [', "the request body is not valid JSON (it breaks at byte 12): send {\"images\": [\"<base64>\", "
                      "...]}"),
    (b"{\"images\": [\"\x80\"]}", "the request body is not valid JSON: it is not UTF-8 text"),
    (b"[" * 100_000, "the request body is JSON nested too deeply to read (lists or objects inside each other): send "
                     "{\"images\": [\"<base64>\", ...]}"),
])
def test_body_problems_in_a_sentence(body, problem):
    assert body_problem(body) == problem


def call(app, path: str, body: bytes, content_type: str = "application/json"):
    status, _, answer = wsgi.call(app, path, body, content_type=content_type)
    return status, answer


def test_json_bodies_passes_good_requests_on_with_their_body_and_refuses_the_rest():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [environ["wsgi.input"].read()]

    guarded = JSONBodies(app)
    assert call(guarded, "/predict/ocr_system", b'{"images": []}') == ("200 OK", b'{"images": []}')
    assert call(guarded, "/gradio/ocr_system", b"anything", "text/plain") == ("200 OK", b"anything")
    status, body = call(guarded, "/predict/ocr_system", b'{"images": []}', "text/plain")
    assert status.startswith("415") and json.loads(body)["msg"].startswith("the request body must be JSON, sent")
    status, body = call(guarded, "/predict/ocr_system", b"[]")
    assert status.startswith("400") and json.loads(body)["status"] == "101"


def test_a_worker_leaves_new_connections_to_its_siblings_while_it_has_work_or_one_is_arriving():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    worker = front.Front(JSONBodies(lambda environ, start_response: []), FrontOptions("buffered", 30, 500, 1000),
                         sockets=[listener])
    server = worker.servers[0]
    try:
        assert server.readable() and not worker.leaves_connections_to_siblings()
        worker.requests.put(object())  # a request that has arrived and waits
        assert not server.readable()
        worker.requests.get()
        client = socket.create_connection(listener.getsockname())
        wasyncore.loop(timeout=1.0, map=worker.map, count=1)  # accepts it; no byte of its request is in
        assert worker.leaves_connections_to_siblings()
        time.sleep(transport.ARRIVAL_GRACE)
        assert not worker.leaves_connections_to_siblings(), "a client that stalls holds accepting back only briefly"
        client.close()
    finally:
        for channel in list(worker.map.values()):
            channel.close()
    alone = front.Front(JSONBodies(lambda environ, start_response: []), FrontOptions("buffered", 30, 500, 1000),
                        port=0, host="127.0.0.1")
    alone.requests.put(object())
    assert not alone.leaves_connections_to_siblings(), "the one process has no sibling to leave connections to"
    for channel in list(alone.map.values()):
        channel.close()
