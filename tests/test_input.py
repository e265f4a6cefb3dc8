"""What clients send, good, odd and bad, through `hub serving start`: odd images read right, bad requests get one
plain sentence naming the image or argument, and the server keeps serving."""

import base64
import json
import re

import cv2
import numpy as np
import pytest
import requests
from conftest import assert_ok, read_texts

from testkit.answers import assert_refused, is_refused
from testkit.inputs import ODD_LAYOUTS, b64, bad_requests, encode, png, png_bomb
from testkit.rendering import latin_font, render_lines, squash
from testkit.server import HubServer, post_json, shipped_config


@pytest.mark.parametrize("layout", sorted(ODD_LAYOUTS))
def test_odd_but_valid_images_read_like_the_original(server, english, layout):
    image, placed = english
    answer = server.predict("ocr_system", [b64(ODD_LAYOUTS[layout](image))])
    assert read_texts(answer) == [[squash(p.text) for p in placed]]


def test_data_url_line_breaks_and_url_safe_base64_are_accepted(server, english):
    image, placed = english
    raw = png(image)
    forms = [
        "data:image/png;base64," + b64(raw),
        base64.encodebytes(raw).decode("ascii"),  # 76-character lines, as `base64` and MIME write it
        base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="),
    ]
    assert read_texts(server.predict("ocr_system", forms)) == [[squash(p.text) for p in placed]] * 3


def test_tiny_very_wide_and_very_tall_images_are_answered(server, english):
    image, placed = english
    tall = np.vstack([image] * 8)  # 8 x 3 lines, 2368 px high
    wide = np.full((40, 12000, 3), 255, np.uint8)
    answer = server.predict("ocr_system", [b64(png(np.zeros((1, 1, 3), np.uint8))), b64(png(tall)), b64(png(wide))])
    one_pixel, tall_lines, wide_lines = read_texts(answer)
    assert one_pixel == [] and wide_lines == []
    assert tall_lines == [squash(p.text) for p in placed] * 8
    assert assert_ok(server.predict("ocr_det", [b64(png(np.zeros((1, 1, 3), np.uint8)))])) == [[]]


def test_bad_requests_get_one_plain_sentence_and_the_server_keeps_serving(server, english):
    image, placed = english
    for module, body, expected in bad_requests(image):
        assert_refused(post_json("%s/predict/%s" % (server.url, module), body, timeout=60), expected)
    assert read_texts(server.predict("ocr_system", [encode(image)])) == [[squash(p.text) for p in placed]]


def test_server_files_are_never_read_and_urls_never_fetched(server, tmp_path):
    secret = tmp_path / "secret.png"
    cv2.imwrite(str(secret), render_lines(["TOP SECRET"], latin_font())[0])
    answer = server.predict("ocr_system", [encode(np.full((8, 8, 3), 255, np.uint8))], paths=[str(secret)])
    assert_refused(answer, "paths is not accepted over HTTP: send the image bytes, base64-encoded, in images")
    answer = server.predict("ocr_system", ["file://" + str(secret)])
    assert_refused(answer, "image 1 of 1: is a URL; the server never fetches URLs, send the image bytes base64-encoded")
    # Base64 of the path itself is just bytes that are not an image.
    answer = server.predict("ocr_system", [b64(str(secret).encode())])
    assert "SECRET" not in json.dumps(answer) and str(tmp_path) not in assert_refused(answer)


def test_what_is_answered_before_the_module(server, english):
    """Documented in docs/api.md: these never reach a module. The HTTP front answers bodies that are not a JSON
    object in the service's JSON (Flask answered HTML pages), PaddleHub an unknown module."""
    url = server.url + "/predict/ocr_system"
    for body, content_type, code in (("not json", "application/json", 400), ("[1, 2]", "application/json", 400),
                                     ("images=x", "application/x-www-form-urlencoded", 415)):
        answer = requests.post(url, data=body, headers={"Content-Type": content_type})
        assert answer.status_code == code and is_refused(answer.json()), answer.text
    assert requests.post(server.url + "/predict/ocr_nothing", json={"images": []}).json()["status"] == "111"
    image, placed = english
    assert read_texts(server.predict("ocr_system", [encode(image)])) == [[squash(p.text) for p in placed]]


@pytest.fixture(scope="module")
def limited_server(hub_home, tmp_path_factory):
    """ocr_det alone, with every input limit set low in config.json's init_args."""
    limits = {"max_images_per_request": 2, "max_image_bytes": 4096, "max_image_pixels": 250_000}
    config = shipped_config("cpu.json", {"ocr_det": limits})
    config["modules_info"] = {"ocr_det": config["modules_info"]["ocr_det"]}
    with HubServer.with_config(config, hub_home, str(tmp_path_factory.mktemp("limits"))) as srv:
        yield srv


def test_limits_are_config_options_and_named_when_hit(limited_server):
    small = b64(png(np.full((100, 100, 3), 255, np.uint8)))
    noisy = b64(png(np.random.default_rng(0).integers(0, 255, (100, 100, 3), dtype=np.uint8)))
    large = b64(png(np.full((600, 500, 3), 255, np.uint8)))
    assert_refused(limited_server.predict("ocr_det", [small] * 3),
                   "images holds 3 images, over the limit of 2 per request (max_images_per_request)")
    answer = limited_server.predict("ocr_det", [small, noisy])
    expected = r"image 2 of 2: is \d\d KB, over the limit of 4 KB per image \(max_image_bytes\)"
    assert re.fullmatch(expected, assert_refused(answer)), answer
    assert_refused(limited_server.predict("ocr_det", [large]),
                   "image 1 of 1: is 500 x 600 pixels (0.3 megapixels), over the limit of 0.2 megapixels "
                   "(max_image_pixels)")
    assert assert_ok(limited_server.predict("ocr_det", [small, small])) == [[], []]


def test_a_failed_request_leaves_the_module_ready(server, english):
    image, placed = english
    expected = [[squash(p.text) for p in placed]]
    for body in ([b64(png_bomb())], ["bm90IGFuIGltYWdl"], [encode(image)[:5000]]):
        assert_refused(server.predict("ocr_system", body))
        assert read_texts(server.predict("ocr_system", [encode(image)])) == expected
