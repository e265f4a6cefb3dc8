"""What the recogniser reads from its model's outputs, by name: the probabilities of every class, or each column's
best class and probability given by the graph (onnx_rewrite.CTC_OUTPUTS); the same columns and class count either
way."""

import numpy as np

from ocr_engine.runtime.onnx_rewrite import CTC_OUTPUTS
from ocr_engine.stages.recognition import best_columns, output_classes


def shapes(outputs):
    return {name: output.shape for name, output in outputs.items()}


def test_both_output_forms_give_the_same_columns_and_class_count():
    probs = np.random.default_rng(0).random((2, 7, 13)).astype(np.float32)
    given = dict(zip(CTC_OUTPUTS, [probs.argmax(axis=2), probs.max(axis=2), np.zeros(13, np.float32)]))
    for outputs in ({"fetch_name_0": probs}, given):
        best, prob = best_columns(outputs)
        assert np.array_equal(best, probs.argmax(axis=2)) and np.array_equal(prob, probs.max(axis=2))
        assert output_classes(shapes(outputs)) == 13
        # The outputs may be the runtime's own memory, overwritten by its next run: nothing read may point into it.
        assert not any(np.shares_memory(read, output) for read in (best, prob) for output in outputs.values())


def test_three_outputs_not_named_as_the_rewrite_names_them_are_read_by_their_first():
    probs = np.random.default_rng(1).random((1, 4, 9)).astype(np.float32)
    # Shaped as the rewrite's outputs would be, once the first is taken for probabilities: named otherwise.
    outputs = {"probs": probs, "lengths": np.zeros((1, 4), np.float32), "extra": np.zeros(9, np.float32)}
    assert output_classes(shapes(outputs)) == 9
    assert np.array_equal(best_columns(outputs)[0], probs.argmax(axis=2))
