"""Multipart forms: read into text fields and files, then into the object a JSON body would be."""

import pytest

from ocr_engine.serving.errors import InputError
from ocr_engine.serving.multipart import MAX_PARTS, is_multipart, read_form
from ocr_engine.serving.paddlex.contract import OCRRequest
from ocr_engine.serving.paddlex.form import request_fields
from ocr_engine.serving.paddlex.structure_contract import LayoutParsingRequest
from ocr_engine.serving.sent import file_bytes
from testkit.inputs import form_body

BOUNDARY = "xYz123"
CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY


def body(texts=(), files=()) -> bytes:
    """A form as curl -F writes one, with this test's boundary."""
    return form_body(BOUNDARY, texts, files)


def test_a_form_gives_its_texts_and_its_files_bytes_unchanged():
    data = bytes(range(256)) * 40 + b"\r\n--not the boundary\r\n"
    form = read_form(body([("fileType", "1")], [("file", data)]), CONTENT_TYPE)
    assert form.texts == {"fileType": "1"} and form.files == {"file": data}
    assert is_multipart(CONTENT_TYPE) and is_multipart("Multipart/Form-Data;boundary=a")
    assert not is_multipart("application/json") and not is_multipart("")


@pytest.mark.parametrize("body, content_type, sentence", [
    (b"not a form at all", CONTENT_TYPE, "the multipart body could not be read as a form"),
    (body([("a", "1")])[:-10], CONTENT_TYPE, "the multipart body could not be read as a form"),
    (body([("n%d" % i, "1") for i in range(MAX_PARTS + 1)]), CONTENT_TYPE, "more than 64 parts"),
    (body([("file", "x")], [("file", b"y")]), CONTENT_TYPE, "the form sends file more than once"),
    (body([("a", "1")]), "multipart/form-data", "names no boundary"),
])
def test_an_unreadable_form_is_refused_in_a_sentence(body, content_type, sentence):
    with pytest.raises(InputError, match=sentence):
        read_form(body, content_type)


def test_text_fields_become_what_json_would_have_sent():
    form = read_form(body([("fileType", "1"), ("visualize", "false"), ("textDetThresh", "0.25"),
                                ("logId", "123"), ("textDetLimitType", "max"), ("extra", "[1, 2]")],
                               [("file", b"%PDF-")]), CONTENT_TYPE)
    fields = request_fields(form, OCRRequest)
    assert fields == {"file": b"%PDF-", "fileType": 1, "visualize": False, "textDetThresh": 0.25, "logId": "123",
                      "textDetLimitType": "max", "extra": [1, 2]}
    request = OCRRequest.model_validate(fields)
    assert request.file == b"%PDF-" and request.fileType == 1 and request.logId == "123"
    # A field that takes a number or an object, and a list of names.
    layout = request_fields(read_form(body([("layoutThreshold", '{"0": 0.3}'), ("layoutMergeBboxesMode", "large"),
                                                 ("markdownIgnoreLabels", '["table"]')]), CONTENT_TYPE),
                            LayoutParsingRequest)
    assert layout == {"layoutThreshold": {"0": 0.3}, "layoutMergeBboxesMode": "large",
                      "markdownIgnoreLabels": ["table"]}


def test_uploaded_bytes_are_held_to_the_image_size_limit_as_base64_is():
    assert file_bytes(b"\x89PNG", "file", 4) == b"\x89PNG"
    with pytest.raises(InputError, match=r"^file: is 5 bytes, over the limit of 4 bytes per image"):
        file_bytes(b"\x89PNG!", "file", 4)
    with pytest.raises(InputError, match="^file: is empty$"):
        file_bytes(b"", "file", 4)
    assert file_bytes("iVBORw==", "file", 6) == b"\x89PNG"  # base64 text, decoded as before


def test_a_json_file_that_is_not_text_is_refused_as_a_string_field_is():
    from pydantic import ValidationError

    from ocr_engine.serving.paddlex.contract import validation_message

    for value in (42, None, [1]):
        with pytest.raises(ValidationError) as refused:
            OCRRequest.model_validate({"file": value})
        assert validation_message(refused.value) == (
            '[{"type": "string_type", "loc": "body.file", "msg": "Input should be a valid string"}]')
