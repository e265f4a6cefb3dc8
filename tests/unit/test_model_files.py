"""find_model_files: each backend finds the program it can read in a model folder, and says what it lacks."""

import pytest

from ocr_engine.runtime.models import ModelNotFoundError, find_model_files


def make(folder, *names):
    for name in names:
        (folder / name).write_bytes(b"")
    return str(folder)


def test_paddle_prefers_the_pir_program_and_openvino_the_legacy_one(tmp_path):
    folder = make(tmp_path, "inference.json", "inference.pdmodel", "inference.pdiparams")
    assert find_model_files(folder).program.endswith("inference.json")
    files = find_model_files(folder, "openvino")
    assert files.program.endswith("inference.pdmodel") and files.params.endswith("inference.pdiparams")


def test_openvino_reads_onnx_files_and_folders(tmp_path):
    onnx_file = tmp_path / "det.onnx"
    onnx_file.write_bytes(b"")
    assert find_model_files(str(onnx_file), "openvino").params is None
    folder = tmp_path / "export"
    folder.mkdir()
    assert find_model_files(make(folder, "inference.onnx"), "openvino").program.endswith("inference.onnx")


def test_a_pir_only_export_is_refused_by_openvino_with_what_to_do(tmp_path):
    folder = make(tmp_path, "inference.json", "inference.pdiparams", "inference.yml")
    with pytest.raises(ModelNotFoundError, match="PIR program .* openvino cannot read: export the model to ONNX"):
        find_model_files(folder, "openvino")


def test_missing_weights_and_empty_folders_are_named(tmp_path):
    with pytest.raises(ModelNotFoundError, match="has inference.pdmodel but not inference.pdiparams"):
        find_model_files(make(tmp_path, "inference.pdmodel"), "openvino")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelNotFoundError, match="holds none of inference.pdmodel, model.pdmodel, inference.onnx"):
        find_model_files(str(empty), "openvino")
