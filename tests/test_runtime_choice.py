"""`backend: auto` and `precision: auto`, the defaults, on the running service: each model of the default pair on
the runtime and precision the rule picks for this CPU, said in the log; and `backend: paddle`
(`configs/cpu_paddle.json`, today's upstream path) still serving and reading the Chinese sign as before."""

import os
import re

from conftest import cpu_has_bf16_units, openvino_is_chosen, runs_in_int8, served_model

from testkit.answers import assert_ok
from testkit.inputs import encode_file

RUNS_ON = re.compile(r"model (\S+) runs on (\w+) (\w+) \((.*)\)")


def chosen(log: str) -> dict:
    """{model: (backend, precision, why)} from a server's log."""
    return {model: (backend, precision, why) for model, backend, precision, why in RUNS_ON.findall(log)}


def test_each_default_model_runs_where_the_rule_puts_it(server):
    runs = chosen(server.log())
    expected_backend = "openvino" if openvino_is_chosen() else "paddle"
    for stage in ("det", "rec", "cls", "layout", "table", "doc_ori"):
        model = served_model(stage)
        assert model in runs, (model, runs)
        if runs_in_int8(model):
            expected_precision = "int8"
        else:
            expected_precision = "bf16" if expected_backend == "openvino" and cpu_has_bf16_units() else "fp32"
        backend, precision, why = runs[model]
        assert (backend, precision) == (expected_backend, expected_precision), (model, runs[model])
        assert why.startswith("backend auto: "), why
        assert ("bf16 units" in why) == (precision == "bf16"), why
        assert ("int8: the CPU has INT8 units" in why) == (precision == "int8"), why
    # One line per model, however many modules share it: the three OCR models and the three structure models.
    assert len(RUNS_ON.findall(server.log())) == 6, RUNS_ON.findall(server.log())


def test_backend_paddle_reads_the_chinese_sign_as_before(paddle_server, data_dir):
    runs = chosen(paddle_server.log())
    assert {(backend, precision) for backend, precision, _ in runs.values()} == {("paddle", "fp32")}, runs
    assert len(runs) == 6 and all(why == "configured" for _, _, why in runs.values()), runs
    # What the default answered before it moved to OpenVINO (tools/accuracy.py, the note of issue 36).
    answer = assert_ok(paddle_server.predict("ocr_system", [encode_file(os.path.join(data_dir, "chinese.jpg"))]))
    assert [line["text"] for line in answer[0]] == ["西", "愚园路", "东", "315", "309", "W", "Yuyuan Rd.", "E"]


def test_precision_int8_runs_each_bundled_models_prepared_int8_version_and_refuses_a_folder_of_your_own(tmp_path):
    import numpy as np
    import pytest

    from ocr_engine import merge_params, runtime_options
    from ocr_engine.runtime import InputShapes, StageModel
    from ocr_engine.runtime.int8 import find_int8
    from ocr_engine.runtime.models import ModelChoice

    if not openvino_is_chosen():
        pytest.skip("INT8 runs on OpenVINO, which this machine does not run")
    options = runtime_options(merge_params({"precision": "int8", "preload": False}))
    shape = (6, 3, 48, 192)
    model = StageModel(ModelChoice("ch_ppocr_mobile_v2.0_cls", None, None), options, InputShapes(shape, shape, shape))
    # `make install` quantised it: the file the model runs is its INT8 version, and it answers.
    assert model.files.program == find_int8("ch_ppocr_mobile_v2.0_cls"), model.files
    assert (model.options.backend, model.options.precision) == ("openvino", "int8")
    assert model.run(np.zeros(shape, np.float32)).shape == (6, 2)
    own = tmp_path / "my_cls"
    own.mkdir()
    (own / "inference.pdmodel").write_text("")
    with pytest.raises(ValueError, match="^precision int8 on the CPU runs the bundled models' INT8 versions, and .*"
                                         "my_cls is a model folder of your own: set precision to auto, fp32 or bf16$"):
        StageModel(ModelChoice("ch_ppocr_mobile_v2.0_cls", None, str(own)), options, InputShapes(shape, shape, shape))


def test_calibration_feeds_every_default_model_the_batches_it_reads():
    # What `make install` quantises each model on: a model fed nothing gets no INT8 version and runs in bf16.
    import pytest

    from ocr_engine import calibration

    if not openvino_is_chosen():
        pytest.skip("calibration runs the models on OpenVINO, which this machine does not run")
    fed = calibration.model_inputs([{}], calibration.images(2), calibration.pages(1))
    for stage in ("det", "rec", "cls", "layout", "table", "doc_ori"):
        batches = fed.get(served_model(stage), [])
        assert batches and all(batch.dtype == "float32" and batch.ndim == 4 for batch in batches), (stage, fed.keys())
