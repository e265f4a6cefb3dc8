"""``POST /layout-parsing`` and ``POST /table-recognition``, answered by the structure_system module's engine
(``structure.StructureSystem``) through its service, and shaped as PaddleX 3.7.2 shapes them: ``prunedResult``
with the page's blocks in reading order (``parsing_res_list``), its layout regions, its OCR and its tables, and for
layout parsing the page as Markdown."""

import functools
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ...pipeline import Reading, ReadSettings
from ...stages.orientation import turn_upright
from ...structure import PageStructure, StructureSettings, page_markdown
from ...structure.markdown import LEFT_OUT
from ..errors import InputError
from ..request import SentFile
from .contract import LAYOUT_PARSING_PATH, TABLE_RECOGNITION_PATH, DocumentRequest
from .handler import DECLARED, bounding_box, data_info, jpeg_base64, pruned_result, read_settings
from .structure_contract import (
    NOT_SHIPPED,
    LayoutParsingAnswer,
    LayoutParsingRequest,
    LayoutParsingResult,
    MarkdownData,
    TableRecognitionAnswer,
    TableRecognitionRequest,
    TableRecResult,
)

log = logging.getLogger(__name__)


def read_layout_parsing(module, request: LayoutParsingRequest) -> LayoutParsingAnswer:
    """Read a checked ``/layout-parsing`` request's file as structure, page by page, with the structure_system
    ``module``'s engine."""
    with module.service.request(1, api=LAYOUT_PARSING_PATH) as call:  # a refusal below is recorded too
        _refuse_what_is_not_shipped(request)
        threshold = layout_threshold(request, module.structure.layout.score_threshold)
        for name in ("layoutUnclipRatio", "layoutMergeBboxesMode"):
            if getattr(request, name) is not None:
                raise InputError("%s: this server's layout regions are as its detector finds them; leave it null"
                                 % name)
        if request.layoutNms is False:
            raise InputError("layoutNms: this server always merges overlapping regions of one class; send true or "
                             "null")
        if request.outputFormats:
            raise InputError("outputFormats: this server exports no other formats (docx); leave it null")
        if request.useChartRecognition:
            log.info("POST %s: useChartRecognition true, but this server has no chart model: charts are answered "
                     "as figures", LAYOUT_PARSING_PATH)
        read = read_settings(request, module.structure.ocr)
        settings = StructureSettings(read.upright, request.useTableRecognition is not False, read, threshold)
        files = call.decode([_sent(request)])
        answer = call.read(files, functools.partial(module.structure, settings=settings), _line_count)[0]
    visualize = module.visualize if request.visualize is None else request.visualize
    pages: List[PageStructure] = [found for found in answer.answers if found is not None]
    left_out = LEFT_OUT if request.markdownIgnoreLabels is None else tuple(request.markdownIgnoreLabels)
    results = []
    for number, page in enumerate(pages):
        images = {name: jpeg_base64(crop) for name, crop in page.images.items()}
        result = LayoutParsingResult(
            prunedResult=layout_pruned_result(page, read, number if answer.file.pdf else None, request),
            markdown=MarkdownData(text=page_markdown(page.blocks, left_out), isStart=True, isEnd=True,
                                  images=images if request.returnMarkdownImages else None))
        if visualize:
            result.outputImages, result.inputImage = _visuals(answer.file.pages[number].image, page, "layout_det_res")
        results.append(result)
    return LayoutParsingAnswer(layoutParsingResults=results, dataInfo=data_info(answer.file))


def layout_threshold(request: LayoutParsingRequest, own: float) -> Optional[float]:
    """The request's ``layoutThreshold``: one number, at least the detector's own (``layout_score_threshold``),
    which found the regions; None when it sent none."""
    value = request.layoutThreshold
    if isinstance(value, dict):
        raise InputError("layoutThreshold: this server takes one number for every class, not a dict per class")
    if value is not None and not own <= value <= 1:
        raise InputError("layoutThreshold: this server finds regions scoring at least %g (layout_score_threshold in "
                         "config.json's init_args); a request may ask for %g to 1, not %g" % (own, own, value))
    return value


def read_table_recognition(module, request: TableRecognitionRequest) -> TableRecognitionAnswer:
    """Read a checked ``/table-recognition`` request's file: the tables the layout finds on each page, or each
    page as one table (``useLayoutDetection`` false)."""
    with module.service.request(1, api=TABLE_RECOGNITION_PATH) as call:  # a refusal below is recorded too
        _refuse_what_is_not_shipped(request)
        if request.useOcrModel is False:
            raise InputError("useOcrModel: this server fills a table's cells with the text its OCR reads, so it "
                             "accepts only true or null")
        read = read_settings(request, module.structure.ocr)
        files = call.decode([_sent(request)])
        if request.useLayoutDetection is False:
            engine = functools.partial(module.structure.tables, settings=read)
        else:
            engine = functools.partial(module.structure, settings=StructureSettings(read.upright, True, read))
        answer = call.read(files, engine, _line_count)[0]
    visualize = module.visualize if request.visualize is None else request.visualize
    results = []
    for number, page in enumerate(found for found in answer.answers if found is not None):
        pruned = {"page_index": number if answer.file.pdf else None,
                  "model_settings": {"use_doc_preprocessor": bool(read.upright),
                                     "use_layout_detection": request.useLayoutDetection is not False,
                                     "use_ocr_model": True},
                  **_doc_preprocessor(page, read),
                  "overall_ocr_res": _ocr_result(page, read),
                  "table_res_list": _tables(page)}
        if request.useLayoutDetection is not False:
            pruned["layout_det_res"] = _layout_boxes(page)
        result = TableRecResult(prunedResult=pruned)
        if visualize:
            result.outputImages, result.inputImage = _visuals(answer.file.pages[number].image, page, "table_res_img")
        results.append(result)
    return TableRecognitionAnswer(tableRecResults=results, dataInfo=data_info(answer.file))


def layout_pruned_result(page: PageStructure, read: ReadSettings, index: Optional[int],
                         request: LayoutParsingRequest) -> dict:
    """One page's ``prunedResult`` as PP-StructureV3 gives it: its blocks in reading order, layout regions, OCR and
    tables; boxes in pixels of the upright page."""
    blocks = [{"block_label": block.label, "block_content": block.html or "\n".join(block.texts),
               "block_bbox": [int(round(v)) for v in block.box], "block_id": i, "block_order": i + 1}
              for i, block in enumerate(page.blocks)]
    return {
        "page_index": index,
        "model_settings": {"use_doc_preprocessor": bool(read.upright), "use_seal_recognition": False,
                           "use_table_recognition": request.useTableRecognition is not False,
                           "use_formula_recognition": False, "use_chart_recognition": False,
                           "use_region_detection": False},
        **_doc_preprocessor(page, read),
        "parsing_res_list": blocks,
        "layout_det_res": _layout_boxes(page),
        "overall_ocr_res": _ocr_result(page, read),
        "table_res_list": _tables(page),
    }


def drawn_regions(image: np.ndarray, page: PageStructure) -> np.ndarray:
    """The page with each block outlined and labelled with its order and label."""
    canvas = image.copy()
    for order, block in enumerate(page.blocks, 1):
        x1, y1, x2, y2 = (int(round(v)) for v in block.box)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), (0, 0, 220), 2)
        cv2.putText(canvas, "%d %s" % (order, block.label), (x1 + 3, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, (0, 0, 220), 1)
    return canvas


def _refuse_what_is_not_shipped(request: DocumentRequest) -> None:
    for name, missing in NOT_SHIPPED.items():
        if getattr(request, name, None):
            raise InputError("%s: this server has no %s, so it accepts only false or null" % (name, missing))


def _sent(request: DocumentRequest) -> SentFile:
    return SentFile(request.file, "file", None if request.fileType is None else DECLARED[request.fileType])


def _line_count(page: PageStructure) -> int:
    return len(page.lines)


def _visuals(image: Optional[np.ndarray], page: PageStructure, name: str) -> Tuple[Dict[str, str], str]:
    """``outputImages`` (the page as read, upright, its blocks drawn, under ``name``) and ``inputImage``."""
    assert image is not None  # every page of these endpoints is read from its image
    return {name: jpeg_base64(drawn_regions(turn_upright(image, page.angle), page))}, jpeg_base64(image)


def _doc_preprocessor(page: PageStructure, read: ReadSettings) -> dict:
    if not read.upright:
        return {}
    return {"doc_preprocessor_res": {"model_settings": {"use_doc_orientation_classify": True,
                                                        "use_doc_unwarping": False}, "angle": page.angle}}


def _ocr_result(page: PageStructure, read: ReadSettings) -> dict:
    """The page's OCR, in ``/ocr``'s prunedResult shape (its detected regions: the lines kept)."""
    reading = Reading([line.region for line in page.lines], [False] * len(page.lines), page.lines)
    return pruned_result(reading, read, page.size).model_dump(exclude_none=True)


def _layout_boxes(page: PageStructure) -> Dict[str, list]:
    return {"boxes": [{"label": block.label, "score": round(block.score, 4),
                       "coordinate": [round(v, 1) for v in block.box]}
                      for block in page.blocks if block.score > 0]}  # lines outside every region were not detected


def _tables(page: PageStructure) -> List[dict]:
    return [{"cell_box_list": [_rectangle(cell) for cell in (block.cells if block.cells is not None else [])],
             "pred_html": block.html,
             "table_ocr_pred": {"rec_texts": block.texts, "rec_scores": [line.confidence for line in block.lines],
                                "rec_boxes": [bounding_box(line.region, page.size) for line in block.lines]}}
            for block in page.blocks if block.html is not None]


def _rectangle(cell: Sequence[float]) -> List[float]:
    xs, ys = cell[0::2], cell[1::2]
    return [round(float(min(xs)), 1), round(float(min(ys)), 1), round(float(max(xs)), 1), round(float(max(ys)), 1)]
