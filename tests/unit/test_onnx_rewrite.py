"""The ONNX rewrites before conversion: on a small graph with each pattern, the rewritten graph computes the same
outputs in ONNX Runtime, without Identity copies of feature maps and without nearest Resize."""

import numpy as np
import pytest

from ocr_engine.runtime.onnx_rewrite import rewrite_for_onednn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def small_graph():
    """x -> Identity -> Conv -> squeeze-excite mean -> Identity -> Resize nearest x2 -> Resize nearest x4 -> y, and
    prob = Sigmoid(Conv + one number) (a detector's probability map), plus what must stay: an integer Identity on
    the shape path, a Resize by 1.5, a mean over the last axis."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.standard_normal((3, 2, 3, 3)).astype(np.float32), "w")
    scales2 = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales2")
    scales4 = numpy_helper.from_array(np.array([1, 1, 4, 4], np.float32), "scales4")
    scales15 = numpy_helper.from_array(np.array([1, 1, 1.5, 1.5], np.float32), "scales15")
    roi = numpy_helper.from_array(np.array([], np.float32), "roi")
    bias = numpy_helper.from_array(np.array([[[[0.25]]]], np.float32), "bias")
    nearest = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    nodes = [
        helper.make_node("Identity", ["x"], ["x_copy"]),
        helper.make_node("Conv", ["x_copy", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("ReduceMean", ["c"], ["excite"], axes=[2, 3], keepdims=1),
        helper.make_node("Mul", ["c", "excite"], ["excited"]),
        helper.make_node("Identity", ["excited"], ["c_copy"]),
        helper.make_node("Resize", ["c_copy", "roi", "scales2"], ["up2"], **nearest),
        helper.make_node("Resize", ["up2", "roi", "scales4"], ["up8"], **nearest),
        helper.make_node("Resize", ["up8", "roi", "scales15"], ["y"], **nearest),
        helper.make_node("ReduceMean", ["up8"], ["row_means"], axes=[-1]),  # not over height and width: kept
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Identity", ["shape"], ["shape_copy"]),
        helper.make_node("Add", ["c", "bias"], ["logits"]),
        helper.make_node("Sigmoid", ["logits"], ["prob"]),
    ]
    graph = helper.make_graph(
        nodes, "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 5, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("shape_copy", TensorProto.INT64, [4]),
         helper.make_tensor_value_info("row_means", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("prob", TensorProto.FLOAT, None)],
        [weight, scales2, scales4, scales15, roi, bias],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    return onnx.shape_inference.infer_shapes(model)


def run(model, x):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})


def test_rewrites_keep_the_outputs_and_remove_the_patterns():
    model = small_graph()
    x = np.random.default_rng(1).standard_normal((1, 2, 5, 6)).astype(np.float32)
    expected = run(model, x)
    assert rewrite_for_onednn(model) == {"identity": 2, "resize": 2, "mean": 1, "sigmoid_rows": 1,
                                         "ctc_best": 0, "hardswish": 0}
    onnx.checker.check_model(model)
    ops = [node.op_type for node in model.graph.node]
    assert ops.count("Identity") == 1  # the integer (shape) copy, which is also a graph output
    assert ops.count("ConvTranspose") == 2 and ops.count("Resize") == 1
    assert ops.count("GlobalAveragePool") == 1 and ops.count("ReduceMean") == 1
    # The upsampling groups hold every channel the Conv makes (3, under UPSAMPLE_GROUP_CHANNELS): one group each.
    groups = [attr.i for node in model.graph.node if node.op_type == "ConvTranspose" for attr in node.attribute
              if attr.name == "group"]
    assert groups == [1, 1]
    assert ops.count("Sigmoid") == 1 and ops.count("Reshape") == 2
    got = run(model, x)
    assert got[0].shape == expected[0].shape == (1, 3, 60, 72)
    assert np.array_equal(got[1], expected[1])
    for new, old in zip(got, expected):
        assert new.shape == old.shape and np.abs(new - old).max() < 1e-5


@pytest.mark.parametrize("channels, groups", [(96, 4), (24, 1), (10, 1), (29, 29)])
def test_upsampling_groups_hold_up_to_24_channels_and_copy_each_channel_alone(channels, groups):
    from onnx import TensorProto, helper, numpy_helper

    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    roi = numpy_helper.from_array(np.array([], np.float32), "roi")
    graph = helper.make_graph(
        [helper.make_node("Resize", ["x", "roi", "scales"], ["y"], mode="nearest", nearest_mode="floor",
                          coordinate_transformation_mode="asymmetric")],
        "upsample", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, 3, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [scales, roi])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    x = np.random.default_rng(2).standard_normal((1, channels, 3, 4)).astype(np.float32)
    expected = run(model, x)[0]
    assert rewrite_for_onednn(model)["resize"] == 1
    (conv,) = model.graph.node
    assert {attr.name: attr.i for attr in conv.attribute}["group"] == groups
    assert np.array_equal(run(model, x)[0], expected)


def test_an_output_sigmoid_whose_sum_is_read_elsewhere_is_left_alone():
    from onnx import TensorProto, helper, numpy_helper

    bias = numpy_helper.from_array(np.array([0.5], np.float32), "bias")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "bias"], ["logits"]), helper.make_node("Sigmoid", ["logits"], ["prob"])],
        "head", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, None)], [bias])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    assert rewrite_for_onednn(model)["sigmoid_rows"] == 0
    assert [node.op_type for node in model.graph.node] == ["Add", "Sigmoid"]


def ctc_head(rank: int):
    """x -> MatMul -> Softmax over the last axis: a CTC recogniser's head (x N x T x 8, rank 3), or a classifier's
    (x N x 8, rank 2)."""
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.random.default_rng(3).standard_normal((8, 11)).astype(np.float32), "w")
    dims = ["N", "T", 11][3 - rank:]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["logits"]),
         helper.make_node("Softmax", ["logits"], ["probs"], axis=rank - 1)],
        "head", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "T", 8][3 - rank:])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, dims)], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])


def test_a_ctc_head_gives_each_columns_best_class_and_probability_and_a_zero_per_class():
    from ocr_engine.runtime.onnx_rewrite import CTC_OUTPUTS

    model = ctc_head(3)
    x = np.random.default_rng(4).standard_normal((2, 5, 8)).astype(np.float32)
    (probs,) = run(model, x)
    assert rewrite_for_onednn(model)["ctc_best"] == 1
    onnx.checker.check_model(model)
    assert [output.name for output in model.graph.output] == list(CTC_OUTPUTS)
    best, prob, classes = run(model, x)
    assert best.dtype == np.int64 and np.array_equal(best, probs.argmax(axis=2))
    assert np.array_equal(prob, probs.max(axis=2))
    assert classes.shape == (11,) and not classes.any()  # a zero per class


def test_a_classifiers_softmax_over_a_matrix_is_left_alone():
    model = ctc_head(2)
    assert rewrite_for_onednn(model)["ctc_best"] == 0
    assert [output.name for output in model.graph.output] == ["probs"]


def test_hardswish_becomes_its_definition_with_the_same_outputs():
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("HardSwish", ["x"], ["h"]),
         helper.make_node("Add", ["r", "h"], ["y"])],
        "hardswish", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 5, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 5, 6])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    x = np.linspace(-5, 5, 60, dtype=np.float32).reshape(1, 2, 5, 6)
    expected = run(model, x)
    assert rewrite_for_onednn(model)["hardswish"] == 1
    onnx.checker.check_model(model)
    assert [node.op_type for node in model.graph.node] == ["Relu", "HardSigmoid", "Mul", "Add"]
    assert np.abs(run(model, x)[0] - expected[0]).max() < 1e-6
