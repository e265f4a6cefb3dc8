"""PDF handling without a server: recognising a PDF, the render scale, the page limit's sentence, shaping the
answers by input with their page, and the request's deadline checked before each page."""

import numpy as np
import pytest

from ocr_engine.runtime.deadline import DeadlinePassed, deadline
from ocr_engine.serving.errors import InputError
from ocr_engine.serving.hub_module import OCRHubModule
from ocr_engine.serving.pdf import DocumentOptions, Page, PdfInput, page_scale
from ocr_engine.serving.sent import InputLimits, SentFile, check_pages
from ocr_engine.serving.service import DecodedFile, Service
from ocr_view.drawing import is_pdf
from testkit.documents import blank_pages_pdf, text_pdf

LIMITS = InputLimits(max_images_per_request=16, max_image_bytes=1 << 20, max_image_pixels=4_000_000,
                     max_request_pixels=16_000_000, request_timeout=300)


def test_a_pdf_is_known_by_its_header_not_its_name():
    assert is_pdf(b"%PDF-1.7\n...") and is_pdf(b"\r\n  junk first %PDF-1.4")
    assert not is_pdf(b"\x89PNG\r\n\x1a\n") and not is_pdf(b"PDF-1.7") and not is_pdf(b" " * 1100 + b"%PDF-1.7")


def test_a_page_renders_at_pdf_dpi_unless_that_passes_the_pixel_limit():
    assert page_scale(595, 842, 200, 64_000_000) == pytest.approx(200 / 72)
    scale = page_scale(595 * 10, 842 * 10, 200, 4_000_000)  # a poster: fitted, never refused
    assert 595 * 10 * scale * 842 * 10 * scale <= 4_000_000 and scale > 0


def test_pages_count_toward_the_limit_in_one_sentence():
    check_pages(3, {"image 2 of 3": 14}, LIMITS)  # 2 images + 14 pages = 16
    with pytest.raises(InputError) as err:
        check_pages(3, {"image 2 of 3": 15}, LIMITS)
    assert str(err.value) == (
        "the request holds 17 images counting each PDF page as one (image 2 of 3 is a PDF of 15 pages), over the "
        "limit of 16 per request (max_images_per_request): send the pages in several requests")


def test_a_requests_images_and_pages_together_are_held_to_max_request_pixels():
    import base64

    import cv2

    def sent(data: bytes, n: int) -> SentFile:
        return SentFile(base64.b64encode(data).decode(), "image %d of 3" % n)

    photo = cv2.imencode(".png", np.zeros((2000, 1900, 3), np.uint8))[1].tobytes()  # 3.8 MP each
    pages = blank_pages_pdf(4, 1440, 1440)  # 20 x 20 inches at 144 dpi, 8.3 MP: fitted to 4 MP each
    service = Service("ocr_system", LIMITS, DocumentOptions(144, False))
    with pytest.raises(InputError) as err, service.request(3) as request:
        request.decode([sent(photo, 1), sent(photo, 2), sent(pages, 3)])
    assert str(err.value).startswith("the request's images and PDF pages hold 23.6 megapixels together, over the "
                                     "limit of 16.0 per request (max_request_pixels)"), err.value
    with service.request(2) as request:  # 3.8 + 3.8 + 2 x 4 MP fits
        decoded = request.decode([sent(photo, 1), sent(photo, 2), sent(blank_pages_pdf(2, 1440, 1440), 3)])
    assert [len(item.pages) for item in decoded] == [1, 1, 2]
    # An image over max_image_pixels gets its own sentence, not the request's.
    huge = cv2.imencode(".png", np.zeros((2100, 2000, 3), np.uint8))[1].tobytes()
    with pytest.raises(InputError, match="^image 2 of 3: .*max_image_pixels"), service.request(3) as request:
        request.decode([sent(photo, 1), sent(huge, 2), sent(photo, 3)])


def test_each_file_gets_its_pages_answers_and_a_pdf_its_boxes_by_page():
    image = np.zeros((4, 4, 3), np.uint8)
    layer = [{"text": "from the text layer", "confidence": 1.0, "text_region": [], "source": "pdf_text"}]
    pdf_pages = [Page(image, None, 1.0), Page(None, layer, 1.0), Page(image, None, 1.0)]
    files = [DecodedFile("image 1 of 3", False, [Page(image, None, 1.0)]), DecodedFile("image 2 of 3", True, pdf_pages),
             DecodedFile("image 3 of 3", False, [Page(image, None, 1.0)])]
    per_image = [[{"text": "a"}], [{"text": "p1"}], [{"text": "p3"}, {"text": "p3b"}], []]
    read = []
    with Service("ocr_system", LIMITS, DocumentOptions(72, False)).request(3) as request:
        answers = request.read(files, lambda images: read.extend(images) or per_image, len)
    assert len(read) == 4  # two images, the two pages without a text layer
    assert request.entry.lines == 5  # four boxes read, one from the text layer
    assert OCRHubModule().shaped(answers) == [
        [{"text": "a"}],
        [{"text": "p1", "page": 1}, dict(layer[0], page=2), {"text": "p3", "page": 3}, {"text": "p3b", "page": 3}],
        [],
    ]


def test_rendering_stops_at_the_requests_deadline():
    document = PdfInput(blank_pages_pdf(3), "image 1 of 1")
    with pytest.raises(DeadlinePassed):
        with deadline(0):
            document.render(DocumentOptions(72, False), LIMITS.max_image_pixels)
    document.close()


def test_the_text_layer_answers_a_born_digital_page_in_reading_order_and_in_pixels():
    document = PdfInput(text_pdf([["First line here", "Second line"]], size=12), "image 1 of 1")
    (page,) = document.render(DocumentOptions(144, True), LIMITS.max_image_pixels)
    document.close()
    assert page.image is None and [box["text"] for box in page.boxes] == ["First line here", "Second line"]
    (x0, y0), _, (x1, y1), _ = page.boxes[0]["text_region"]
    assert x0 == pytest.approx(56 * 2, abs=3) and 0 < y0 < y1 and x1 > x0  # 56 pt from the left, at 2 px a point


def test_a_scanned_page_is_read_even_with_the_text_layer_on():
    # A scan carrying an earlier OCR's text over part of it: the image covers the page, so the page is read.
    import io

    from reportlab.pdfgen import canvas

    from testkit.server import REPO

    out = io.BytesIO()
    scan = canvas.Canvas(out, pagesize=(400, 300))
    scan.drawImage(REPO + "/tests/data/french.jpg", 0, 0, 400, 300)
    scan.drawString(20, 20, "only the first line")
    scan.save()
    document = PdfInput(out.getvalue(), "image 1 of 1")
    (page,) = document.render(DocumentOptions(72, True), LIMITS.max_image_pixels)
    document.close()
    assert page.image is not None and page.boxes is None
