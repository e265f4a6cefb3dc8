"""The PaddleX API's pure parts: the contract's envelope and validation messages, the endpoints' answers that need
no model, word spans from CTC columns, and where a span lies on its region."""

import contextlib
import json

import numpy as np
import pytest

from ocr_engine.serving.paddlex.contract import OCRRequest, dotted, failure, success, validation_message
from ocr_engine.serving.paddlex.routes import answer_ocr
from ocr_engine.stages.geometry import span_quad, whole_pixel_box
from ocr_engine.stages.preprocess import detection_size
from ocr_engine.stages.recognition import WordSpan, word_spans


def columns_for(text: str, starts, total: int) -> np.ndarray:
    """CTC labels of ``total`` columns where character i of ``text`` is emitted at column starts[i] (label i+1)."""
    labels = np.zeros(total, dtype=np.int64)
    for i, column in enumerate(starts):
        labels[column] = i + 1
    return labels


def test_words_are_runs_of_letters_digits_and_accents():
    text = "Décor 12.5 state-of-art, fin"
    starts = [2 * i for i in range(len(text))]
    spans = word_spans(columns_for(text, starts, 2 * len(text)), text, filled=1.0)
    assert [span.text for span in spans] == ["Décor", "12.5", "state-of-art", "fin"]
    first = spans[0]
    assert first.start == 0.0 and first.end == pytest.approx(9 / (2 * len(text)))


def test_each_cjk_character_is_a_word_as_wide_as_the_line_pitch():
    text = "欢迎光临"
    spans = word_spans(columns_for(text, [3, 7, 11, 15], 25), text, filled=0.8)
    assert [span.text for span in spans] == list(text)
    # 4 columns apart, 20 columns filled: each character 4/20 wide, centred on its column.
    assert np.allclose([(span.start, span.end) for span in spans],
                       [((c + 0.5 - 2) / 20, (c + 0.5 + 2) / 20) for c in (3, 7, 11, 15)])


def test_no_spans_when_columns_and_text_disagree():
    assert word_spans(np.array([0, 1, 0]), "ab", 1.0) == []


def test_a_span_lies_along_the_line_backwards_when_turned_and_down_a_column():
    line = np.array([[0, 0], [100, 0], [100, 20], [0, 20]], np.float32)
    assert np.allclose(span_quad(line, 0.2, 0.5), [[20, 0], [50, 0], [50, 20], [20, 20]])
    assert np.allclose(span_quad(line, 0.2, 0.5, turned=True), [[50, 0], [80, 0], [80, 20], [50, 20]])
    column = np.array([[0, 0], [20, 0], [20, 100], [0, 100]], np.float32)
    assert np.allclose(span_quad(column, 0.1, 0.3), [[0, 10], [20, 10], [20, 30], [0, 30]])
    assert WordSpan("a", 0.0, 1.0).end == 1.0


def test_the_detector_input_never_passes_max_side_limit():
    assert detection_size(1000, 3000, 2000, "min") == (1984, 6016)
    assert detection_size(1000, 3000, 2000, "min", max_side_limit=4000) == (1344, 4000)
    assert detection_size(1000, 3000, 960, "max", max_side_limit=4000) == (320, 960)


def test_bounding_boxes_stay_inside_the_page():
    assert whole_pixel_box(np.array([[-3, 2], [50.4, 1], [52, 30.2], [-1, 31]], np.float32), (40, 30)) == [0, 1, 40, 30]


def test_envelopes_and_validation_messages_are_paddlexs():
    assert set(failure("id", 422, "why")) == {"logId", "errorCode", "errorMsg"}
    assert failure(None, 500, "x")["logId"]
    with pytest.raises(Exception) as caught:
        OCRRequest.model_validate({"fileType": "1", "visualize": "maybe"})
    listed = json.loads(validation_message(caught.value))
    assert {item["loc"] for item in listed} == {"body.file", "body.fileType", "body.visualize"}
    assert dotted(("body", "pages", 0, "width")) == "body.pages[0].width"
    request = OCRRequest.model_validate({"file": "x", "textDetLimitSideLen": "960", "returnWordBox": "true",
                                         "unknown": 1})
    assert request.textDetLimitSideLen == 960 and request.returnWordBox is True
    assert "unknown" not in request.model_dump()
    assert "result" in success("id", type("Answer", (), {"model_dump": lambda self, **_: {}})())


def test_answers_that_need_no_model():
    status, answer = answer_ocr(b"{not json", {})
    assert status == 422 and json.loads(answer["errorMsg"])[0]["type"] == "json_invalid"
    status, answer = answer_ocr(json.dumps({"file": "x", "logId": "L"}).encode(), {})
    assert status == 404 and answer["logId"] == "L" and "ocr_system" in answer["errorMsg"]


def test_an_unexpected_failure_is_a_500_without_internals(caplog):
    class BrokenService:
        @contextlib.contextmanager
        def request(self, sent, api=""):
            yield None

    class Broken:  # a module whose service lets an error out, which the real one never does
        pipeline = None
        service = BrokenService()

    status, answer = answer_ocr(json.dumps({"file": "x"}).encode(), {"ocr_system": Broken()})
    assert status == 500 and answer["errorMsg"] == (
        "the server failed to process the file; the cause is in the server log")
    assert "POST /ocr failed" in caplog.text
