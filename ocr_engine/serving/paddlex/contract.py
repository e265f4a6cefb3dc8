"""The wire contract of PaddleX's OCR serving API (PaddleOCR 3.x's ``paddlex --serve --pipeline OCR``, as of
PaddleX 3.7.2): the request, the result, and the envelope every answer comes in. Nothing here reads an image or
runs a model (the endpoint modules, ``ocr`` and its siblings, do).

The request is a pydantic model, as PaddleX's is, so a request PaddleX accepts is accepted here and its values
coerced the same way ("960" for an int, "true" for a bool), and unknown fields are ignored as there.
"""

import json
import uuid
from typing import Annotated, Any, List, Literal, Optional, Union

from pydantic import BaseModel, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

OCR_PATH = "/ocr"
HEALTH_PATH = "/health"
# PP-StructureV3's and the table pipeline's (``structure_contract``).
LAYOUT_PARSING_PATH = "/layout-parsing"
TABLE_RECOGNITION_PATH = "/table-recognition"
# Every path PaddleX's envelope answers on this port.
PATHS = (OCR_PATH, LAYOUT_PARSING_PATH, TABLE_RECOGNITION_PATH, HEALTH_PATH)
PDF_FILE, IMAGE_FILE = 0, 1  # fileType's values
# The request fields that change how one request is read, and the option of this server's schema each one sets
# (``options``, which checks its value): a field's range is the option's.
SETTING_OPTIONS = {
    "textDetLimitSideLen": "det_limit_side_len",
    "textDetLimitType": "det_limit_type",
    "textDetThresh": "det_db_thresh",
    "textDetBoxThresh": "det_db_box_thresh",
    "textDetUnclipRatio": "det_db_unclip_ratio",
    "textRecScoreThresh": "drop_score",
    "useTextlineOrientation": "use_angle_cls",
    "useDocOrientationClassify": "use_doc_orientation_classify",
}


def _text_or_uploaded(value: Any) -> Union[str, bytes]:
    """``file``: base64 text (JSON), or the bytes of a multipart upload (which JSON cannot send); anything else gets
    the error a string field gives, so that a JSON body's refusal reads as PaddleX's."""
    if isinstance(value, (str, bytes)):
        return value
    raise PydanticCustomError("string_type", "Input should be a valid string")


class DocumentRequest(BaseModel):
    """What every PaddleX endpoint here takes: the file (base64 in a JSON body, its bytes in a multipart form;
    PaddleX also takes a URL, which this server refuses), and the OCR settings ``SETTING_OPTIONS`` reads."""

    file: Annotated[Union[str, bytes], PlainValidator(_text_or_uploaded)]
    fileType: Optional[Literal[0, 1]] = None
    useDocOrientationClassify: Optional[bool] = None
    useDocUnwarping: Optional[bool] = None
    textDetLimitSideLen: Optional[int] = None
    textDetLimitType: Optional[str] = None
    textDetThresh: Optional[float] = None
    textDetBoxThresh: Optional[float] = None
    textDetUnclipRatio: Optional[float] = None
    textRecScoreThresh: Optional[float] = None
    visualize: Optional[bool] = None
    logId: Optional[str] = None


class OCRRequest(DocumentRequest):
    """``POST /ocr``'s JSON body."""

    useTextlineOrientation: Optional[bool] = None
    returnWordBox: Optional[bool] = None


class ModelSettings(BaseModel):
    use_doc_preprocessor: bool
    use_textline_orientation: bool


class DocPreprocessorSettings(BaseModel):
    use_doc_orientation_classify: bool
    use_doc_unwarping: bool = False  # no unwarping model here


class DocPreprocessorResult(BaseModel):
    """How the page was turned upright before it was read (``useDocOrientationClassify``): the angle it was
    turned (0, 90, 180, 270 degrees clockwise); boxes are in pixels of the upright page."""

    model_settings: DocPreprocessorSettings
    angle: int


class TextDetParams(BaseModel):
    """The detection settings a request ran with: the server's, changed by the request's ``textDet*``."""

    limit_side_len: int
    limit_type: str
    thresh: float
    max_side_limit: int
    box_thresh: float
    unclip_ratio: float


Quad = List[List[int]]  # four [x, y] points
WholePixelBox = List[int]  # xmin, ymin, xmax, ymax: stages.geometry.whole_pixel_box's, as the wire carries it


class PrunedResult(BaseModel):
    """One image's or page's reading, in PaddleX's field order; ``text_word*`` only with ``returnWordBox``."""

    model_settings: ModelSettings
    doc_preprocessor_res: Optional[DocPreprocessorResult] = None
    dt_polys: List[Quad]  # every region detected, in reading order
    text_det_params: TextDetParams
    text_type: str = "general"
    textline_orientation_angles: List[int]  # per detected region: 0 upright, 1 turned, -1 not classified
    text_rec_score_thresh: float
    return_word_box: bool
    rec_texts: List[str]  # the lines kept (confidence >= text_rec_score_thresh)
    rec_scores: List[float]
    rec_polys: List[Quad]
    rec_boxes: List[WholePixelBox]
    text_word: Optional[List[List[str]]] = None
    text_word_boxes: Optional[List[List[WholePixelBox]]] = None


class OCRResult(BaseModel):
    prunedResult: PrunedResult
    ocrImage: Optional[str] = None  # base64 JPEG, with visualize
    docPreprocessingImage: Optional[str] = None  # base64 JPEG of the upright page, with useDocOrientationClassify
    inputImage: Optional[str] = None  # base64 JPEG, with visualize


class ImageInfo(BaseModel):
    width: int
    height: int
    type: Literal["image"] = "image"


class PageInfo(BaseModel):
    width: int
    height: int


class PDFInfo(BaseModel):
    numPages: int
    pages: List[PageInfo]
    type: Literal["pdf"] = "pdf"


class OCRAnswer(BaseModel):
    """``result`` of a successful ``POST /ocr``: one item per image or PDF page."""

    ocrResults: List[OCRResult]
    dataInfo: Union[ImageInfo, PDFInfo]


def new_log_id() -> str:
    """A fresh ``logId`` for a request that sent none."""
    return str(uuid.uuid4())


def success(log_id: str, answer: BaseModel) -> dict:
    """The envelope of a successful answer; null fields are left out, as PaddleX leaves them."""
    return {"logId": log_id, "errorCode": 0, "errorMsg": "Success", "result": answer.model_dump(exclude_none=True)}


def failure(log_id: Optional[str], status: int, message: str) -> dict:
    """The envelope of a refused or failed request: ``errorCode`` is the HTTP status, and there is no result."""
    return {"logId": log_id or new_log_id(), "errorCode": status, "errorMsg": message}


def healthy() -> dict:
    """``GET /health``'s answer."""
    return {"logId": new_log_id(), "errorCode": 0, "errorMsg": "Healthy"}


def validation_message(error: ValidationError) -> str:
    """A 422's ``errorMsg`` as PaddleX writes it: the JSON list of ``{type, loc, msg}``, ``loc`` dotted from
    ``body`` ("body.file")."""
    return json.dumps([{"type": item["type"], "loc": dotted(("body",) + tuple(item["loc"])), "msg": item["msg"]}
                       for item in error.errors()])


def invalid_json_message(sentence: str) -> str:
    """A 422's ``errorMsg`` for a body that is not JSON, in the same list form."""
    return json.dumps([{"type": "json_invalid", "loc": "body", "msg": sentence}])


def dotted(loc: tuple) -> str:
    """("body", "pages", 0, "width") -> "body.pages[0].width"."""
    path = ""
    for part in loc:
        path += "[%d]" % part if isinstance(part, int) else ("." if path else "") + str(part)
    return path


def log_id_of(body: Any) -> Optional[str]:
    """The ``logId`` a request body sent, if it is a string (echoed even when the request is refused)."""
    if isinstance(body, dict) and isinstance(body.get("logId"), str) and body["logId"]:
        return body["logId"]
    return None
