"""OpenVINO in fp32 (`backend: openvino`, `precision: fp32`) against Paddle Inference (`configs/cpu_paddle.json`):
the service's core (real photos, a thin banner, a turned page, bad images) answered alike, on both model
generations. This is what lets `backend: auto` put the CPU's models on OpenVINO (docs/models.md)."""

import os
import re

import cv2
import numpy as np
import pytest
from conftest import assert_ok, openvino_is_chosen, read_image
from test_hard_images import BANNER, banner

from ocr_engine.runtime.models import pinned_generation
from testkit.answers import assert_refused
from testkit.inputs import bad_requests, encode, encode_file
from testkit.rendering import squash
from testkit.server import MODULES, HubServer, post_json, shipped_config

PHOTOS = ("french.jpg", "chinese.jpg")
OPENVINO_FP32 = {"backend": "openvino", "precision": "fp32"}


@pytest.fixture(scope="module", params=["default", "PP-OCRv4", "PP-OCRv6"])
def servers(request, hub_home, tmp_path_factory):
    """OpenVINO in fp32 and the Paddle oneDNN config, on the default pair or pinned to one model generation, all seven
    modules each. The default pair's Paddle server is the session's shipped cpu_paddle.json."""
    version = request.param
    models = {} if version == "default" else pinned_generation(version)
    started = []
    try:
        bases = [("cpu.json", OPENVINO_FP32)] + ([("cpu_paddle.json", {})] if version != "default" else [])
        for base, runtime in bases:
            init_args = {name: dict(models, **runtime) for name in MODULES}
            workdir = str(tmp_path_factory.mktemp(base.split(".")[0]))
            started.append(HubServer.with_config(shipped_config(base, init_args), hub_home, workdir).wait_ready())
        paddle = started[1] if version != "default" else request.getfixturevalue("paddle_server")
        yield version, started[0], paddle
    finally:
        for server in started:
            server.stop()


def test_openvino_reads_the_photos_as_paddle_does(servers, data_dir):
    version, openvino, paddle = servers
    photos = [encode_file(os.path.join(data_dir, name)) for name in PHOTOS]
    ours = assert_ok(openvino.predict("ocr_system", photos))
    theirs = assert_ok(paddle.predict("ocr_system", photos))
    assert [[line["text"] for line in lines] for lines in ours] == [[line["text"] for line in lines]
                                                                    for lines in theirs]
    for mine, other in zip(ours, theirs):
        for a, b in zip(mine, other):
            assert abs(a["confidence"] - b["confidence"]) < 1e-3 and a["text_region"] == b["text_region"]
    french = [line["text"] for line in ours[0]]
    arts = "LES ARTS DECORATIFS" if version == "PP-OCRv4" else "LES ARTS DÉCORATIFS"
    assert "Palais du LOUVRE" in french and arts in french, french
    # Each stage's model came from the file OpenVINO reads: PP-OCRv4's Paddle programs, PP-OCRv6's ONNX files; the
    # default pair is PP-OCRv4's detector and PP-OCRv6's recogniser, with the shared classifier. The structure
    # models are the same in each: the layout and page orientation ONNX files and SLANet_plus's Paddle program.
    loaded = re.findall(r"loading model (\S+) \(.*backend='openvino'", openvino.log())
    assert len(loaded) == 6, openvino.log()
    onnx_files = 2 + {"PP-OCRv4": 0, "default": 1, "PP-OCRv6": 2}[version]
    assert sum(path.endswith(".onnx") for path in loaded) == onnx_files, loaded
    assert sum(path.endswith(".pdmodel") for path in loaded) == 6 - onnx_files, loaded


def test_openvino_reads_a_thin_banner_and_a_turned_page(servers, english):
    _, openvino, _ = servers
    assert read_image(openvino, banner(22)) == [squash(BANNER)]
    image, placed = english
    assert read_image(openvino, cv2.rotate(image, cv2.ROTATE_180)) == [squash(p.text) for p in placed]


def test_openvino_modules_each_answer(servers, english):
    _, openvino, paddle = servers
    image, _ = english
    for module, key in (("ocr_det", "text_region"), ("ocr_rec", "text"), ("ocr_cls", "angle")):
        ours, theirs = (assert_ok(server.predict(module, [encode(image)]))[0] for server in (openvino, paddle))
        assert [item[key] for item in ours] == [item[key] for item in theirs] and ours, (module, ours, theirs)
        if "confidence" in theirs[0]:
            assert all(abs(a["confidence"] - b["confidence"]) < 1e-3 for a, b in zip(ours, theirs)), module


def test_openvino_refuses_bad_images_in_plain_words_and_keeps_serving(servers, english):
    _, openvino, _ = servers
    image, placed = english
    for module, body, expected in bad_requests(image)[:4]:
        answer = post_json("%s/predict/%s" % (openvino.url, module), body, timeout=60)
        assert_refused(answer, expected)
    assert read_image(openvino, image) == [squash(p.text) for p in placed]


@pytest.mark.parametrize("backend", ["openvino", "paddle"])
def test_outputs_kept_from_one_run_are_not_overwritten_by_the_next(backend):
    # OpenVINO's outputs are its infer request's memory, reused by the next run: `outputs` must hand out copies
    # (`read` hands a reader that memory itself, for the recogniser's best columns).
    from ocr_engine import merge_params, runtime_options
    from ocr_engine.runtime import InputShapes, StageModel
    from ocr_engine.runtime.inference import copied
    from ocr_engine.runtime.models import ModelChoice

    if backend == "openvino" and not openvino_is_chosen():
        pytest.skip("OpenVINO does not run on this machine")
    options = runtime_options(merge_params({"backend": backend, "precision": "fp32", "preload": False}))
    shape = (6, 3, 48, 192)
    model = StageModel(ModelChoice("ch_ppocr_mobile_v2.0_cls", None, None), options, InputShapes(shape, shape, shape))
    first, second = (np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32) for seed in (0, 1))
    kept = model.outputs(first)
    as_given = {name: np.array(value) for name, value in kept.items()}
    later = model.outputs(second)
    assert not all(np.allclose(as_given[name], later[name]) for name in kept), "two batches gave the same outputs"
    assert all(np.array_equal(kept[name], as_given[name]) for name in kept), "the first run's outputs changed"
    again = model.read(first, copied)
    assert all(np.array_equal(as_given[name], again[name]) for name in kept)
