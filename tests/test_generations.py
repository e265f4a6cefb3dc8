"""Model generations: the PP-OCRv6 ONNX files are converted once into Paddle models that compute what ONNX Runtime
computes; the default config reads English words whole and French with its accents; a config pinning PP-OCRv4
still answers as PP-OCRv4 did."""

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import assert_ok, runs_in_int8

from ocr_engine import merge_params
from ocr_engine.runtime import MODELS, InputShapes, StageModel, runtime_options
from ocr_engine.runtime.models import ModelChoice, bundled_path
from ocr_engine.runtime.onnx_import import onnx_character_file, paddle_model_dir
from ocr_engine.runtime.onnx_rewrite import CTC_OUTPUTS
from ocr_engine.runtime.predictor import OUTPUT_NAMES_FILE
from testkit.inputs import encode, encode_file
from testkit.scoring import word_f1
from testkit.server import REPO, HubServer, shipped_config

SHARED = os.path.join(os.path.dirname(REPO), "shared", "ocr-images")
with open(os.path.join(REPO, "tests", "data", "photo_labels.json"), encoding="utf-8") as _handle:
    LABELS = json.load(_handle)["photos"]


def onnx_file(stage: str) -> str:
    return bundled_path(MODELS["PP-OCRv6_small_%s" % stage].files)


@pytest.mark.parametrize("stage, shape", [("det", (1, 3, 320, 256)), ("rec", (2, 3, 48, 200))])
def test_converted_models_compute_what_onnx_runtime_computes(v6_cache, stage, shape):
    import onnxruntime

    folder = paddle_model_dir(onnx_file(stage), v6_cache)
    runtime = runtime_options(merge_params({"cpu_threads": 2, "preload": False, "backend": "paddle"}))
    model = StageModel(ModelChoice("PP-OCRv6_small_%s" % stage, v6_cache, folder), runtime,
                       InputShapes(min=shape, opt=shape, max=shape))
    batch = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    session = onnxruntime.InferenceSession(onnx_file(stage), providers=["CPUExecutionProvider"])
    expected = session.run(None, {session.get_inputs()[0].name: batch})
    outputs = model.outputs(batch)  # oneDNN, as served
    got = list(outputs.values())
    if stage == "rec":
        expected = expected[0]
        # The converted recogniser gives each column's best class and its probability, and a zero per class
        # (onnx_rewrite.CTC_OUTPUTS), not all 18710 probabilities of every column.
        best, prob, classes = (outputs[name] for name in CTC_OUTPUTS)
        assert best.shape == prob.shape == expected.shape[:2] and classes.shape == expected.shape[2:]
        # Each best class is ONNX Runtime's best, or one within the tolerance of it.
        assert (best == expected.argmax(axis=2)).mean() > 0.9
        got = [prob, np.take_along_axis(expected, best[..., None], axis=2)[..., 0]]
        expected = [expected.max(axis=2), expected.max(axis=2)]
        with open(onnx_character_file(onnx_file(stage), v6_cache), encoding="utf-8") as handle:
            keys = handle.read().splitlines()
        assert len(keys) + 2 == classes.shape[0]  # the CTC blank and the space are the model's other classes
    for value, reference in zip(got, expected):
        assert value.shape == reference.shape
        assert np.abs(value - reference).max() < 1e-4, np.abs(value - reference).max()


def test_processes_starting_together_convert_once(tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    code = ("import logging, sys; logging.basicConfig(level=logging.INFO); "
            "from ocr_engine.runtime.onnx_import import paddle_model_dir; print(paddle_model_dir(*sys.argv[1:]))")
    runs = [subprocess.Popen([sys.executable, "-c", code, onnx_file("det"), str(tmp_path)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    folders = {out.strip() for out, _ in outputs}
    assert len(folders) == 1 and os.path.isfile(os.path.join(folders.pop(), "model.json"))
    assert sum(err.count("converting ") for _, err in outputs) == 1, outputs
    # A later process finds the cached model.
    again = subprocess.run([sys.executable, "-c", code, onnx_file("det"), str(tmp_path)], env=env,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "converting " not in again.stderr


def ocr_system_alone(config: dict) -> dict:
    config["modules_info"] = {"ocr_system": config["modules_info"]["ocr_system"]}
    return config


@pytest.fixture(scope="module")
def v4_server(hub_home, tmp_path_factory):
    """ocr_system of the same config with ocr_version PP-OCRv4 pinned, as a user who wants 2023's answers writes."""
    config = ocr_system_alone(shipped_config("cpu.json", {"ocr_system": {"ocr_version": "PP-OCRv4"}}))
    with HubServer.with_config(config, hub_home, str(tmp_path_factory.mktemp("serve_v4"))) as server:
        yield server


def read(server, image_item: str) -> list:
    return [line["text"] for line in assert_ok(server.predict("ocr_system", [image_item]))[0]]


def test_the_default_keeps_french_accents(shipped_server, data_dir):
    texts = read(shipped_server, encode_file(os.path.join(data_dir, "french.jpg")))
    for line in LABELS["french.jpg"]["lines"][1:]:  # the first holds a superscript
        assert line in texts, texts


def test_the_default_reads_english_words_whole(shipped_server, english):
    image, placed = english
    assert read(shipped_server, encode(image)) == [p.text for p in placed]
    poster = os.path.join(SHARED, "english.png")
    if not os.path.isfile(poster):
        pytest.skip("../shared/ocr-images/english.png is not on this machine")
    texts = read(shipped_server, encode_file(poster))
    assert word_f1(texts, LABELS["english.png"]["lines"]) >= 0.95, texts


def test_the_default_runs_the_measured_pair(shipped_server):
    loaded = " ".join(re.findall(r"loading model (\S+)", shipped_server.log()))
    # The recogniser from its INT8 file where it runs in INT8 (conftest.runs_in_int8), named for the model.
    recogniser = "PP-OCRv6_small_rec-" if runs_in_int8("PP-OCRv6_small_rec") else "PP-OCRv6_rec_small"
    assert "ch_PP-OCRv4_det_infer" in loaded and recogniser in loaded, loaded
    assert "PP-OCRv6_det_small" not in loaded and "ch_PP-OCRv4_rec_infer" not in loaded, loaded


def test_pinning_ppocrv4_answers_as_before(v4_server, data_dir):
    # What PP-OCRv4 read before PP-OCRv6 became the default (tools/accuracy.py, both tables in the note).
    assert read(v4_server, encode_file(os.path.join(data_dir, "chinese.jpg"))) == [
        "西", "愚园路", "东", "315", "309", "W", "Yuyuan Rd.", "E"]
    french = read(v4_server, encode_file(os.path.join(data_dir, "french.jpg")))
    assert "LES ARTS DECORATIFS" in french and "Musee du LouVRE" in french, french  # PP-OCRv4 drops accents


def official_export(source: str, target: str, config: dict) -> str:
    """A converted model laid out as PaddleOCR's export writes one: inference.json, .pdiparams and .yml, with the
    conversion's output names (the converted recogniser gives each column's best class, not the probabilities an
    official export gives, and says so by name)."""
    import yaml

    os.makedirs(target)
    for ext in ("json", "pdiparams"):
        shutil.copy(os.path.join(source, "model." + ext), os.path.join(target, "inference." + ext))
    shutil.copy(os.path.join(source, OUTPUT_NAMES_FILE), target)
    with open(os.path.join(target, "inference.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, allow_unicode=True)
    return target


def test_an_official_export_needs_no_hand_written_settings(hub_home, v6_cache, data_dir, tmp_path):
    det = official_export(paddle_model_dir(onnx_file("det"), v6_cache), str(tmp_path / "det"), {
        "Global": {"model_name": "PP-OCRv6_small_det"},
        "PreProcess": {"transform_ops": [{"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                                         {"DetResizeForTest": {"resize_long": 960}},
                                         {"NormalizeImage": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5],
                                                             "scale": "1./255.", "order": "hwc"}},
                                         {"ToCHWImage": None}]},
        "PostProcess": {"name": "DBPostProcess", "thresh": 0.3, "box_thresh": 0.6}})
    rec_source = paddle_model_dir(onnx_file("rec"), v6_cache)
    with open(onnx_character_file(onnx_file("rec"), v6_cache), encoding="utf-8") as handle:
        characters = handle.read().splitlines()
    rec = official_export(rec_source, str(tmp_path / "rec"), {
        "Global": {"model_name": "PP-OCRv6_small_rec"},
        "PreProcess": {"transform_ops": [{"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                                         {"RecResizeImg": {"image_shape": [3, 48, 320]}}]},
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters}})
    # ocr_version PP-OCRv4: its 6623-character list would misread an 18710-class recogniser, so reading French
    # right shows the export's own list is used.
    init_args = {"ocr_system": {"det_model_dir": det, "rec_model_dir": rec, "model_cache_dir": str(tmp_path / "c"),
                                "ocr_version": "PP-OCRv4"}}
    config = ocr_system_alone(shipped_config("cpu.json", init_args))
    with HubServer.with_config(config, hub_home, str(tmp_path)) as server:
        texts = read(server, encode_file(os.path.join(data_dir, "french.jpg")))
    assert "LES ARTS DÉCORATIFS" in texts and "Musée du LOUVRE" in texts, texts
