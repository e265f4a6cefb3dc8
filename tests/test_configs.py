"""`hub serving start -c`: the shipped configs, your own exported models, and start-up errors in plain words."""

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import openvino_is_chosen, read_image

from ocr_engine.runtime import resolve_model_dir
from testkit.answers import assert_refused
from testkit.inputs import encode
from testkit.rendering import squash
from testkit.server import MODULES, REPO, HubServer, shipped_config, start_failures


def test_multiprocess_config_serves_concurrent_clients(multiprocess_server, english):
    image, placed = english
    expected = [squash(p.text) for p in placed]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: read_image(multiprocess_server, image), range(8)))
    assert answers == [expected] * 8
    # gunicorn workers each build their own predictors after the fork, each model once per worker: the three OCR
    # models and the three structure models.
    loads = re.findall(r"loading model (\S+) \(.*cpu_threads=1[,)]", multiprocess_server.log())
    assert len(loads) == 6 * 2, loads


@pytest.fixture(scope="module")
def exported_models(tmp_path_factory):
    """A paddle 3 export (inference.json) of the detector, and the recogniser renamed to model.pdmodel."""
    root = tmp_path_factory.mktemp("exported")
    det = str(root / "det_pir")
    subprocess.run([sys.executable, "-m", "testkit.pir_export", resolve_model_dir("PP-OCRv4_mobile_det"), det],
                   check=True, capture_output=True, timeout=300)
    assert sorted(os.listdir(det)) == ["inference.json", "inference.pdiparams"]
    rec = str(root / "rec_legacy")
    os.makedirs(rec)
    bundled = resolve_model_dir("PP-OCRv4_mobile_rec")
    for ext in ("pdmodel", "pdiparams"):
        shutil.copy(os.path.join(bundled, "inference." + ext), os.path.join(rec, "model." + ext))
    return det, rec


def test_own_exported_models_in_both_formats(hub_home, exported_models, english, tmp_path):
    det, rec = exported_models
    # paddle 3.3.1's oneDNN kernels cannot run this PIR program (see the next test), so it runs on plain kernels.
    # Exports of PP-OCRv4 without an inference.yml: ocr_version names whose character list they read with.
    init_args = {"ocr_system": {"det_model_dir": det, "rec_model_dir": rec, "ocr_version": "PP-OCRv4",
                                "enable_mkldnn": False}}
    with HubServer.with_config(shipped_config("cpu.json", init_args), hub_home, str(tmp_path)) as server:
        image, placed = english
        assert read_image(server, image) == [squash(p.text) for p in placed]
        loaded = dict(re.findall(r"loading model (\S+) \(PredictorOptions\(backend='(\w+)'", server.log()))
        # backend auto: OpenVINO cannot read a PIR program, so the detector falls back to Paddle, saying so.
        assert loaded[os.path.join(det, "inference.json")] == "paddle"
        assert "model %s runs on paddle fp32 (backend auto: its folder holds no program OpenVINO reads" % det \
            in server.log()
        assert loaded[os.path.join(rec, "model.pdmodel")] == ("openvino" if openvino_is_chosen() else "paddle")


def test_a_model_openvino_fails_to_load_runs_on_paddle_saying_why(hub_home, exported_models, english, tmp_path):
    det, _ = exported_models
    # A folder with a broken ONNX file beside a good PIR program: backend auto tries OpenVINO on the ONNX file, which
    # fails to load, and runs the program on Paddle Inference (plain kernels: oneDNN cannot run this PIR program).
    mixed = str(tmp_path / "det_mixed")
    shutil.copytree(det, mixed)
    with open(os.path.join(mixed, "inference.onnx"), "wb") as handle:
        handle.write(b"not an onnx model")
    init_args = {"ocr_system": {"det_model_dir": mixed, "enable_mkldnn": False}}
    with HubServer.with_config(shipped_config("cpu.json", init_args), hub_home, str(tmp_path)) as server:
        image, placed = english
        assert read_image(server, image) == [squash(p.text) for p in placed]
        if openvino_is_chosen():
            assert re.search(r"model %s runs on paddle fp32 \(backend auto: openvino cannot load it: .+\)"
                             % re.escape(mixed), server.log()), server.log()
        loaded = re.findall(r"loading model (\S+) \(PredictorOptions\(backend='(\w+)'", server.log())
        assert (os.path.join(mixed, "inference.json"), "paddle") in loaded, loaded

@pytest.fixture(scope="module")
def refusals(hub_home, exported_models, tmp_path_factory):
    """Each config below started once, all at once (testkit.server.start_failures): name -> what the failed start
    printed. A test per config asserts on its own output."""
    import paddle

    workdir = tmp_path_factory.mktemp("refused")
    keys = workdir / "keys.txt"
    keys.write_text("a\nb\nc\n", encoding="utf-8")
    det, _ = exported_models
    cases = {
        "cannot run": ("cpu.json", {"ocr_det": {"det_model_dir": det}}),
        "openvino on a gpu": ("cpu.json", {"ocr_system": {"use_gpu": True, "backend": "openvino"}}),
        "unknown option": ("cpu.json", {"ocr_det": {"det_modle_dir": "/models/det"}}),
        "unknown model": ("cpu.json", {"ocr_system": {"text_recognition_model_name": "PP-OCRv5_server_rec"}}),
        "missing folder": ("cpu.json", {"ocr_rec": {"rec_model_dir": str(workdir / "no_such_model")}}),
        "character list": ("cpu.json", {"ocr_rec": {"rec_char_dict_path": str(keys), "ocr_version": "PP-OCRv4"}}),
    }
    if not paddle.device.is_compiled_with_cuda():  # the gpu configs' message is for CPU-only builds
        cases.update({name: (name, {}) for name in ("gpu.json", "gpu_multiprocess.json")})
    outputs = start_failures({name: shipped_config(base, init_args) for name, (base, init_args) in cases.items()},
                             hub_home, str(workdir))
    return dict(outputs, folder=str(workdir))


def test_a_model_that_cannot_run_fails_at_start_up_not_on_a_request(refusals, exported_models):
    program = os.path.join(exported_models[0], "inference.json")
    assert "model %s cannot run (try enable_mkldnn false for this model): " % program in refusals["cannot run"]


@pytest.mark.parametrize("config", ["gpu.json", "gpu_multiprocess.json"])
def test_gpu_config_without_cuda_says_how_to_fix_it(refusals, config):
    if config not in refusals:
        pytest.skip("this paddlepaddle has CUDA; the message is for CPU-only builds")
    # gpu_multiprocess.json builds no predictor in gunicorn's master (preload false), but still stops at start-up.
    assert "use_gpu is true but the installed paddlepaddle has no CUDA support: install paddlepaddle-gpu" in (
        refusals[config])


def test_openvino_with_a_gpu_is_refused_at_start_up_in_one_sentence(refusals):
    assert "backend openvino runs on the CPU only: set use_gpu and use_tensorrt to false, or backend to" in (
        refusals["openvino on a gpu"])


def test_unknown_option_is_named_at_start_up(refusals):
    assert "unknown option(s) det_modle_dir; known options are:" in refusals["unknown option"]


def test_an_unknown_model_name_is_refused_at_start_up_with_the_known_ones(refusals):
    assert ("text_recognition_model_name must be one of PP-OCRv4_mobile_rec, PP-OCRv6_small_rec, not "
            "'PP-OCRv5_server_rec'") in refusals["unknown model"]


def test_missing_model_folder_is_named_at_start_up(refusals):
    missing = os.path.join(refusals["folder"], "no_such_model")
    assert "model folder %s does not exist" % missing in refusals["missing folder"]


def test_shipped_configs_are_complete():
    import json

    shipped = sorted(name for name in os.listdir(os.path.join(REPO, "configs")) if name.endswith(".json"))
    assert {"cpu.json", "cpu_multiprocess.json", "cpu_paddle.json", "gpu.json", "gpu_multiprocess.json",
            "gpu_tensorrt.json"} <= set(shipped)
    for name in shipped:
        with open(os.path.join(REPO, "configs", name)) as handle:
            config = json.load(handle)
        assert set(config["modules_info"]) == set(MODULES), name  # every module, the structure ones too
        assert config["port"] == 8866


def test_a_model_failing_on_a_request_is_an_error_not_an_empty_answer(hub_home, exported_models, english, tmp_path):
    det, _ = exported_models
    # preload false defers loading to the first request, where this model fails as at start-up in the test above.
    init_args = {"ocr_det": {"det_model_dir": det, "preload": False}}
    with HubServer.with_config(shipped_config("cpu.json", init_args), hub_home, str(tmp_path)) as server:
        image, placed = english
        for _ in range(2):
            answer = server.predict("ocr_det", [encode(image)])
            assert_refused(answer, "the server failed to process the images; the cause is in the server log")
            assert read_image(server, image) == [squash(p.text) for p in placed]
        assert "prediction failed" in server.log() and "inference.json" in server.log()


def test_a_character_list_that_does_not_fit_the_recogniser_is_named_at_start_up(refusals):
    assert "outputs 6625 classes, but its character list gives 5 (the CTC blank, the characters, the space" in (
        refusals["character list"])
