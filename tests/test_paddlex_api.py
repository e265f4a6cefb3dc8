"""PaddleX's OCR serving API (issue 28): ``POST /ocr`` and ``GET /health`` on the port of ``/predict/<module>``,
answered by the ocr_system module: every field of the contract, per-request settings, word boxes on rendered
lines whose words' places are known, PDFs, and every refusal in PaddleX's envelope and status."""

import base64
import json
import os
import subprocess

import cv2
import numpy as np
import pytest
from conftest import assert_ok, reads_accents
from PIL import ImageFont

from testkit.documents import bad_pdfs, blank_pages_pdf, photos_pdf
from testkit.inputs import INTERNALS, b64, encode, encode_file, png, png_bomb
from testkit.misbehaving import declared_length
from testkit.rendering import ENGLISH_LINES, latin_font, render_lines, squash
from testkit.server import get_text

PRUNED_KEYS = {"model_settings", "dt_polys", "text_det_params", "text_type", "textline_orientation_angles",
               "text_rec_score_thresh", "return_word_box", "rec_texts", "rec_scores", "rec_polys", "rec_boxes"}


def ok(answered):
    """The ``result`` of a successful /ocr answer; fails showing the answer otherwise."""
    status, answer = answered
    assert status == 200 and answer["errorCode"] == 0 and answer["errorMsg"] == "Success", answer
    assert isinstance(answer["logId"], str) and answer["logId"]
    return answer["result"]


def refused(answered, status: int) -> str:
    """The ``errorMsg`` of a refusal with ``status``, checked to be PaddleX's envelope without internals."""
    code, answer = answered
    assert code == status and set(answer) == {"logId", "errorCode", "errorMsg"} and answer["errorCode"] == status, \
        answer
    if not answer["errorMsg"].startswith("[{"):  # a validation list names pydantic's error types, as PaddleX's does
        assert not INTERNALS.search(answer["errorMsg"]), answer
    return answer["errorMsg"]


def decode_jpeg(text: str) -> np.ndarray:
    raw = base64.b64decode(text)
    assert raw[:3] == b"\xff\xd8\xff"
    return cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)


@pytest.fixture(scope="module")
def french(data_dir):
    path = os.path.join(data_dir, "french.jpg")
    return encode_file(path), cv2.imread(path)


def test_health_answers_healthy(server):
    code, body = get_text(server.url + "/health")
    assert code == 200
    import json

    answer = json.loads(body)
    assert set(answer) == {"logId", "errorCode", "errorMsg"} and answer["errorCode"] == 0
    assert answer["errorMsg"] == "Healthy"


def test_an_image_gets_every_field_of_the_contract(server, english):
    image, placed = english
    result = ok(server.paddlex_ocr({"file": encode(image), "fileType": 1, "visualize": False, "logId": "req-7",
                                    "someFieldPaddleXIgnores": 3}))
    assert "fields this server does not know were ignored: someFieldPaddleXIgnores" in server.log()
    assert result["dataInfo"] == {"width": image.shape[1], "height": image.shape[0], "type": "image"}
    assert len(result["ocrResults"]) == 1 and set(result["ocrResults"][0]) == {"prunedResult"}
    pruned = result["ocrResults"][0]["prunedResult"]
    assert set(pruned) == PRUNED_KEYS
    assert [squash(text) for text in pruned["rec_texts"]] == [squash(p.text) for p in placed]
    assert pruned["model_settings"] == {"use_doc_preprocessor": False, "use_textline_orientation": True}
    assert pruned["text_det_params"] == {"limit_side_len": 960, "limit_type": "max", "thresh": 0.3,
                                         "max_side_limit": 4000, "box_thresh": 0.5, "unclip_ratio": 1.6}
    assert pruned["text_type"] == "general" and pruned["text_rec_score_thresh"] == 0.5
    assert pruned["return_word_box"] is False
    assert len(pruned["textline_orientation_angles"]) == len(pruned["dt_polys"]) >= len(pruned["rec_polys"])
    assert set(pruned["textline_orientation_angles"]) <= {0, 1}
    assert len(pruned["rec_scores"]) == len(pruned["rec_polys"]) == len(pruned["rec_boxes"]) == len(placed)
    for score, poly, box, line in zip(pruned["rec_scores"], pruned["rec_polys"], pruned["rec_boxes"], placed):
        assert 0.5 <= score <= 1.0
        assert len(poly) == 4 and all(len(point) == 2 and all(isinstance(v, int) for v in point) for point in poly)
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        assert box == [min(xs), min(ys), max(xs), max(ys)]
        assert 0 <= box[0] < box[2] <= image.shape[1] and 0 <= box[1] < box[3] <= image.shape[0]
        left, top, right, bottom = line.box  # the drawn glyphs lie inside the box read
        assert box[0] <= left + 8 and box[2] >= right - 8 and box[1] <= top + 8 and box[3] >= bottom - 8


def test_the_log_id_is_echoed_and_otherwise_fresh(server, english):
    image, _ = english
    assert server.paddlex_ocr({"file": encode(image), "logId": "req-7", "visualize": False})[1]["logId"] == "req-7"
    first = server.paddlex_ocr({"file": encode(image), "visualize": False})[1]["logId"]
    second = server.paddlex_ocr({"file": encode(image), "visualize": False})[1]["logId"]
    assert first != second


def test_ocr_reads_what_predict_reads(server, french):
    data, _ = french
    lines = assert_ok(server.predict("ocr_system", [data]))[0]
    pruned = ok(server.paddlex_ocr({"file": data, "fileType": None, "visualize": False}))["ocrResults"][0][
        "prunedResult"]
    assert pruned["rec_texts"] == [line["text"] for line in lines]
    assert pruned["rec_polys"] == [line["text_region"] for line in lines]
    assert pruned["rec_scores"] == pytest.approx([line["confidence"] for line in lines])
    assert ("LES ARTS DÉCORATIFS" if reads_accents() else "LES ARTS DECORATIFS") in pruned["rec_texts"]


def test_visualize_is_on_by_default_and_shrinks_to_2000_pixels(server, french, english):
    data, photo = french
    result = ok(server.paddlex_ocr({"file": data}))["ocrResults"][0]
    assert set(result) == {"prunedResult", "ocrImage", "inputImage"}
    shown, drawn = decode_jpeg(result["inputImage"]), decode_jpeg(result["ocrImage"])
    assert shown.shape == photo.shape
    assert drawn.shape[0] == photo.shape[0] and drawn.shape[1] == 2 * photo.shape[1]  # the image, then the text
    assert np.abs(shown.astype(int) - photo.astype(int)).mean() < 8  # the input, as it was read
    image, _ = english
    big = cv2.resize(image, (image.shape[1] * 5, image.shape[0] * 5))
    result = ok(server.paddlex_ocr({"file": encode(big), "visualize": True}))["ocrResults"][0]
    height, width = decode_jpeg(result["inputImage"]).shape[:2]
    assert max(height, width) == 2000 and abs(width / height - big.shape[1] / big.shape[0]) < 0.01
    assert max(decode_jpeg(result["ocrImage"]).shape[:2]) <= 2000
    assert "ocrImage" not in ok(server.paddlex_ocr({"file": encode(image), "visualize": False}))["ocrResults"][0]


def test_settings_apply_to_their_request_alone(server, french):
    data, _ = french

    def pruned(**settings):
        return ok(server.paddlex_ocr(dict(settings, file=data, visualize=False)))["ocrResults"][0]["prunedResult"]

    default = pruned()
    strict = pruned(textRecScoreThresh=0.99)
    assert strict["text_rec_score_thresh"] == 0.99 and all(score >= 0.99 for score in strict["rec_scores"])
    assert set(strict["rec_texts"]) < set(default["rec_texts"])
    assert strict["dt_polys"] == default["dt_polys"]
    wide = pruned(textDetUnclipRatio=2.5, textDetThresh=0.25, textDetBoxThresh=0.6, textDetLimitSideLen="736",
                  textDetLimitType="max")
    assert wide["text_det_params"] == {"limit_side_len": 736, "limit_type": "max", "thresh": 0.25,
                                       "max_side_limit": 4000, "box_thresh": 0.6, "unclip_ratio": 2.5}

    def area(polys):
        return sum(cv2.contourArea(np.array(poly, np.float32)) for poly in polys)

    assert area(wide["dt_polys"]) > 1.2 * area(default["dt_polys"])  # unclipped further: larger regions
    upright = pruned(useTextlineOrientation=False)
    assert upright["model_settings"]["use_textline_orientation"] is False
    assert set(upright["textline_orientation_angles"]) == {-1}
    assert pruned() == default  # nothing stayed behind


WORDS = [["INVOICE", "2024-117"], ["Total", "due", "385.20", "EUR"], ["Thank", "you", "for", "your", "order"]]


def test_word_boxes_lie_on_the_words_drawn(server):
    assert [" ".join(words) for words in WORDS] != ENGLISH_LINES  # punctuation is not a word
    image, placed = render_lines(ENGLISH_LINES, latin_font(), size=40, margin=40)
    font = ImageFont.truetype(latin_font(), 40)
    pruned = ok(server.paddlex_ocr({"file": encode(image), "returnWordBox": True, "visualize": False}))[
        "ocrResults"][0]["prunedResult"]
    assert pruned["return_word_box"] is True
    assert pruned["text_word"] == WORDS
    for line, words, boxes in zip(placed, pruned["text_word"], pruned["text_word_boxes"]):
        assert len(boxes) == len(words)
        offset = 0
        for word, box in zip(words, boxes):
            start = line.text.index(word, offset)
            offset = start + len(word)
            left, right = 40 + font.getlength(line.text[:start]), 40 + font.getlength(line.text[:offset])
            overlap = min(right, box[2]) - max(left, box[0])
            assert overlap >= 0.6 * (right - left) and overlap >= 0.6 * (box[2] - box[0]), (word, box, left, right)
            assert box[1] <= line.box[1] + 4 and box[3] >= line.box[3] - 4, (word, box, line.box)


def test_a_pdf_is_one_result_per_page(server, data_dir):
    photos = [os.path.join(data_dir, "french.jpg"), os.path.join(data_dir, "chinese.jpg")]
    sizes = [cv2.imread(path).shape[1::-1] for path in photos]
    for file_type in (0, None):
        result = ok(server.paddlex_ocr({"file": b64(photos_pdf(photos)), "fileType": file_type, "visualize": True}))
        info = result["dataInfo"]
        assert info["numPages"] == 2 and info["type"] == "pdf" and len(info["pages"]) == 2
        for page, (width, height) in zip(info["pages"], sizes):  # rendered at pdf_dpi: the photo's size, +-1
            assert abs(page["width"] - width) <= 1 and abs(page["height"] - height) <= 1, info
        first, second = (item["prunedResult"]["rec_texts"] for item in result["ocrResults"])
        assert "Palais du LOUVRE" in first and "愚园路" in "".join(second) and "愚园路" not in "".join(first)
        for item, page in zip(result["ocrResults"], info["pages"]):
            assert decode_jpeg(item["inputImage"]).shape[:2] == (page["height"], page["width"])


def test_refusals_come_in_paddlex_envelope_with_this_servers_sentences(server, english, data_dir):
    image, _ = english
    good = encode(image)
    pdf = photos_pdf([os.path.join(data_dir, "french.jpg")])
    messages = {
        "missing": refused(server.paddlex_ocr({"fileType": 1}), 422),
        "string type": refused(server.paddlex_ocr({"file": good, "fileType": "1"}), 422),
        "not an object": refused(server.paddlex_ocr([good]), 422),
        "url": refused(server.paddlex_ocr({"file": "https://example.com/sign.png"}), 422),
        "base64": refused(server.paddlex_ocr({"file": "iVBOR%w0KGgo="}), 422),
        "not an image": refused(server.paddlex_ocr({"file": "bm90IGFuIGltYWdl", "fileType": 1}), 422),
        "pdf as image": refused(server.paddlex_ocr({"file": b64(pdf), "fileType": 1}), 422),
        "image as pdf": refused(server.paddlex_ocr({"file": good, "fileType": 0}), 422),
        "bomb": refused(server.paddlex_ocr({"file": b64(png_bomb())}), 422),
        "pages": refused(server.paddlex_ocr({"file": b64(blank_pages_pdf(17))}), 422),
        "unwarping": refused(server.paddlex_ocr({"file": good, "useDocUnwarping": "true"}), 422),
        "limit type": refused(server.paddlex_ocr({"file": good, "textDetLimitType": "long"}), 422),
        "threshold": refused(server.paddlex_ocr({"file": good, "textRecScoreThresh": 1.5}), 422),
    }
    assert messages["missing"] == '[{"type": "missing", "loc": "body.file", "msg": "Field required"}]'
    assert '"loc": "body.fileType"' in messages["string type"]
    assert '"loc": "body"' in messages["not an object"]
    assert messages["url"] == "file: is a URL; the server never fetches URLs, send the image bytes base64-encoded"
    assert messages["base64"] == "file: is not valid base64 ('%' at character 6)"
    assert messages["not an image"] == "file: not a decodable image (no known image header, 12 bytes)"
    assert messages["pdf as image"].startswith("file: is a PDF document, but fileType is 1 (an image)")
    assert messages["image as pdf"].startswith("file: fileType is 0 (a PDF document), but the file is PNG")
    assert messages["bomb"].endswith("over the limit of 64.0 megapixels (max_image_pixels)")
    assert "file is a PDF of 17 pages" in messages["pages"] and "max_images_per_request" in messages["pages"]
    assert messages["unwarping"].startswith("useDocUnwarping: this server has no document unwarping model")
    # Each field is read by the option it sets, so its sentence names both and says what the option accepts.
    assert messages["limit type"] == "textDetLimitType: det_limit_type must be max, min or resize_long, not 'long'"
    assert messages["threshold"] == "textRecScoreThresh: drop_score must be a number from 0 to 1, got 1.5"
    for name, broken, sentence in bad_pdfs(pdf):
        assert refused(server.paddlex_ocr({"file": b64(broken), "fileType": 0}), 422).startswith(
            "file: " + sentence), name
    code, answer = server.paddlex_ocr({"logId": "mine", "file": 5})
    assert code == 422 and answer["logId"] == "mine"
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("POST", "/ocr", body=b"{not json", headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 422 and b"json_invalid" in response.read()
    connection.request("GET", "/ocr")
    assert connection.getresponse().status == 405
    # The server goes on.
    assert ok(server.paddlex_ocr({"file": good, "visualize": False}))["ocrResults"][0]["prunedResult"]["rec_texts"]


def test_the_front_refuses_oversize_in_paddlex_envelope(server):
    import json

    status, body = declared_length(server.port, 2_000_000_000, path="/ocr")
    answer = json.loads(body)
    assert status == 413 and answer["errorCode"] == 413 and "max_request_bytes" in answer["errorMsg"], body


def test_gunicorn_workers_answer_ocr(multiprocess_server, english):
    image, placed = english
    result = ok(multiprocess_server.paddlex_ocr({"file": b64(png(image)), "visualize": False}))
    texts = result["ocrResults"][0]["prunedResult"]["rec_texts"]
    assert [squash(text) for text in texts] == [squash(p.text) for p in placed]
    assert get_text(multiprocess_server.url + "/health")[0] == 200


def test_a_tight_server_times_out_counts_and_keeps_its_own_defaults(tight_server, data_dir, english):
    server, metrics_port = tight_server
    image, _ = english
    result = ok(server.paddlex_ocr({"file": encode(image)}))["ocrResults"][0]
    assert set(result) == {"prunedResult"}  # visualize off by init_args
    assert result["prunedResult"]["model_settings"]["use_textline_orientation"] is False
    assert refused(server.paddlex_ocr({"file": encode(image), "useTextlineOrientation": True}), 422) == (
        "useTextlineOrientation: the angle classifier is off on this server (use_angle_cls false in "
        "config.json's init_args), so it cannot be turned on for one request")
    pages = photos_pdf([os.path.join(data_dir, "french.jpg")] * 12)
    assert refused(server.paddlex_ocr({"file": b64(pages)}), 503).startswith(
        "the request was stopped after 1 s, the most one request may take (request_timeout)")
    metrics = get_text("http://127.0.0.1:%d/metrics" % metrics_port)[1]
    for outcome, count in (("ok", 1), ("refused", 2)):
        assert 'ocr_requests_total{module="/ocr",outcome="%s"} %d.0' % (outcome, count) in metrics, metrics
    assert "/ocr: refused" in server.log()


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """A 300-dpi A4 page of six English lines with a scanner's grain, as a grey PNG of several megabytes: too long
    for a shell's command line as base64."""
    lines, _ = render_lines(ENGLISH_LINES * 2, latin_font(), size=60)
    page = np.full((3508, 2480), 255, np.uint8)
    page[200:200 + lines.shape[0], 150:150 + lines.shape[1]] = cv2.cvtColor(lines, cv2.COLOR_BGR2GRAY)
    grain = np.random.default_rng(0).normal(0, 4, page.shape)
    path = tmp_path_factory.mktemp("scan") / "scan.png"
    cv2.imwrite(str(path), np.clip(page + grain, 0, 255).astype(np.uint8))
    return str(path)


def curl_form(url: str, *fields: str, headers=(), data=None):
    """(status, JSON answer) of ``curl -F FIELD ...`` (or ``--data-binary`` ``data``): the client the README shows."""
    command = ["curl", "-s", "-w", "\n%{http_code}", url] + [arg for field in fields for arg in ("-F", field)]
    command += [arg for header in headers for arg in ("-H", header)]
    if data is not None:
        command += ["--data-binary", data]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    body, _, status = result.stdout.rpartition("\n")
    return int(status), json.loads(body)


@pytest.mark.parametrize("path", ["/ocr", "/layout-parsing", "/table-recognition"])
def test_a_multi_megabyte_scan_sent_as_a_form_is_answered_as_its_json_body_is(server, scan, path):
    assert os.path.getsize(scan) > 2_000_000
    with open(scan, "rb") as handle:
        as_json = ok(server.paddlex(path, {"file": b64(handle.read()), "fileType": 1, "visualize": False}))
    as_form = ok(curl_form(server.url + path, "file=@" + scan, "fileType=1", "visualize=false"))
    assert as_form == as_json
    texts = json.dumps(as_form)
    assert all(line.split()[0] in texts for line in ENGLISH_LINES), texts  # the page was read, not just answered


def test_a_form_is_checked_as_a_json_body_is(server, scan):
    url = server.url + "/ocr"
    assert "fileType" in refused(curl_form(url, "file=@" + scan, "fileType=7"), 422)
    assert "file" in refused(curl_form(url, "fileType=1"), 422)
    assert refused(curl_form(url, data="not a form", headers=["Content-Type: multipart/form-data; boundary=zz"]),
                   422).startswith("the multipart body could not be read as a form")
    assert refused(curl_form(url, "file=@" + scan, "file=@" + scan), 422) == (
        "the form sends file more than once: send each field once")
    assert ok(curl_form(url, "file=@" + scan, "visualize=false"))["ocrResults"]  # and it goes on serving
