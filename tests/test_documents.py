"""PDF documents (issue 18): read page by page through ocr_system and ocr_det, each box saying its page; mixed
with photos in order; broken PDFs and too many pages refused in a sentence, the server answering the next
request; ocr_rec and ocr_cls pointing to ocr_system; a born-digital page answered from its text layer when asked."""

import os

import pytest
from conftest import assert_ok

from testkit.answers import assert_refused
from testkit.documents import bad_pdfs, blank_pages_pdf, photos_pdf, text_pdf
from testkit.inputs import b64, encode_file
from testkit.rendering import cjk_font, squash
from testkit.server import HubServer, shipped_config

ENGLISH_PAGE = ["Invoice 2024-118 from Northwind Traders", "Total due: 1,250.00 EUR by 30 June",
                "Payment to account DE44 5001 0517 5407 3249 31"]
CHINESE_PAGE = ["上海市徐汇区衡山路12号", "发票金额：壹仟贰佰伍拾元整"]


@pytest.fixture(scope="module")
def photos(data_dir):
    return [os.path.join(data_dir, "french.jpg"), os.path.join(data_dir, "chinese.jpg")]


def texts(boxes, page=None):
    return [box["text"] for box in boxes if page is None or box["page"] == page]


def test_a_pdf_of_two_photos_is_one_result_each_box_on_its_page(server, photos):
    results = assert_ok(server.predict("ocr_system", [b64(photos_pdf(photos))]))
    assert len(results) == 1
    boxes = results[0]
    assert {box["page"] for box in boxes} == {1, 2}
    assert set(boxes[0]) == {"text", "confidence", "text_region", "page"}
    assert [box["page"] for box in boxes] == sorted(box["page"] for box in boxes)  # page by page
    first, second = texts(boxes, 1), texts(boxes, 2)
    assert "Palais du LOUVRE" in first and "du PALAIS-ROYAL" in first, first
    assert "愚园路" in second and "愚园路" not in first and "Palais du LOUVRE" not in second, second


def test_a_mixed_request_keeps_its_order(server, photos):
    french, chinese = (encode_file(path) for path in photos)
    alone = assert_ok(server.predict("ocr_system", [french, chinese]))
    mixed = assert_ok(server.predict("ocr_system", [french, b64(photos_pdf(photos[::-1])), chinese]))
    assert len(mixed) == 3
    assert mixed[0] == alone[0] and mixed[2] == alone[1]
    assert "愚园路" in texts(mixed[1], 1) and "Palais du LOUVRE" in texts(mixed[1], 2)


def test_ocr_det_gives_each_pages_boxes(server, photos):
    boxes = assert_ok(server.predict("ocr_det", [b64(photos_pdf(photos))]))[0]
    assert {box["page"] for box in boxes} == {1, 2} and set(boxes[0]) == {"text_region", "page"}


@pytest.mark.parametrize("module", ["ocr_rec", "ocr_cls"])
def test_line_modules_point_to_ocr_system(server, photos, module):
    answer = server.predict(module, [b64(photos_pdf(photos[:1]))])
    assert_refused(answer, "image 1 of 1: is a PDF document; %s reads images of single lines, send documents to "
                           "ocr_system (or ocr_det for the boxes alone)" % module)


@pytest.mark.parametrize("case", range(4), ids=["truncated", "encrypted", "no pages", "zero-size page"])
def test_a_broken_pdf_gets_its_sentence_and_the_next_request_is_answered(server, photos, case):
    name, raw, end = bad_pdfs(photos_pdf(photos[:1]))[case]
    answer = server.predict("ocr_system", [encode_file(photos[1]), b64(raw)])
    assert assert_refused(answer).startswith("image 2 of 2: " + end), (name, answer["msg"])
    assert "Traceback" not in answer["msg"] and "Pdfium" not in answer["msg"]
    assert "Palais du LOUVRE" in texts(assert_ok(server.predict("ocr_system", [b64(photos_pdf(photos[:1]))]))[0])


def test_every_page_counts_toward_the_image_limit(server, photos):
    answer = server.predict("ocr_system", [b64(blank_pages_pdf(17))])
    assert answer["msg"] == (
        "the request holds 17 images counting each PDF page as one (image 1 of 1 is a PDF of 17 pages), over the "
        "limit of 16 per request (max_images_per_request): send the pages in several requests")
    photo = encode_file(photos[0])
    answer = server.predict("ocr_system", [photo, b64(blank_pages_pdf(15)), photo])
    assert answer["msg"].startswith("the request holds 17 images counting each PDF page as one (image 2 of 3 is a "
                                    "PDF of 15 pages)"), answer
    sixteen = assert_ok(server.predict("ocr_system", [photo, b64(blank_pages_pdf(14)), photo]))
    assert len(sixteen) == 3 and sixteen[1] == []  # blank pages: no boxes, nothing dropped


def born_digital() -> bytes:
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font to embed (docs/api.md, Fonts)")
    english = text_pdf([ENGLISH_PAGE], size=11)
    chinese = text_pdf([CHINESE_PAGE], font_path=font, size=12)
    import io

    import pypdfium2

    merged = pypdfium2.PdfDocument(english)
    merged.import_pages(pypdfium2.PdfDocument(chinese))
    out = io.BytesIO()
    merged.save(out)
    return out.getvalue()


def test_a_born_digital_pdf_is_read_and_with_the_text_layer_answered_from_it(server, hub_home, tmp_path):
    document = b64(born_digital())
    read = assert_ok(server.predict("ocr_system", [document]))[0]
    # OCR (PP-OCRv4) may lose a space between words; the characters land on their pages.
    assert [squash(t) for t in texts(read, 1)] == [squash(t) for t in ENGLISH_PAGE], read
    assert texts(read, 2) == CHINESE_PAGE, read
    config = shipped_config("cpu.json", {"ocr_system": {"pdf_text_layer": True}})
    with HubServer.with_config(config, hub_home, str(tmp_path)) as layered:
        boxes = assert_ok(layered.predict("ocr_system", [document]))[0]
        assert texts(boxes, 1) == ENGLISH_PAGE and texts(boxes, 2) == CHINESE_PAGE, boxes  # every space kept
        assert all(box["source"] == "pdf_text" and box["confidence"] == 1.0 for box in boxes)
        # The boxes lie where OCR found the same lines, in the same pixels (pdf_dpi both ways).
        for ocr, layer in zip(read, boxes):
            (ox, oy), (lx, ly) = ocr["text_region"][0], layer["text_region"][0]
            assert abs(ox - lx) < 12 and abs(oy - ly) < 12, (ocr, layer)
        # A scanned page has no text layer: it is read as usual.
        scan = assert_ok(layered.predict("ocr_system", [b64(photos_pdf([os.path.join(
            os.path.dirname(__file__), "data", "french.jpg")]))]))[0]
        assert "Palais du LOUVRE" in texts(scan) and all("source" not in box for box in scan)
