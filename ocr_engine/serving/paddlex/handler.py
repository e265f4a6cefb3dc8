"""``POST /ocr`` and ``GET /health``, PaddleX's OCR serving API, on the port of ``/predict/<module>``: answered by
the ocr_system module this process already serves (``server.SERVER.modules``), so no model is loaded twice.

Every answer, refusals included, is PaddleX's envelope (``contract``), with PaddleX's statuses: 422 for what the
client can fix (the contract's validation, then this service's own sentences: limits, bad images, broken PDFs,
options it does not offer), 503 for a request stopped at ``request_timeout``, 500 when the engine fails.
"""

import functools
import json
import logging
from dataclasses import dataclass
from typing import Callable, Iterable, List, Mapping, Optional, Tuple, Union

import cv2
import numpy as np
from pydantic import ValidationError

from ...options import BY_NAME
from ...pipeline import Reading, ReadSettings, TextLine
from ...stages.geometry import region_json
from .. import envelopes
from ..documents import Page
from ..errors import EngineFailed, InputError, RequestTooLong
from ..metrics import RequestRecord, record
from ..request import Declared, SentFile
from .contract import (
    HEALTH_PATH,
    IMAGE_FILE,
    OCR_PATH,
    PATHS,
    PDF_FILE,
    SETTING_OPTIONS,
    ImageInfo,
    ModelSettings,
    OCRAnswer,
    OCRRequest,
    OCRResult,
    PageInfo,
    PDFInfo,
    PrunedResult,
    TextDetParams,
    failure,
    healthy,
    invalid_json_message,
    log_id_of,
    new_log_id,
    success,
    validation_message,
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


class PaddleXRoutes:
    """WSGI middleware: ``/ocr`` and ``/health`` answered here, everything else passed to ``app``. ``modules`` is
    the process's served modules by name (it fills as they start)."""

    def __init__(self, app: Callable, modules: Mapping[str, object]):
        self.app = app
        self.modules = modules

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path not in PATHS:
            return self.app(environ, start_response)
        if path == HEALTH_PATH:
            if method in ("GET", "HEAD"):
                return envelopes.send(start_response, 200, healthy())
            return envelopes.send(start_response, 405, failure(None, 405, "/health answers GET only"))
        if method != "POST":
            how = 'POST /ocr with a JSON body: {"file": "<base64>", "fileType": 1 for an image or 0 for a PDF}'
            return envelopes.send(start_response, 405, failure(None, 405, how))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        status, answer = answer_ocr(environ["wsgi.input"].read(length) if length else b"", self.modules)
        return envelopes.send(start_response, status, answer)


def answer_ocr(body: bytes, modules: Mapping[str, object]) -> Tuple[int, dict]:
    """The HTTP status and JSON answer for one ``POST /ocr`` body: every outcome is handled here, in one place,
    and every request is logged and counted (``metrics``), refusals of its shape included."""
    try:
        parsed = json.loads(body)
    except ValueError as err:  # UnicodeDecodeError too
        return _refused(None, 422, invalid_json_message(envelopes.not_json(err)))
    log_id = log_id_of(parsed)
    try:
        request = OCRRequest.model_validate(parsed)
    except ValidationError as err:
        return _refused(log_id, 422, validation_message(err))
    log_id = request.logId or new_log_id()
    unknown = sorted(set(parsed) - set(OCRRequest.model_fields))
    if unknown:  # PaddleX ignores them, and clients written for a later PaddleX may send some: said, not refused
        log.info("POST /ocr %s: fields this server does not know were ignored: %s", log_id, ", ".join(unknown))
    module = modules.get(ANSWERING_MODULE)
    if module is None:
        return _refused(log_id, 404, "POST /ocr is answered by the ocr_system module, which this server does not "
                                     "serve: add ocr_system to config.json's modules_info")
    try:
        return 200, success(log_id, read_request(module, request))
    except RequestTooLong as stopped:
        return 503, failure(log_id, 503, str(stopped))
    except InputError as refused:
        return 422, failure(log_id, 422, str(refused))
    except EngineFailed as failed:  # already logged in full by the module
        return 500, failure(log_id, 500, str(failed).replace("the images", "the file"))
    except Exception:
        log.exception("POST /ocr failed")
        return 500, failure(log_id, 500, "the server failed to process the file; the cause is in the server log")


def _refused(log_id: Optional[str], status: int, message: str) -> Tuple[int, dict]:
    """A request refused before it reached a module, logged and counted as refused."""
    record(RequestRecord(OCR_PATH, outcome="refused", reason=message))
    return status, failure(log_id, status, message)


def read_request(module, request: OCRRequest) -> OCRAnswer:
    """Read a checked request's file with the ocr_system ``module``'s engine, through its service (decoded, held
    to its limits and request_timeout, recorded as ``/ocr``), and shape the answer: one result per image or PDF
    page."""
    with module.service.request(1, api=OCR_PATH) as call:
        settings = read_settings(request, module.pipeline)
        declared = None if request.fileType is None else _DECLARED[request.fileType]
        files = call.decode([SentFile(request.file, "file", declared)])
        # The engine's own calls, bound to this request's settings: the service runs them without coming back here.
        answer = call.read(files, functools.partial(module.pipeline.readings, settings=settings),
                           Reading.line_count)[0]
    visualize = module.visualize if request.visualize is None else request.visualize
    results = []
    for page, found in zip(answer.file.pages, answer.answers):
        reading = found if found is not None else text_layer_reading(page)
        result = OCRResult(prunedResult=pruned_result(reading, settings, page.size))
        if visualize and page.image is not None:
            result.ocrImage, result.inputImage = drawn(page.image, reading.lines), jpeg_base64(page.image)
        results.append(result)
    pages = answer.file.pages
    info: Union[ImageInfo, PDFInfo] = (
        PDFInfo(numPages=len(pages), pages=[PageInfo(width=page.size[0], height=page.size[1]) for page in pages])
        if answer.file.pdf else ImageInfo(width=pages[0].size[0], height=pages[0].size[1]))
    return OCRAnswer(ocrResults=results, dataInfo=info)


# What fileType says a file is, in its own words, for the sentence when the file's bytes say otherwise.
_DECLARED = {
    PDF_FILE: Declared(True, "fileType is 0 (a PDF document)", "send fileType 1 for an image, or null"),
    IMAGE_FILE: Declared(False, "fileType is 1 (an image)", "send fileType 0, or null to let the server tell"),
}


def read_settings(request: OCRRequest, pipeline) -> ReadSettings:
    """The request's reading settings over the server's own: each field read by the option it sets
    (``SETTING_OPTIONS``), so a value out of the option's range, or an option this server does not offer, is
    refused in a sentence that names the field."""
    for name in ("useDocOrientationClassify", "useDocUnwarping"):
        if getattr(request, name):
            raise InputError(
                "%s: this server has no document %s model, so it accepts only false or null; it reads upside-down "
                "lines with its angle classifier (useTextlineOrientation) and reads tall images turned a quarter"
                % (name, "orientation" if name == "useDocOrientationClassify" else "unwarping"))
    changes = {}
    for name, option in SETTING_OPTIONS.items():
        value = getattr(request, name)
        if value is not None:
            try:
                changes[option] = BY_NAME[option].read(value)
            except ValueError as err:
                raise InputError("%s: %s" % (name, err)) from None
    try:
        return pipeline.read_settings(changes, bool(request.returnWordBox), MAX_SIDE_LIMIT)
    except ValueError as err:
        fields = [name for name, option in SETTING_OPTIONS.items() if option in changes]
        raise InputError("%s: %s" % (" / ".join(fields), err)) from None


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
    return PrunedResult(
        model_settings=ModelSettings(use_doc_preprocessor=False, use_textline_orientation=reading.classified),
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
