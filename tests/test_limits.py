"""The largest requests the limits allow (issue 16): answered by the one-process and the multiprocess config, or
refused in a sentence; never a killed gunicorn worker or an HTML page, and the server goes on as before."""

import concurrent.futures
import glob
import os

import cv2
import numpy as np
import pytest
from conftest import read_image, read_texts

from ocr_engine.options import DEFAULTS
from testkit.answers import assert_refused, is_refused
from testkit.inputs import encode, encode_file
from testkit.rendering import latin_font, render_lines, squash

MAX_IMAGES = DEFAULTS["max_images_per_request"]
MAX_PIXELS = DEFAULTS["max_image_pixels"]
# A dense page: 48 long lines, about 3 s of work on one core; 16 copies take a one-thread gunicorn worker past
# gunicorn's own 30 s default.
PAGE_LINES = [
    "Item %02d: %d pcs of part A-%03d at %d.%02d EUR each, shipped to warehouse %d on 2024-%02d-%02d, ref %05d, "
    "pallet %d bay %d" % (i, i % 7 + 1, 3 * i, 10 + i, (7 * i) % 100, i % 5, i % 12 + 1, i % 28 + 1,
                          997 * i % 100000, i % 9, i % 4)
    for i in range(1, 49)
]


@pytest.fixture(scope="module")
def heavy_page():
    image, placed = render_lines(PAGE_LINES, latin_font(), size=28)
    return image, [squash(p.text) for p in placed]


@pytest.fixture(scope="module")
def largest_requests(heavy_page, data_dir):
    """Name -> images: the photos together, the heavy page repeated to the image limit, and one image of the most
    pixels allowed (the page scaled up to 8000 px high, on a white 8000 x 8000 sheet)."""
    page, _ = heavy_page
    side = int(MAX_PIXELS ** 0.5)
    scaled = cv2.resize(page, (page.shape[1] * side // page.shape[0], side), interpolation=cv2.INTER_CUBIC)
    huge = np.full((side, side, 3), 255, np.uint8)
    huge[:, : scaled.shape[1]] = scaled
    photos = [encode_file(path) for path in sorted(glob.glob(os.path.join(data_dir, "*.jpg")))]
    return {
        "photos": photos,
        "page x %d" % MAX_IMAGES: [encode(page)] * MAX_IMAGES,
        "%d-pixel page" % (side * side): [encode(huge)],
    }


@pytest.mark.parametrize("config", ["one process", "multiprocess"])
def test_the_largest_requests_are_answered_and_no_worker_dies(request, config, largest_requests, heavy_page):
    server = request.getfixturevalue("server" if config == "one process" else "multiprocess_server")
    page, drawn = heavy_page
    alone = read_image(server, page)
    assert len(alone) == len(drawn) and sum(a == b for a, b in zip(alone, drawn)) >= 0.9 * len(drawn), alone
    pids = server.pids()
    # All at once: the multiprocess config's two one-thread workers each take some (one process takes them in turn).
    with concurrent.futures.ThreadPoolExecutor(len(largest_requests)) as pool:
        answers = dict(zip(largest_requests, pool.map(lambda images: server.predict("ocr_system", images, timeout=900),
                                                      largest_requests.values())))
    for name, images in largest_requests.items():
        answer = answers[name]
        if is_refused(answer):  # allowed, if the server cannot do it in request_timeout: then a sentence
            assert answer["msg"].startswith("the request was stopped after 300 s"), (name, answer)
            continue
        results = read_texts(answer)
        assert len(results) == len(images), name
        if name.startswith("page x"):
            assert results == [alone] * len(images), name
        if name.endswith("-pixel page"):
            read = results[0]
            assert len(set(read) & set(drawn)) >= 0.8 * len(drawn), (name, read)
    assert "WORKER TIMEOUT" not in server.log()
    assert server.pids() == pids, "a worker was killed and replaced"
    assert read_image(server, page) == alone


def test_a_request_past_request_timeout_is_refused_in_a_sentence(tight_server, heavy_page):
    server, _ = tight_server
    page, _ = heavy_page
    answer = server.predict("ocr_system", [encode(page)] * MAX_IMAGES)
    assert_refused(answer, (
        "the request was stopped after 1 s, the most one request may take (request_timeout), before its %d "
        "image(s) were read: send fewer or smaller images per request, or raise request_timeout in "
        "config.json's init_args" % MAX_IMAGES))
    # The server goes on: a request that fits in its second is read.
    small, placed = render_lines(["Total 12.50"], latin_font())
    assert read_image(server, small) == [squash(p.text) for p in placed]


def test_gunicorn_is_told_to_wait_longer_than_a_request(multiprocess_server):
    assert "gunicorn worker timeout and graceful stop (if gunicorn serves) set to 420 s" in multiprocess_server.log()
