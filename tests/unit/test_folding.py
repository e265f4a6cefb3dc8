"""The folding rewriter on a small legacy program built here with each pattern it rewrites: the program it returns
computes the same function with the affine multiply/add pairs gone."""

import os

import numpy as np
import pytest

from ocr_engine.runtime.folding import folded_model
from ocr_engine.runtime.models import find_model_files

paddle = pytest.importorskip("paddle")


def scalar(name: str, value: float):
    return paddle.static.create_parameter([1], "float32", name=name,
                                          default_initializer=paddle.nn.initializer.Constant(value))


def conv(x, channels: int, size: int, name: str):
    """A convolution followed by its bias as a separate per-channel add, as PaddleOCR's exported models have it."""
    normal = paddle.nn.initializer.Normal(0.0, 0.3)
    weight = paddle.static.create_parameter([channels, x.shape[1], size, size], "float32", name=name + "_w",
                                            default_initializer=normal)
    bias = paddle.static.create_parameter([channels], "float32", name=name + "_b", default_initializer=normal)
    y = paddle.nn.functional.conv2d(x, weight, padding=size // 2)
    block = paddle.static.default_main_program().global_block()
    out = block.create_var(name=name + "_out", dtype="float32", shape=y.shape)
    block.append_op(type="elementwise_add", inputs={"X": [y], "Y": [bias]}, outputs={"Out": [out]}, attrs={"axis": 1})
    return out


def build_model(folder: str) -> None:
    """conv+bias -> affine (into that conv) -> relu -> affine -> 1x1 conv (into the next conv) -> relu -> affine ->
    3x3 conv with padding (becomes one scale op): the three rewrites of folding.py."""
    paddle.enable_static()
    try:
        with paddle.pir_utils.OldIrGuard():
            main, startup = paddle.static.Program(), paddle.static.Program()
            with paddle.static.program_guard(main, startup):
                x = paddle.static.data("x", [1, 3, 16, 16], "float32")
                y = conv(x, 4, 3, "c1")
                y = paddle.nn.functional.relu(y * scalar("s1", 1.5) + scalar("b1", 0.25))
                y = paddle.nn.functional.relu(conv(y * scalar("s2", -0.5) + scalar("b2", 0.75), 4, 1, "c2"))
                y = conv(y * scalar("s3", 2.0) + scalar("b3", -0.125), 2, 3, "c3")
            executor = paddle.static.Executor(paddle.CPUPlace())
            executor.run(startup)
            paddle.static.save_inference_model(os.path.join(folder, "inference"), [x], [y], executor, program=main)
    finally:
        paddle.disable_static()


def run(config, batch: np.ndarray) -> np.ndarray:
    from paddle import inference

    config.disable_gpu()
    config.switch_ir_optim(False)
    predictor = inference.create_predictor(config)
    handle = predictor.get_input_handle(predictor.get_input_names()[0])
    handle.reshape(list(batch.shape))
    handle.copy_from_cpu(batch)
    predictor.run()
    return predictor.get_output_handle(predictor.get_output_names()[0]).copy_to_cpu()


def op_types(program_bytes: bytes) -> list:
    paddle.enable_static()
    try:
        with paddle.pir_utils.OldIrGuard():
            return [op.type for op in paddle.static.deserialize_program(program_bytes).global_block().ops]
    finally:
        paddle.disable_static()


def test_folding_removes_every_affine_pair_and_keeps_the_function(tmp_path):
    from paddle import inference

    build_model(str(tmp_path))
    files = find_model_files(str(tmp_path))
    assert files.program.endswith("inference.pdmodel")
    with open(files.program, "rb") as handle:
        before = op_types(handle.read())
    assert before.count("elementwise_mul") == 3

    folded = folded_model(files)
    assert folded is not None
    after = op_types(folded[0])
    assert "elementwise_mul" not in after
    assert after.count("scale") == before.count("scale") + 1  # the pair before the padded 3x3 conv
    assert after.count("elementwise_add") == before.count("elementwise_add") - 3  # three affine adds gone

    batch = np.random.default_rng(0).standard_normal((1, 3, 16, 16)).astype(np.float32)
    expected = run(inference.Config(files.program, files.params), batch)
    config = inference.Config()
    config.set_model_buffer(folded[0], len(folded[0]), folded[1], len(folded[1]))
    assert np.abs(run(config, batch) - expected).max() < 1e-4 * max(1.0, np.abs(expected).max())


def test_programs_without_the_pattern_or_not_legacy_load_as_they_are(tmp_path):
    (tmp_path / "inference.json").write_text("{}")
    (tmp_path / "inference.pdiparams").write_bytes(b"")
    assert folded_model(find_model_files(str(tmp_path))) is None
