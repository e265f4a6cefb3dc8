"""Property-based fuzzing of the decode-and-validate layer (hypothesis), in-process and through the running service.

Whatever a client sends, the answer is either every image decoded, in order, or one InputError sentence that names
what is wrong and shows no internals. Cases are derived from valid files of every supported format by flipping,
cutting, inserting and overwriting bytes, plus JSON values of the wrong type. The number of cases is bounded for
`make test`; FUZZ_EXAMPLES=5000 runs a longer campaign.
"""

import io
import os

import numpy as np
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ocr_engine.serving import InputError, InputLimits
from ocr_engine.serving.process import configure_process
from ocr_engine.serving.sent import predict_files
from ocr_engine.serving.service import Service
from testkit.answers import is_refused
from testkit.inputs import INTERNALS, b64

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
LIMITS = InputLimits(max_images_per_request=4, max_image_bytes=64 * 1024, max_image_pixels=1_000_000,
                     max_request_pixels=4_000_000, request_timeout=300)
# As a serving process is, so that the pixel limit, not Pillow's own guard, refuses a header that lies about size.
configure_process()


def seed_files() -> list:
    """A small picture with some structure, saved in every format the server reads."""
    rng = np.random.default_rng(7)
    picture = Image.fromarray(rng.integers(0, 255, (24, 40, 3), dtype=np.uint8))
    files = []
    for fmt, mode in [("PNG", "RGB"), ("PNG", "RGBA"), ("PNG", "P"), ("JPEG", "RGB"), ("GIF", "P"), ("BMP", "RGB"),
                      ("TIFF", "RGB"), ("WEBP", "RGB"), ("PPM", "RGB"), ("PNG", "I;16")]:
        buf = io.BytesIO()
        picture.convert(mode).save(buf, fmt)
        files.append(buf.getvalue())
    return files


SEEDS = seed_files()


@st.composite
def mutated_file(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "overwrite"]))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[at : at + len(chunk)] = chunk
    return bytes(data)


files = mutated_file().map(b64)
odd_items = st.one_of(
    st.binary(max_size=64).map(b64),
    st.text(max_size=40),
    st.sampled_from(["data:image/png;base64,", "http://127.0.0.1/x.png", "=", "====", "A"]),
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
# Most cases are damaged image files, the part with the most ways to go wrong; the rest are malformed requests.
image_requests = st.fixed_dictionaries({"images": st.lists(files, min_size=1, max_size=3)})
malformed_requests = st.fixed_dictionaries(
    {"images": st.one_of(st.lists(st.one_of(files, odd_items), max_size=5), odd_items)},
    optional={"paths": st.lists(st.text(max_size=10), max_size=2), "use_gpu": st.one_of(st.booleans(), st.integers()),
              "extra": st.integers()},
)
requests_bodies = st.one_of(image_requests, image_requests, image_requests, malformed_requests)


def check_message(message: str) -> None:
    assert message and "\n" not in message and not INTERNALS.search(message), message


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(requests_bodies)
def test_decoding_any_request_gives_images_or_one_plain_sentence(body):
    try:
        with Service("ocr_rec", LIMITS, None).request(1) as request:
            decoded = request.decode(predict_files(body, use_gpu=False))
    except InputError as err:
        check_message(str(err))
        return
    assert set(body) == {"images"} and len(decoded) == len(body["images"]) >= 1
    for image in (file.pages[0].image for file in decoded):
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3 and min(image.shape[:2]) >= 1


@settings(max_examples=max(20, EXAMPLES // 10), deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(body=requests_bodies)
def test_the_service_answers_any_request_in_its_own_shape(server, body):
    response = requests.post(server.url + "/predict/ocr_system", json=body, timeout=120)
    assert response.status_code == 200, response.text[:300]
    answer = response.json()
    assert set(answer) == {"status", "msg", "results"}
    if is_refused(answer):
        check_message(answer["msg"])
    else:
        assert answer["status"] == "000" and len(answer["results"]) == len(body["images"]), answer
