"""Which bundled model each stage runs: PaddleOCR 3.x's per-stage names, ocr_version for the ones left unset, a
user's folder over both; and a folder converted ahead of time, read without writing anything."""

import os

import pytest

from ocr_engine import merge_params
from ocr_engine.runtime.models import (
    IMAGENET_MEAN,
    MODELS,
    ModelChoice,
    stage_model_name,
)
from ocr_engine.runtime.onnx_import import PREPARED_MODELS_ENV, converted_name, paddle_model_dir, search_dirs
from ocr_engine.runtime.tasks import TASKS
from ocr_engine.stages.detection import detector_normalisation
from ocr_engine.stages.recognition import character_list_file


def chosen(**options) -> tuple:
    params = merge_params(options)
    return stage_model_name(params, "det"), stage_model_name(params, "rec"), stage_model_name(params, "cls")


def test_ocr_version_picks_the_pair_left_unset():
    unset = {"text_detection_model_name": None, "text_recognition_model_name": None}
    assert chosen(ocr_version="PP-OCRv4", **unset) == ("PP-OCRv4_mobile_det", "PP-OCRv4_mobile_rec",
                                                        "ch_ppocr_mobile_v2.0_cls")
    assert chosen(ocr_version="PP-OCRv6", **unset)[:2] == ("PP-OCRv6_small_det", "PP-OCRv6_small_rec")


def test_a_stage_name_wins_over_ocr_version_for_that_stage_alone():
    assert chosen(ocr_version="PP-OCRv4", text_recognition_model_name="PP-OCRv6_small_rec",
                  text_detection_model_name=None)[:2] == ("PP-OCRv4_mobile_det", "PP-OCRv6_small_rec")
    assert chosen(ocr_version="PP-OCRv6", text_detection_model_name="PP-OCRv4_mobile_det",
                  text_recognition_model_name=None)[:2] == ("PP-OCRv4_mobile_det", "PP-OCRv6_small_rec")


@pytest.mark.parametrize("option, value, known", [
    ("text_detection_model_name", "PP-OCRv5_server_det", "PP-OCRv4_mobile_det, PP-OCRv6_small_det"),
    ("text_recognition_model_name", "PP-OCRv6_small_det", "PP-OCRv4_mobile_rec, PP-OCRv6_small_rec"),
])
def test_an_unknown_or_wrong_stage_name_is_refused_with_the_known_ones(option, value, known):
    with pytest.raises(ValueError, match="^%s must be one of %s, not '%s'$" % (option, known, value)):
        chosen(**{option: value})


def test_each_model_carries_its_own_normalisation_and_characters():
    assert detector_normalisation(None, "PP-OCRv4_mobile_det")[0] == IMAGENET_MEAN
    assert detector_normalisation(None, "PP-OCRv6_small_det") == ((0.5,) * 3, (0.5,) * 3)
    assert character_list_file(None, "PP-OCRv4_mobile_rec").endswith("ppocr_keys_v1.txt")
    assert {model.task.short for model in MODELS.values()} == set(TASKS)  # a bundled model for every task


def test_a_users_folder_wins_over_the_bundled_model(tmp_path):
    choice = ModelChoice.from_params(merge_params({"rec_model_dir": str(tmp_path)}), "rec")
    assert choice.path("paddle") == choice.path("openvino") == str(tmp_path)


def fake_onnx(folder) -> str:
    path = os.path.join(str(folder), "PP-OCRv6_det_small.onnx")
    with open(path, "wb") as handle:
        handle.write(b"not really a model")
    return path


def test_a_prepared_folder_is_read_first_and_nothing_is_written(tmp_path, monkeypatch):
    source = fake_onnx(tmp_path)
    prepared = tmp_path / "prepared" / converted_name(source)
    prepared.mkdir(parents=True)
    (prepared / "converted.ok").write_text("")
    cache = tmp_path / "no" / "cache"
    monkeypatch.setenv(PREPARED_MODELS_ENV, str(tmp_path / "prepared"))
    assert search_dirs(str(cache)) == [str(tmp_path / "prepared"), str(cache)]
    assert paddle_model_dir(source, str(cache)) == str(prepared)
    assert not (tmp_path / "no").exists()  # the cache folder was never made


def test_a_finished_conversion_in_the_cache_is_used_without_a_prepared_folder(tmp_path, monkeypatch):
    source = fake_onnx(tmp_path)
    monkeypatch.delenv(PREPARED_MODELS_ENV, raising=False)
    done = tmp_path / "cache" / converted_name(source)
    done.mkdir(parents=True)
    (done / "converted.ok").write_text("")
    assert paddle_model_dir(source, str(tmp_path / "cache")) == str(done)
    assert not os.path.exists(str(done) + ".lock")  # found, so no lock was taken
