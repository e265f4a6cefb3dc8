"""`backend: auto` and `precision: auto`, the defaults, on the running service: each model of the default pair on
the runtime and precision the rule picks for this CPU, said in the log; and `backend: paddle`
(`configs/cpu_paddle.json`, today's upstream path) still serving and reading the Chinese sign as before."""

import os
import re

from conftest import cpu_has_bf16_units, openvino_is_chosen, served_model

from testkit.answers import assert_ok
from testkit.inputs import encode_file

RUNS_ON = re.compile(r"model (\S+) runs on (\w+) (\w+) \((.*)\)")


def chosen(log: str) -> dict:
    """{model: (backend, precision, why)} from a server's log."""
    return {model: (backend, precision, why) for model, backend, precision, why in RUNS_ON.findall(log)}


def test_each_default_model_runs_where_the_rule_puts_it(server):
    runs = chosen(server.log())
    expected_backend = "openvino" if openvino_is_chosen() else "paddle"
    expected_precision = "bf16" if expected_backend == "openvino" and cpu_has_bf16_units() else "fp32"
    for stage in ("det", "rec", "cls", "layout", "table", "doc_ori"):
        model = served_model(stage)
        assert model in runs, (model, runs)
        backend, precision, why = runs[model]
        assert (backend, precision) == (expected_backend, expected_precision), (model, runs[model])
        assert why.startswith("backend auto: "), why
        assert ("bf16 units" in why) == (precision == "bf16"), why
    # One line per model, however many modules share it: the three OCR models and the three structure models.
    assert len(RUNS_ON.findall(server.log())) == 6, RUNS_ON.findall(server.log())


def test_backend_paddle_reads_the_chinese_sign_as_before(paddle_server, data_dir):
    runs = chosen(paddle_server.log())
    assert {(backend, precision) for backend, precision, _ in runs.values()} == {("paddle", "fp32")}, runs
    assert len(runs) == 6 and all(why == "configured" for _, _, why in runs.values()), runs
    # What the default answered before it moved to OpenVINO (tools/accuracy.py, the note of issue 36).
    answer = assert_ok(paddle_server.predict("ocr_system", [encode_file(os.path.join(data_dir, "chinese.jpg"))]))
    assert [line["text"] for line in answer[0]] == ["西", "愚园路", "东", "315", "309", "W", "Yuyuan Rd.", "E"]
