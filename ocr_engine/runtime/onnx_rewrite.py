"""Rewrite an ONNX graph, before it is converted to a Paddle program, so that every operator runs on oneDNN in the
layout of its neighbours and no copy is left (the PP-OCRv6 models come as ONNX files; see ``onnx_import``).

Six rewrites, each exact (the converted detector's outputs are bit-identical with and without the third and fourth,
the recogniser's best classes and probabilities with and without the fifth):

- ``Identity`` nodes (paddle2onnx names intermediate results with them) are removed, their consumers reading the
  Identity's input: converted, each became a copy of a whole feature map.
- ``Resize`` in nearest mode by an integer factor k becomes a grouped ``ConvTranspose`` with stride k whose kernel
  is k x k ones from each channel to itself and zeros elsewhere: each input pixel is written to its k x k block, as
  nearest upsampling does, and adding the zeros changes no bit. Converted as a Resize, it carries a scale attribute
  that paddle 3.3.1's oneDNN executor cannot read. Groups of up to ``UPSAMPLE_GROUP_CHANNELS`` channels, not one
  channel each: paddle runs a depthwise transposed convolution on its plain kernel, whose output then has to be
  reordered for every oneDNN op after it.
- ``ReduceMean`` over height and width of a 4-D tensor, keeping dimensions (the squeeze-and-excite pooling),
  becomes ``GlobalAveragePool``: converted as a mean, it falls back from oneDNN to paddle's plain kernel.
- A graph output ``Sigmoid(x + b)``, with ``b`` one number (the detector's probability map), runs on ``x`` reshaped
  to rows: on the single-channel map in oneDNN's channels-last layout, that add and sigmoid vectorise over the one
  channel and took 5.8 ms at 640 x 480 instead of 0.2 ms.
- A graph output ``Softmax`` over the classes of an N x T x classes tensor (a CTC recogniser's probabilities)
  gives the graph three outputs instead (``CTC_OUTPUTS``): each column's best class (``ArgMax``) and its
  probability (``ReduceMax``), all the CTC decoder reads, and a zero per class, whose length says how many classes
  the model has (made from the probabilities' shape: a slice of the probabilities themselves cost 2.7 ms a run).
  PP-OCRv6's recogniser has 18710 classes: its probabilities for a 6-line batch 1200 columns wide are 67 MB, which
  paddle copied out (``copy_to_cpu``) and the decoder then read twice, for every batch.
- ``HardSwish``, which X2Paddle 1.6 cannot convert (the PULC page orientation classifier is made of them), becomes
  its definition, ``x * HardSigmoid(x)`` with alpha 1/6 and beta 0.5, two operators it converts.
"""

from typing import Dict, List, Tuple

import numpy as np

# Part of the converted models' cache key (onnx_import): raise it whenever a rewrite changes, so that models
# converted by an earlier version are converted again. 5: the output names are recorded (predictor.output_names).
REWRITE_VERSION = 5

# The most channels a group of an upsampling's transposed convolution holds (its channel count's largest divisor
# up to this). Measured on the PP-OCRv6 detector at 640 x 480: 24 (and 48) let oneDNN choose its brgemm kernel in
# the channels-last layout of the ops around it; 2 and 4 per group ran on a gemm kernel in the plain layout, 8 was
# twice as slow, and one per group stays on paddle's plain depthwise kernel (12 of 160 ms a run, profiled).
UPSAMPLE_GROUP_CHANNELS = 24

# The outputs a CTC recogniser's graph has after the last rewrite, in this order (``stages.recognition`` reads them).
CTC_OUTPUTS = ("ctc_best_class", "ctc_best_prob", "ctc_classes")


def rewrite_for_onednn(model) -> Dict[str, int]:
    """Apply the six rewrites to an ``onnx.ModelProto`` in place; return how many nodes each rewrite changed."""
    hardswish = _hardswish_as_definition(model.graph)
    identity = _drop_identities(model.graph)
    # One shape inference serves both later rewrites: neither renames the values the other reads.
    channels = _channels(model)
    return {
        "identity": identity,
        "resize": _resize_as_transposed_conv(model, channels),
        "mean": _spatial_mean_as_pool(model, channels),
        "sigmoid_rows": _output_sigmoid_on_rows(model.graph),
        "ctc_best": _ctc_best_outputs(model),
        "hardswish": hardswish,
    }


def _hardswish_as_definition(graph) -> int:
    from onnx import helper

    nodes = list(graph.node)
    count = 0
    for position in reversed(range(len(nodes))):
        node = nodes[position]
        if node.op_type != "HardSwish":
            continue
        gate = node.output[0] + ".gate"
        nodes[position : position + 1] = [
            helper.make_node("HardSigmoid", [node.input[0]], [gate], alpha=1.0 / 6.0, beta=0.5),
            helper.make_node("Mul", [node.input[0], gate], list(node.output)),
        ]
        count += 1
    if count:
        del graph.node[:]
        graph.node.extend(nodes)
    return count


def _drop_identities(graph) -> int:
    outputs = {value.name for value in graph.output}
    # Only copies of float tensors (feature maps) go. Integer ones hold shapes, tiny to copy, and the converter's
    # shape inference follows them through an Identity but not always without one.
    floats = {info.name for info in graph.value_info if info.type.tensor_type.elem_type == 1}
    rename: Dict[str, str] = {}
    kept = []
    for node in graph.node:
        if node.op_type == "Identity" and node.output[0] not in outputs and node.output[0] in floats:
            rename[node.output[0]] = rename.get(node.input[0], node.input[0])
        else:
            kept.append(node)
    for node in kept:
        for i, name in enumerate(node.input):
            if name in rename:
                node.input[i] = rename[name]
    del graph.node[:]
    graph.node.extend(kept)
    # A removed name's recorded type and shape are its source's: keep them under the source's name, which
    # converters' shape inference needs where it cannot infer them itself.
    known = {info.name for info in graph.value_info}
    infos = []
    for info in graph.value_info:
        if info.name in rename:
            if rename[info.name] in known:
                continue
            info.name = rename[info.name]
            known.add(info.name)
        infos.append(info)
    del graph.value_info[:]
    graph.value_info.extend(infos)
    return len(rename)


def _constants(graph) -> Dict[str, np.ndarray]:
    from onnx import numpy_helper

    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    return values


def _channels(model) -> Dict[str, int]:
    """The channel count (dimension 1) of every value whose shape inference knows it."""
    import onnx

    inferred = onnx.shape_inference.infer_shapes(model)
    channels = {}
    for value in list(inferred.graph.value_info) + list(inferred.graph.input):
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4 and dims[1].HasField("dim_value"):
            channels[value.name] = dims[1].dim_value
    return channels


def _integer_nearest_factor(node, constants) -> int:
    """k when ``node`` is a nearest Resize scaling height and width by the same integer k, else 0."""
    attrs = {a.name: a for a in node.attribute}
    if node.op_type != "Resize" or attrs.get("mode") is None or attrs["mode"].s != b"nearest":
        return 0
    if len(node.input) < 3 or node.input[2] not in constants or (len(node.input) > 3 and node.input[3]):
        return 0
    scales = constants[node.input[2]].astype(np.float64).reshape(-1)
    if scales.shape != (4,) or scales[0] != 1 or scales[1] != 1 or scales[2] != scales[3]:
        return 0
    factor = int(scales[2])
    return factor if factor == scales[2] and factor > 1 else 0


def _resize_as_transposed_conv(model, channels: Dict[str, int]) -> int:
    from onnx import helper, numpy_helper

    graph = model.graph
    constants = _constants(graph)
    replaced: List[Tuple[int, object]] = []
    for index, node in enumerate(graph.node):
        factor = _integer_nearest_factor(node, constants)
        if not factor or node.input[0] not in channels:
            continue
        count = channels[node.input[0]]
        per_group = max(d for d in range(1, UPSAMPLE_GROUP_CHANNELS + 1) if count % d == 0)
        ones = np.zeros((count, per_group, factor, factor), np.float32)  # [in, out per group, k, k]
        ones[np.arange(count), np.arange(count) % per_group] = 1.0  # each channel to itself within its group
        weight = node.output[0] + ".upsample_ones"
        graph.initializer.append(numpy_helper.from_array(ones, weight))
        name = (node.name or node.output[0]) + ".as_conv"
        conv = helper.make_node("ConvTranspose", [node.input[0], weight], list(node.output), name=name,
                                group=count // per_group, kernel_shape=[factor, factor], strides=[factor, factor])
        replaced.append((index, conv))
    for index, conv in replaced:  # type: ignore[assignment]  # onnx's stubs type a repeated field's items loosely
        graph.node.remove(graph.node[index])
        graph.node.insert(index, conv)
    return len(replaced)


def _spatial_mean_as_pool(model, channels: Dict[str, int]) -> int:
    from onnx import helper

    ranks = {name: 4 for name in channels}  # values known to be 4-D
    count = 0
    for index, node in enumerate(model.graph.node):
        if node.op_type != "ReduceMean" or ranks.get(node.input[0]) != 4:
            continue
        attrs = {a.name: a for a in node.attribute}
        axes = sorted(axis % 4 for axis in attrs["axes"].ints) if "axes" in attrs else []
        keepdims = attrs["keepdims"].i if "keepdims" in attrs else 1
        if axes != [2, 3] or keepdims != 1:
            continue
        pool = helper.make_node("GlobalAveragePool", [node.input[0]], list(node.output),
                                name=(node.name or node.output[0]) + ".as_pool")
        model.graph.node.remove(node)
        model.graph.node.insert(index, pool)
        count += 1
    return count


def _output_sigmoid_on_rows(graph) -> int:
    from onnx import helper, numpy_helper

    outputs = {value.name for value in graph.output}
    producers = {name: node for node in graph.node for name in node.output}
    readers: Dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            readers[name] = readers.get(name, 0) + 1
    constants = _constants(graph)
    count = 0
    for sigmoid in [node for node in graph.node if node.op_type == "Sigmoid" and node.output[0] in outputs]:
        add = producers.get(sigmoid.input[0])
        # The add goes, so nothing but the sigmoid may read its sum.
        if add is None or add.op_type != "Add" or readers.get(add.output[0]) != 1 or add.output[0] in outputs:
            continue
        scalar = [name for name in add.input if name in constants and constants[name].size == 1]
        if not scalar:
            continue
        source = add.input[1] if add.input[0] == scalar[0] else add.input[0]
        prefix = source + ".rows"
        graph.initializer.extend([
            numpy_helper.from_array(np.array([0, -1], np.int64), prefix + ".shape"),  # [N, everything else]
            numpy_helper.from_array(constants[scalar[0]].astype(np.float32).reshape(1), prefix + ".bias"),
        ])
        nodes = [
            helper.make_node("Shape", [source], [prefix + ".source_shape"]),
            helper.make_node("Reshape", [source, prefix + ".shape"], [prefix]),
            helper.make_node("Add", [prefix, prefix + ".bias"], [prefix + ".added"]),
            helper.make_node("Sigmoid", [prefix + ".added"], [prefix + ".sigmoid"]),
            helper.make_node("Reshape", [prefix + ".sigmoid", prefix + ".source_shape"], list(sigmoid.output)),
        ]
        index = list(graph.node).index(add)
        graph.node.remove(add)
        graph.node.remove(sigmoid)
        for offset, node in enumerate(nodes):
            graph.node.insert(index + offset, node)
        count += 1
    return count


def _ctc_best_outputs(model) -> int:
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    if len(graph.output) != 1:
        return 0
    output = graph.output[0]
    softmax = next((node for node in graph.node if output.name in node.output), None)
    attrs = {a.name: a.i for a in softmax.attribute} if softmax is not None else {}
    # opset 11's Softmax flattens from its axis on: on a 3-D tensor, axis 2 (or -1) is the classes alone.
    rank = len(output.type.tensor_type.shape.dim)
    if softmax is None or softmax.op_type != "Softmax" or rank != 3 or attrs.get("axis", 1) not in (2, -1):
        return 0
    # Renamed: an exported model names its output as X2Paddle names its outputs (fetch_name_0), and that name can
    # no longer be an inner value's.
    probs = "ctc_probs"
    softmax.output[0] = probs
    best_class, best_prob, classes = CTC_OUTPUTS
    graph.initializer.extend([numpy_helper.from_array(np.array(values, np.int64), probs + suffix) for suffix, values in
                              ((".last_start", [2]), (".last_end", [3]), (".last_axis", [0]))])
    graph.node.extend([
        helper.make_node("ArgMax", [probs], [best_class], axis=2, keepdims=0),
        helper.make_node("ReduceMax", [probs], [best_prob], axes=[2], keepdims=0),
        helper.make_node("Shape", [probs], [probs + ".shape"]),
        # The axis named: X2Paddle reads a Slice without its axes as slicing every axis.
        helper.make_node("Slice", [probs + part for part in (".shape", ".last_start", ".last_end", ".last_axis")],
                         [probs + ".classes"]),
        # Its value given, as raw data: X2Paddle reads a tensor attribute's raw data alone.
        helper.make_node("ConstantOfShape", [probs + ".classes"], [classes],
                         value=numpy_helper.from_array(np.zeros(1, np.float32), "zero")),
    ])
    del graph.output[:]
    graph.output.extend([
        helper.make_tensor_value_info(best_class, TensorProto.INT64, ["N", "T"]),
        helper.make_tensor_value_info(best_prob, TensorProto.FLOAT, ["N", "T"]),
        helper.make_tensor_value_info(classes, TensorProto.FLOAT, ["classes"]),
    ])
    return 1
