"""What every PaddleX endpoint shares (PaddleX's ``_common``): the module each one reads with (typed, as
``ServedModule``), the sent file, the request's reading settings, the steps of reading one file through the
module's service (``read_file``), ``dataInfo``, the OCR's ``prunedResult`` and images as base64 JPEG. An endpoint
module imports this, never another endpoint's module."""

import base64
from dataclasses import dataclass
from typing import Callable, List, Optional, Protocol, Tuple, TypeVar, Union

import cv2
import numpy as np

from ...options import BY_NAME
from ...pipeline import OCRSystem, Reading, ReadSettings
from ...stages.geometry import region_json, whole_pixel_box
from ...structure import StructureSystem
from ..errors import InputError
from ..sent import Declared, SentFile
from ..service import DecodedFile, FileAnswer, Service
from .contract import (
    IMAGE_FILE,
    PDF_FILE,
    SETTING_OPTIONS,
    DocPreprocessorResult,
    DocPreprocessorSettings,
    DocumentRequest,
    ImageInfo,
    ModelSettings,
    PageInfo,
    PDFInfo,
    PrunedResult,
    TextDetParams,
)
from .structure_contract import NOT_SHIPPED

# No side of the detector's input is larger than this in a PaddleX request (PaddleX's max_side_limit), so a
# request's textDetLimitSideLen or limit type "min" cannot make one image cost gigabytes.
MAX_SIDE_LIMIT = 4000
# ocrImage, inputImage and the drawn pages are shrunk to fit this box (width, height), as PaddleX shrinks them.
VISUAL_SIZE = (2000, 2000)
# What fileType says a file is, in its own words, for the sentence when the file's bytes say otherwise.
DECLARED = {
    PDF_FILE: Declared(True, "fileType is 0 (a PDF document)", "send fileType 1 for an image, or null"),
    IMAGE_FILE: Declared(False, "fileType is 1 (an image)", "send fileType 0, or null to let the server tell"),
}
S = TypeVar("S")
T = TypeVar("T")


@dataclass(frozen=True)
class APIOptions:
    """The PaddleX API's option (``visualize``: whether answers hold the images when a request leaves it null)."""

    visualize: bool


class ServedModule(Protocol):
    """What an endpoint reads with: a hub module's service (limits, deadline, record) and its ``visualize``."""

    service: Service
    visualize: bool


class OCRModule(ServedModule, Protocol):
    """The ocr_system module: its pipeline answers ``/ocr``."""

    pipeline: OCRSystem


class StructureModule(ServedModule, Protocol):
    """The structure_system module: its pipeline answers ``/layout-parsing`` and ``/table-recognition``."""

    structure: StructureSystem


class SettingsReader(Protocol):
    """A pipeline that says what a request's reading settings mean (``OCRSystem``, ``StructureSystem``)."""

    def read_settings(self, changes: dict, word_boxes: bool = False,
                      max_side_limit: Optional[int] = None) -> ReadSettings: ...


def read_file(module: ServedModule, request: DocumentRequest, api: str, settings: Callable[[], S],
              engine: Callable[[S], Callable[[List[np.ndarray]], List[T]]], lines: Callable[[T], int]
              ) -> Tuple[S, FileAnswer[T]]:
    """The steps of every endpoint: within the module's service (its limits, deadline and record, under ``api``),
    take the request's ``settings()`` (a refusal there is recorded too), decode the sent file, and read every image
    or page with ``engine(settings)``; ``lines`` counts what one answer holds."""
    with module.service.request(1, api=api, what="the file") as call:
        chosen = settings()
        files = call.decode([sent_file(request)])
        return chosen, call.read(files, engine(chosen), lines)[0]


def sent_file(request: DocumentRequest) -> SentFile:
    """The request's file, named "file", with what ``fileType`` says it is."""
    return SentFile(request.file, "file", None if request.fileType is None else DECLARED[request.fileType])


def refuse_what_is_not_shipped(request: DocumentRequest) -> None:
    """Refuse, in a sentence, a switch for a model this server does not ship (``NOT_SHIPPED``)."""
    for name, missing in NOT_SHIPPED.items():
        if getattr(request, name, None):
            raise InputError("%s: this server has no %s, so it accepts only false or null" % (name, missing))


def visualize(module: ServedModule, request: DocumentRequest) -> bool:
    """Whether the answer holds images: the request's ``visualize``, else the server's."""
    return module.visualize if request.visualize is None else request.visualize


def read_settings(request: DocumentRequest, pipeline: SettingsReader) -> ReadSettings:
    """The request's reading settings over the pipeline's own: each field read by the option it sets
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


def data_info(file: DecodedFile) -> Union[ImageInfo, PDFInfo]:
    """``dataInfo``: the image's size, or each PDF page's."""
    pages = file.pages
    if file.pdf:
        return PDFInfo(numPages=len(pages), pages=[PageInfo(width=page.size[0], height=page.size[1])
                                                   for page in pages])
    return ImageInfo(width=pages[0].size[0], height=pages[0].size[1])


def pruned_result(reading: Reading, settings: ReadSettings, size: Tuple[int, int]) -> PrunedResult:
    """One reading in PaddleX's OCR ``prunedResult`` shape; boxes clipped to the ``size`` (width, height) page."""
    detection, drop_score = settings.detection, settings.drop_score
    # read_settings fills every field; None means "as built" only in settings made elsewhere.
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
        rec_boxes=[whole_pixel_box(line.region, size) for line in reading.lines],
        text_word=[[word.text for word in line.words or []] for line in reading.lines] if words else None,
        text_word_boxes=[[whole_pixel_box(word.region, size) for word in line.words or []]
                         for line in reading.lines] if words else None,
    )


def jpeg_base64(image: np.ndarray) -> str:
    """A BGR image, shrunk to fit VISUAL_SIZE, as base64 JPEG."""
    height, width = image.shape[:2]
    factor = min(1.0, VISUAL_SIZE[0] / width, VISUAL_SIZE[1] / height)
    if factor < 1.0:
        image = cv2.resize(image, (max(1, int(width * factor)), max(1, int(height * factor))),
                           interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image)
    if not ok:
        raise ValueError("JPEG encoding failed")
    return base64.b64encode(encoded.tobytes()).decode("ascii")
