"""Fold the learnable affine blocks of PP-LCNetV3 (the PP-OCRv4 detector's and recogniser's backbone) into the
convolutions next to them, before paddle builds a predictor.

The exported models compute ``y = s * x + b`` with scalar ``s`` and ``b`` twice per block, once after the
convolution and once after its activation, as separate multiply and add operators. On CPU those memory-bound
passes took half of the recogniser's time, and paddle's own fusion passes leave them. Folding is arithmetic on
the weights, so the model computes the same function; float rounding moves its outputs by about 1e-6. Three
rewrites, each applied only where it is exact:

- an affine right after a convolution's bias goes into the convolution's weights and bias;
- an affine right before a 1x1 convolution without padding goes into that convolution's weights and bias;
- any other scalar multiply followed by a scalar add becomes one ``scale`` operator.

Only legacy programs (``.pdmodel``) are rewritten; other programs, and programs without the pattern, load as
they are.
"""

import logging
from typing import Dict, List, Optional, Tuple

import numpy as np

from .models import ModelFiles

log = logging.getLogger(__name__)

_CONVOLUTIONS = ("conv2d", "depthwise_conv2d")


def folded_model(files: ModelFiles) -> Optional[Tuple[bytes, bytes]]:
    """Return the (program, params) bytes of ``files`` with its affine blocks folded, or None if none fold."""
    prefix = files.program[: -len(".pdmodel")]
    if not files.program.endswith(".pdmodel") or files.params != prefix + ".pdiparams":
        return None
    import paddle

    was_dynamic = paddle.in_dynamic_mode()
    paddle.enable_static()
    try:
        with paddle.pir_utils.OldIrGuard():
            scope = paddle.static.Scope()
            with paddle.static.scope_guard(scope):
                executor = paddle.static.Executor(paddle.CPUPlace())
                program, feeds, fetches = paddle.static.load_inference_model(prefix, executor)
                folded = _Rewriter(program.global_block(), scope).run()
                if not folded:
                    return None
                log.info("folded %d affine blocks of %s", folded, files.program)
                feed_vars = [program.global_block().var(name) for name in feeds]
                return (
                    paddle.static.serialize_program(feed_vars, fetches, program=program),
                    paddle.static.serialize_persistables(feed_vars, fetches, executor, program=program),
                )
    finally:
        if was_dynamic:
            paddle.disable_static()


class _Rewriter:
    """The three rewrites over one program block, reading and writing weights in ``scope``."""

    def __init__(self, block, scope):
        self.block = block
        self.scope = scope

    def run(self) -> int:
        """Apply every rewrite until none applies; return how many affines were removed or merged."""
        count = 0
        for rewrite in (self._into_previous_conv, self._into_next_conv, self._into_scale):
            while rewrite():
                count += 1
        return count

    # -- the program graph

    def _consumers(self) -> Dict[str, List]:
        consumers: Dict[str, List] = {}
        for op in self.block.ops:
            for name in op.input_arg_names:
                consumers.setdefault(name, []).append(op)
        return consumers

    def _only_consumer(self, consumers, name: str, op_type: str):
        ops = consumers.get(name, [])
        return ops[0] if len(ops) == 1 and ops[0].type == op_type else None

    def _weight(self, name: str) -> Optional[np.ndarray]:
        var = self.block.vars.get(name)
        if var is None or not var.persistable:
            return None
        return np.array(self.scope.find_var(name).get_tensor())

    def _set_weight(self, name: str, value: np.ndarray) -> None:
        import paddle

        tensor = self.scope.find_var(name).get_tensor()
        tensor.set(value.astype(np.array(tensor).dtype), paddle.CPUPlace())

    def _scalar(self, name: str) -> Optional[float]:
        value = self._weight(name)
        return float(value.reshape(-1)[0]) if value is not None and value.size == 1 else None

    def _affine_after(self, consumers, name: str):
        """The scalar multiply and add that consume ``name``, with (scale, bias), or None."""
        multiply = self._only_consumer(consumers, name, "elementwise_mul")
        if multiply is None:
            return None
        operands = multiply.input("X") + multiply.input("Y")
        scale = [self._scalar(n) for n in operands if n != name]
        if len(operands) != 2 or len(scale) != 1 or scale[0] is None:
            return None
        add = self._only_consumer(consumers, multiply.output("Out")[0], "elementwise_add")
        if add is None:
            return None
        operands = add.input("X") + add.input("Y")
        bias = [self._scalar(n) for n in operands if n != multiply.output("Out")[0]]
        if len(operands) != 2 or len(bias) != 1 or bias[0] is None:
            return None
        return multiply, add, scale[0], bias[0]

    def _conv_bias(self, consumers, conv):
        """The per-channel bias add right after ``conv``, and its weight name, or None."""
        add = self._only_consumer(consumers, conv.output("Output")[0], "elementwise_add")
        if add is None or add.attr("axis") not in (1, -1) or add.input("X") != conv.output("Output"):
            return None
        bias, filters = add.input("Y")[0], conv.input("Filter")[0]
        if len(consumers.get(bias, [])) != 1 or len(consumers.get(filters, [])) != 1:
            return None  # weights shared with another operator cannot change for this one alone
        value, channels = self._weight(bias), self._weight(filters)
        if value is None or channels is None or value.shape != (channels.shape[0],):
            return None
        return add, bias

    def _drop(self, multiply, add, source: str) -> None:
        """Remove an affine pair, handing its output's name to the operator that produced ``source``."""
        output = add.output("Out")[0]
        for op in self.block.ops:
            if source in op.output_arg_names:
                op._rename_output(source, output)
        self._remove(multiply, add)

    def _remove(self, multiply, add) -> None:
        ops = list(self.block.ops)
        self.block._remove_op(ops.index(add))  # the later one first, so the other's index still holds
        self.block._remove_op(ops.index(multiply))

    def _standalone_affines(self, consumers):
        """Each scalar multiply-then-add in the block: (index of the multiply, multiply, add, its input, s, b)."""
        for index, multiply in enumerate(self.block.ops):
            if multiply.type != "elementwise_mul":
                continue
            source = [n for n in multiply.input("X") + multiply.input("Y") if self._scalar(n) is None]
            affine = len(source) == 1 and self._affine_after(consumers, source[0])
            if affine and affine[0] is multiply:
                yield (index, multiply, affine[1], source[0], affine[2], affine[3])

    # -- the rewrites

    def _into_previous_conv(self) -> bool:
        consumers = self._consumers()
        for conv in self.block.ops:
            if conv.type not in _CONVOLUTIONS:
                continue
            found = self._conv_bias(consumers, conv)
            affine = found and self._affine_after(consumers, found[0].output("Out")[0])
            if not affine:
                continue
            bias_add, bias = found
            multiply, add, scale, offset = affine
            filter_name = conv.input("Filter")[0]
            self._set_weight(filter_name, self._weight(filter_name) * scale)
            self._set_weight(bias, self._weight(bias) * scale + offset)
            self._drop(multiply, add, bias_add.output("Out")[0])
            return True
        return False

    def _into_next_conv(self) -> bool:
        consumers = self._consumers()
        for _, multiply, add, source, scale, offset in self._standalone_affines(consumers):
            conv = self._only_consumer(consumers, add.output("Out")[0], "conv2d")
            found = conv is not None and _is_pointwise(conv) and self._conv_bias(consumers, conv)
            if not found:
                continue
            filter_name, bias = conv.input("Filter")[0], found[1]
            weights, biases = self._weight(filter_name), self._weight(bias)
            assert weights is not None and biases is not None  # _conv_bias found both
            self._set_weight(bias, biases + offset * weights.sum(axis=(1, 2, 3)))
            self._set_weight(filter_name, weights * scale)
            # The convolution now reads the affine's input directly.
            conv._rename_input(add.output("Out")[0], source)
            self._remove(multiply, add)
            return True
        return False

    def _into_scale(self) -> bool:
        for index, multiply, add, source, scale, offset in self._standalone_affines(self._consumers()):
            self.block._insert_op(
                index,
                type="scale",
                inputs={"X": [source]},
                outputs={"Out": add.output("Out")},
                attrs={"scale": scale, "bias": offset, "bias_after_scale": True},
            )
            self._remove(multiply, add)
            return True
        return False


def _is_pointwise(conv) -> bool:
    filters = conv.block.var(conv.input("Filter")[0]).shape
    return (
        tuple(filters[2:]) == (1, 1)
        and list(conv.attr("strides")) == [1, 1]
        and all(p == 0 for p in conv.attr("paddings"))
        and conv.attr("groups") == 1
        and list(conv.attr("dilations")) == [1, 1]
    )
