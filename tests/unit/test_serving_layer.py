"""The serving layer without a server: start-up of a hub module, the in-process limits, base64 and image decoding,
and what importing the engine leaves alone."""

import base64
import subprocess
import sys
import time

import gunicorn.config
import numpy as np
import pytest

from ocr_engine.runtime.deadline import DeadlinePassed, check_deadline, deadline
from ocr_engine.serving import InputError, InputLimits, OCRHubModule
from ocr_engine.serving.images import decode_image_bytes, read_image_files
from ocr_engine.serving.process import WORKER_TIMEOUT_MARGIN
from ocr_engine.serving.sent import decode_base64
from testkit.inputs import png, png_bomb


class Shapes(OCRHubModule):
    """A module whose stage is the identity: it answers each image's shape."""

    read_params = staticmethod(lambda: {"max_images_per_request": 3})

    def build(self, params, runtime):
        self.built_with = (params, runtime)

    def answer(self, images):
        # A model run (StageModel.run) checks the deadline first; an image of height 1 stands for a slow one.
        for image in images:
            if image.shape[0] == 1:
                time.sleep(1.1)
            check_deadline()
        return [list(image.shape) for image in images]


def started(**init_args) -> Shapes:
    module = Shapes()
    module._initialize(**init_args)
    return module


def test_start_up_layers_defaults_params_py_and_init_args():
    module = started(max_image_pixels=10_000, cpu_threads=1)
    assert module.limits == InputLimits(max_images_per_request=3, max_image_bytes=20 * 1024 * 1024,
                                        max_image_pixels=10_000, max_request_pixels=200_000_000, request_timeout=300)
    params, runtime = module.built_with
    assert params["cpu_threads"] == 1 and runtime.cpu_threads == 1 and runtime is module.runtime
    with pytest.raises(ValueError, match="unknown option"):
        started(colour="red")


def test_in_process_predict_applies_the_request_limits(tmp_path):
    module = started(max_image_pixels=10_000, max_image_bytes=2048)
    small = np.zeros((10, 20, 3), np.uint8)
    assert module.predict(images=[small, small[:, :, 0]]) == [[10, 20, 3], [10, 20, 3]]
    with pytest.raises(InputError, match=r"^images holds 4 images, over the limit of 3 per request"):
        module.predict(images=[small] * 4)
    with pytest.raises(InputError, match=r"^image 1 of 1: is 200 x 100 pixels \(20000 pixels\), over the limit"):
        module.predict(images=[np.zeros((100, 200, 3), np.uint8)])
    noisy = tmp_path / "noisy.png"
    noisy.write_bytes(png(np.random.default_rng(0).integers(0, 255, (40, 40, 3), dtype=np.uint8)))
    with pytest.raises(InputError, match=r"noisy.png: is \d KB, over the limit of 2 KB per image \(max_image_bytes\)"):
        module.predict(paths=[str(noisy)])
    with pytest.raises(InputError, match="no image given"):
        module.predict()


def test_a_request_past_request_timeout_is_stopped_in_a_sentence():
    module = started(request_timeout=1)
    small, slow = np.zeros((10, 20, 3), np.uint8), np.zeros((1, 20, 3), np.uint8)
    assert module.predict(images=[small]) == [[10, 20, 3]]
    with pytest.raises(InputError, match=r"^the request was stopped after 1 s, the most one request may take "
                                         r"\(request_timeout\), before its 3 image\(s\) were read: send fewer"):
        module.predict(images=[small, slow, small])
    # The next request has its own time.
    assert module.predict(images=[small]) == [[10, 20, 3]]


def test_deadline_holds_only_inside_its_block():
    check_deadline()  # none set: nothing to pass
    with deadline(0.01):
        check_deadline()
        time.sleep(0.02)
        with pytest.raises(DeadlinePassed):
            check_deadline()
    check_deadline()


def test_gunicorn_would_wait_longer_than_request_timeout():
    # PaddleHub builds gunicorn's settings after the modules start: they must find the raised default.
    started(request_timeout=400)
    assert gunicorn.config.Timeout.default >= 400 + WORKER_TIMEOUT_MARGIN
    assert gunicorn.config.Timeout().value >= 400 + WORKER_TIMEOUT_MARGIN


def test_the_pixel_limit_must_be_given():
    with pytest.raises(TypeError):
        decode_image_bytes(png(np.zeros((4, 4, 3), np.uint8)), "image 1 of 1")
    with pytest.raises(ValueError, match="max_pixels must be a positive integer"):
        decode_image_bytes(png(np.zeros((4, 4, 3), np.uint8)), "image 1 of 1", None)
    with pytest.raises(TypeError):
        read_image_files([], 1000)


def test_a_pixel_bomb_is_refused_from_its_header():
    with pytest.raises(InputError, match=r"is 100000 x 100000 pixels .* \(max_image_pixels\)"):
        decode_image_bytes(png_bomb(), "image 1 of 1", 64_000_000)


@pytest.mark.parametrize("text", [
    base64.b64encode(b"\x89PNG abc").decode(),
    base64.urlsafe_b64encode(b"\x89PNG abc").decode().rstrip("="),
    "data:image/png;base64," + base64.b64encode(b"\x89PNG abc").decode(),
    base64.encodebytes(b"\x89PNG abc").decode(),
])
def test_base64_forms(text):
    assert decode_base64(text, "image 1 of 1", 1024) == b"\x89PNG abc"


@pytest.mark.parametrize("text, message", [
    ("iVBOR%w0KGgo=", "image 1 of 1: is not valid base64 ('%' at character 6)"),
    ("ab=c", "image 1 of 1: is not valid base64 ('=' at character 3)"),
    ("abcde", "image 1 of 1: is not valid base64 (its length, 5 characters, cannot be base64)"),
    ("ftp://host/a.png", "image 1 of 1: is a URL; the server never fetches URLs, send the image bytes base64-encoded"),
    ("A" * 2000, "image 1 of 1: is 1 KB, over the limit of 1023 bytes per image (max_image_bytes)"),
])
def test_base64_refusals(text, message):
    with pytest.raises(InputError) as err:
        decode_base64(text, "image 1 of 1", 1024 if len(text) < 2000 else 1023)
    assert str(err.value) == message


def test_importing_the_engine_changes_no_process_wide_setting():
    code = (
        "import logging, sys\n"
        "from PIL import Image\n"
        "limit = Image.MAX_IMAGE_PIXELS\n"
        "import ocr_engine, ocr_engine.stages, ocr_engine.runtime\n"
        "log = logging.getLogger('ocr_engine')\n"
        "assert 'paddlehub' not in sys.modules, 'the engine imported paddlehub'\n"
        "assert Image.MAX_IMAGE_PIXELS == limit and not log.handlers and log.propagate\n"
        "import ocr_engine.serving.process as p\n"
        "p.configure_process()\n"
        "assert Image.MAX_IMAGE_PIXELS is None and log.level == logging.INFO\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
