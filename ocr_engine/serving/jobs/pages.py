"""One page of a job read as PaddleX's endpoints read a file: the page (a PDF of its own, or the image) sent through
the same ``infer`` as ``POST /ocr`` or ``POST /layout-parsing``, with the job's ``optionalPayload`` as the request's
fields, logged and counted under ``/api/v2/ocr/jobs``. Its images are kept as files and named in the result by
``FILE_MARK`` + name, which the result's reader turns into signed links."""

import base64
import json
from typing import Any, Callable, Dict, Mapping

from pydantic import BaseModel, ValidationError

from ...structure.document import mended_pages
from ..errors import InputError
from ..paddlex import layout_parsing, ocr
from ..paddlex.contract import OCRRequest, validation_message
from ..paddlex.structure_contract import LayoutParsingRequest
from ..pdf import PdfInput
from .contract import JOBS_PATH, LAYOUT, OCR, RESULT_FIELDS

FILE_MARK = "ocr-job-file:"
# The answer fields that hold one image, and those that hold images by name.
IMAGE_FIELDS = ("ocrImage", "inputImage", "docPreprocessingImage")
IMAGE_MAPS = ("outputImages", "images")
# Each pipeline: its request model, the module that answers it, and its infer.
READERS: Dict[str, Any] = {
    OCR: (OCRRequest, "ocr_system", ocr.infer),
    LAYOUT: (LayoutParsingRequest, "structure_system", layout_parsing.infer),
}


def request_of(pipeline: str, payload: Mapping[str, Any], data: bytes, file_type: int) -> BaseModel:
    """The endpoint's request for one page: the payload's fields, the page as ``file``; InputError in the
    endpoint's words where a field is wrong (what a submission is checked with, before it is kept)."""
    model = READERS[pipeline][0]
    try:
        return model.model_validate(dict(payload, file=data, fileType=file_type))
    except ValidationError as err:
        raise InputError("optionalPayload: %s" % validation_message(err)) from None


def read_page(pipeline: str, payload: Mapping[str, Any], kind: str, source: bytes, page: int,
              modules: Mapping[str, Any], save_image: Callable[[str, bytes], None], seq: int) -> Dict[str, Any]:
    """Page ``page`` of ``source`` read by ``pipeline``'s endpoint with ``modules``' engine: ``{"item": the page's
    result, its images saved with ``save_image(name, bytes)``, "dataInfo": the page's}``."""
    model, module_name, infer = READERS[pipeline]
    module = modules.get(module_name)
    if module is None:
        raise InputError("this server does not serve the %s module, which reads %s jobs: add it to config.json's "
                         "modules_info" % (module_name, "OCR" if pipeline == OCR else "PP-StructureV3"))
    if kind == "pdf":
        document = PdfInput(source, "file")
        try:
            data, file_type = document.page_file(page), 0
        finally:
            document.close()
    else:
        data, file_type = source, 1
    answer = infer(module, request_of(pipeline, payload, data, file_type), api=JOBS_PATH).model_dump(
        exclude_none=True)
    item = answer[RESULT_FIELDS[pipeline]][0]

    def kept(field: str, text: str) -> str:
        name = "%d-%s.jpg" % (seq, "".join(c for c in field if c.isalnum() or c == "_") or "image")
        save_image(name, base64.b64decode(text))
        return FILE_MARK + name

    item = _images_as_files(item, kept)
    if isinstance(item.get("outputImages"), dict):
        # The clients save each one under its name: named by page, the pages' drawings do not overwrite each other.
        item["outputImages"] = {"%s_page%d.jpg" % (name, page): link for name, link in item["outputImages"].items()}
    return {"item": item, "dataInfo": answer["dataInfo"]}


def _images_as_files(value: Any, kept: Callable[[str, str], str]) -> Any:
    if isinstance(value, dict):
        out: Dict[str, Any] = {}
        for key, item in value.items():
            if key in IMAGE_FIELDS and isinstance(item, str):
                out[key] = kept(key, item)
            elif key in IMAGE_MAPS and isinstance(item, dict):
                out[key] = {name: kept(name, image) if isinstance(image, str) else image
                            for name, image in item.items()}
            else:
                out[key] = _images_as_files(item, kept)
        return out
    if isinstance(value, list):
        return [_images_as_files(item, kept) for item in value]
    return value


def result_lines(pipeline: str, kind: str, pages: list, link: Callable[[str], str], merge_tables: bool = True) -> str:
    """The job's JSONL: one ``{"result": {...}}`` line per page, in order, each with the document's ``dataInfo``
    and its images as links (``link(name)``); PP-StructureV3's pages' Markdown mended across their breaks (read one
    by one, they could not be), tables joined as ``merge_tables`` says."""
    if pipeline == LAYOUT:
        pages = _mended(pages, merge_tables)
    if kind == "pdf":
        data_info: Dict[str, Any] = {"numPages": len(pages), "type": "pdf",
                                     "pages": [page["dataInfo"]["pages"][0] for page in pages]}
    else:
        data_info = pages[0]["dataInfo"]
    field = RESULT_FIELDS[pipeline]
    lines = [json.dumps({"result": {field: [_linked(page["item"], link)], "dataInfo": data_info}},
                        ensure_ascii=False) for page in pages]
    return "".join(line + "\n" for line in lines)


def _mended(pages: list, merge_tables: bool) -> list:
    markdowns = [page["item"].get("markdown", {}) for page in pages]
    mended = mended_pages([markdown.get("text", "") for markdown in markdowns], merge_tables)
    return [dict(page, item=dict(page["item"], markdown=dict(markdown, text=text, isStart=starts, isEnd=ends)))
            for page, markdown, (text, starts, ends) in zip(pages, markdowns, mended)]


def _linked(value: Any, link: Callable[[str], str]) -> Any:
    if isinstance(value, str) and value.startswith(FILE_MARK):
        return link(value[len(FILE_MARK):])
    if isinstance(value, dict):
        return {key: _linked(item, link) for key, item in value.items()}
    if isinstance(value, list):
        return [_linked(item, link) for item in value]
    return value

