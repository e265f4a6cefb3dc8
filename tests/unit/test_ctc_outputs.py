"""What the recogniser reads from its model's outputs: the probabilities of every class, or each column's best class
and probability given by the graph (onnx_rewrite.CTC_OUTPUTS); the same columns and class count either way."""

import numpy as np

from ocr_engine.stages.recognition import best_columns, output_classes


def test_both_output_forms_give_the_same_columns_and_class_count():
    probs = np.random.default_rng(0).random((2, 7, 13)).astype(np.float32)
    given = [probs.argmax(axis=2), probs.max(axis=2), np.zeros(13, np.float32)]
    for outputs in ([probs], given):
        best, prob = best_columns(outputs)
        assert np.array_equal(best, probs.argmax(axis=2)) and np.array_equal(prob, probs.max(axis=2))
        assert output_classes([output.shape for output in outputs]) == 13


def test_a_model_with_other_outputs_is_read_by_its_first():
    probs = np.random.default_rng(1).random((1, 4, 9)).astype(np.float32)
    outputs = [probs, np.zeros((1, 4), np.float32)]  # two outputs are not the best-column form
    assert output_classes([output.shape for output in outputs]) == 9
    assert np.array_equal(best_columns(outputs)[0], probs.argmax(axis=2))
