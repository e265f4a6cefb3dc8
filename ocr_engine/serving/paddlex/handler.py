"""``POST /ocr``, PaddleX's OCR serving API, answered by the ocr_system module this process already serves, so no
model is loaded twice: a checked request read through the module's service (``read_request``), and the answer shaped
as PaddleX's (``pruned_result``). ``routes`` handles the HTTP around it and every error, in one envelope.
"""

import functools
import logging
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import cv2
import numpy as np

from ...options import BY_NAME
from ...pipeline import Reading, ReadSettings, TextLine
from ...stages.geometry import region_json
from ...stages.orientation import turn_upright
from ..documents import Page
from ..errors import InputError
from ..request import Declared, SentFile
from ..service import DecodedFile
from .contract import (
    IMAGE_FILE,
    OCR_PATH,
    PDF_FILE,
    SETTING_OPTIONS,
    DocPreprocessorResult,
    DocPreprocessorSettings,
    DocumentRequest,
    ImageInfo,
    ModelSettings,
    OCRAnswer,
    OCRRequest,
    OCRResult,
    PageInfo,
    PDFInfo,
    PrunedResult,
    TextDetParams,
)

log = logging.getLogger(__name__)

# The module whose engine answers /ocr.
ANSWERING_MODULE = "ocr_system"
# No side of the detector's input is larger than this in an /ocr request (PaddleX's max_side_limit), so a request's
# textDetLimitSideLen or limit type "min" cannot make one image cost gigabytes.
MAX_SIDE_LIMIT = 4000
# ocrImage and inputImage are shrunk to fit this box (width, height), as PaddleX shrinks them.
VISUAL_SIZE = (2000, 2000)


@dataclass(frozen=True)
class APIOptions:
    """The PaddleX API's option (``visualize``: whether answers hold the images when a request leaves it null)."""

    visualize: bool


def read_request(module, request: OCRRequest) -> OCRAnswer:
    """Read a checked request's file with the ocr_system ``module``'s engine, through its service (decoded, held
    to its limits and request_timeout, recorded as ``/ocr``), and shape the answer: one result per image or PDF
    page."""
    with module.service.request(1, api=OCR_PATH) as call:
        settings = read_settings(request, module.pipeline)
        declared = None if request.fileType is None else DECLARED[request.fileType]
        files = call.decode([SentFile(request.file, "file", declared)])
        # The engine's own calls, bound to this request's settings: the service runs them without coming back here.
        answer = call.read(files, functools.partial(module.pipeline.readings, settings=settings),
                           Reading.line_count)[0]
    visualize = module.visualize if request.visualize is None else request.visualize
    results = []
    for page, found in zip(answer.file.pages, answer.answers):
        reading = found if found is not None else text_layer_reading(page)
        image = upright_image(page.image, reading.page_angle)
        size = page.size if image is None else (image.shape[1], image.shape[0])
        result = OCRResult(prunedResult=pruned_result(reading, settings, size))
        if visualize and page.image is not None and image is not None:
            result.ocrImage, result.inputImage = drawn(image, reading.lines), jpeg_base64(page.image)
            if reading.page_angle is not None:
                result.docPreprocessingImage = jpeg_base64(image)
        results.append(result)
    return OCRAnswer(ocrResults=results, dataInfo=data_info(answer.file))


def data_info(file: DecodedFile) -> Union[ImageInfo, PDFInfo]:
    """``dataInfo``: the image's size, or each PDF page's."""
    pages = file.pages
    if file.pdf:
        return PDFInfo(numPages=len(pages), pages=[PageInfo(width=page.size[0], height=page.size[1])
                                                   for page in pages])
    return ImageInfo(width=pages[0].size[0], height=pages[0].size[1])


# What fileType says a file is, in its own words, for the sentence when the file's bytes say otherwise.
DECLARED = {
    PDF_FILE: Declared(True, "fileType is 0 (a PDF document)", "send fileType 1 for an image, or null"),
    IMAGE_FILE: Declared(False, "fileType is 1 (an image)", "send fileType 0, or null to let the server tell"),
}


def read_settings(request: DocumentRequest, pipeline) -> ReadSettings:
    """The request's reading settings over the server's own: each field read by the option it sets
    (``SETTING_OPTIONS``), so a value out of the option's range, or an option this server does not offer, is
    refused in a sentence that names the field."""
    if getattr(request, "useDocUnwarping", None):
        raise InputError(
            "useDocUnwarping: this server has no document unwarping model, so it accepts only false or null; it "
            "turns pages upright with useDocOrientationClassify and reads upside-down lines with its angle "
            "classifier (useTextlineOrientation)")
    changes = {}
    for name, option in SETTING_OPTIONS.items():
        value = getattr(request, name, None)
        if value is not None:
            try:
                changes[option] = BY_NAME[option].read(value)
            except ValueError as err:
                raise InputError("%s: %s" % (name, err)) from None
    try:
        return pipeline.read_settings(changes, bool(getattr(request, "returnWordBox", None)), MAX_SIDE_LIMIT)
    except ValueError as err:
        fields = [name for name, option in SETTING_OPTIONS.items() if option in changes]
        raise InputError("%s: %s" % (" / ".join(fields), err)) from None


def upright_image(image: Optional[np.ndarray], angle: Optional[int]) -> Optional[np.ndarray]:
    """The page as it was read: ``image`` turned upright when the reading found it turned ``angle`` degrees."""
    return turn_upright(image, angle) if image is not None and angle is not None else image


def text_layer_reading(page: Page) -> Reading:
    """A page answered from its text layer (``pdf_text_layer``), as a reading: its lines, confidence 1."""
    lines = [TextLine(box["text"], 1.0, np.asarray(box["text_region"], dtype=np.float32), [])
             for box in page.boxes or []]
    return Reading([line.region for line in lines], [False] * len(lines), lines)


def pruned_result(reading: Reading, settings: ReadSettings, size: Tuple[int, int]) -> PrunedResult:
    """One reading in PaddleX's ``prunedResult`` shape; boxes clipped to the ``size`` (width, height) page."""
    detection, drop_score = settings.detection, settings.drop_score
    # OCRSystem.read_settings fills every field; None means "as built" only in settings made elsewhere.
    assert detection is not None and detection.max_side_limit is not None and drop_score is not None
    words = settings.word_boxes
    turned = reading.page_angle is not None
    return PrunedResult(
        model_settings=ModelSettings(use_doc_preprocessor=turned, use_textline_orientation=reading.classified),
        doc_preprocessor_res=DocPreprocessorResult(
            model_settings=DocPreprocessorSettings(use_doc_orientation_classify=True),
            angle=reading.page_angle) if reading.page_angle is not None else None,
        dt_polys=[region_json(region) for region in reading.regions],
        text_det_params=TextDetParams(
            limit_side_len=detection.limit_side_len, limit_type=detection.limit_type, thresh=detection.thresh,
            max_side_limit=detection.max_side_limit, box_thresh=detection.box_thresh,
            unclip_ratio=detection.unclip_ratio),
        textline_orientation_angles=[int(turned) if reading.classified else -1 for turned in reading.turned],
        text_rec_score_thresh=drop_score,
        return_word_box=words,
        rec_texts=[line.text for line in reading.lines],
        rec_scores=[line.confidence for line in reading.lines],
        rec_polys=[region_json(line.region) for line in reading.lines],
        rec_boxes=[bounding_box(line.region, size) for line in reading.lines],
        text_word=[[word.text for word in line.words or []] for line in reading.lines] if words else None,
        text_word_boxes=[[bounding_box(word.region, size) for word in line.words or []]
                         for line in reading.lines] if words else None,
    )


def bounding_box(region: np.ndarray, size: Tuple[int, int]) -> List[int]:
    """[xmin, ymin, xmax, ymax] of a quad, in whole pixels inside a page of ``size`` (width, height)."""
    xs, ys = np.clip(region[:, 0], 0, size[0]), np.clip(region[:, 1], 0, size[1])
    return [int(np.floor(xs.min())), int(np.floor(ys.min())), int(np.ceil(xs.max())), int(np.ceil(ys.max()))]


def drawn(image: np.ndarray, lines: List[TextLine]) -> str:
    """``ocrImage``: the image with its lines outlined and their text beside it (``ocr_view``), base64 JPEG."""
    from PIL import Image

    from ocr_view.drawing import draw_result

    picture = Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]))
    canvas = draw_result(picture, [{"text": line.text, "text_region": region_json(line.region)} for line in lines],
                         _font()) or picture
    return jpeg_base64(np.asarray(canvas.convert("RGB"))[:, :, ::-1])


@functools.lru_cache(maxsize=1)
def _font() -> Optional[str]:
    from ocr_view.drawing import find_font

    return find_font()[0]


def jpeg_base64(image: np.ndarray) -> str:
    """A BGR image, shrunk to fit VISUAL_SIZE, as base64 JPEG."""
    import base64

    height, width = image.shape[:2]
    factor = min(1.0, VISUAL_SIZE[0] / width, VISUAL_SIZE[1] / height)
    if factor < 1.0:
        image = cv2.resize(image, (max(1, int(width * factor)), max(1, int(height * factor))),
                           interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image)
    if not ok:
        raise ValueError("JPEG encoding failed")
    return base64.b64encode(encoded.tobytes()).decode("ascii")
