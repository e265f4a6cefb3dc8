"""``POST /table-recognition``, PaddleX's table recognition pipeline, answered by the structure_system module's
``StructureSystem``: the tables the layout finds on each page, or each page as one table (``useLayoutDetection``
false), with their cells, HTML and OCR."""

import functools
from typing import Any, Callable, List

import numpy as np

from ...pipeline import ReadSettings
from ...structure import PageStructure
from ..errors import InputError
from .common import StructureModule, data_info, read_file, read_settings, refuse_what_is_not_shipped, visualize
from .contract import TABLE_RECOGNITION_PATH
from .page_results import doc_preprocessor, layout_boxes, ocr_result, tables, visuals
from .structure_contract import TableRecognitionAnswer, TableRecognitionRequest, TableRecResult


def infer(module: StructureModule, request: TableRecognitionRequest) -> TableRecognitionAnswer:
    """Read a checked ``/table-recognition`` request's file with ``module``'s pipeline, page by page."""
    with_layout = request.useLayoutDetection is not False
    read, answer = read_file(module, request, TABLE_RECOGNITION_PATH, lambda: reading_settings(request, module),
                             lambda chosen: engine(module, chosen, with_layout), PageStructure.line_count)
    results = []
    for number, page in enumerate(found for found in answer.answers if found is not None):
        pruned = {"page_index": number if answer.file.pdf else None,
                  "model_settings": {"use_doc_preprocessor": bool(read.upright), "use_layout_detection": with_layout,
                                     "use_ocr_model": True},
                  **doc_preprocessor(page, read),
                  "overall_ocr_res": ocr_result(page, read),
                  "table_res_list": tables(page)}
        if with_layout:
            pruned["layout_det_res"] = layout_boxes(page)
        result = TableRecResult(prunedResult=pruned)
        if visualize(module, request):
            result.outputImages, result.inputImage = visuals(answer.file.pages[number].image, page, "table_res_img")
        results.append(result)
    return TableRecognitionAnswer(tableRecResults=results, dataInfo=data_info(answer.file))


def reading_settings(request: TableRecognitionRequest, module: StructureModule) -> ReadSettings:
    """The OCR's settings for the request, every field this server cannot honour refused in a sentence."""
    refuse_what_is_not_shipped(request)
    if request.useOcrModel is False:
        raise InputError("useOcrModel: this server fills a table's cells with the text its OCR reads, so it accepts "
                         "only true or null")
    return read_settings(request, module.structure)


def engine(module: StructureModule, read: ReadSettings, with_layout: bool
           ) -> Callable[[List[np.ndarray]], List[PageStructure]]:
    """The pipeline's call for these settings: the tables the layout finds, or each page as one table."""
    if with_layout:
        call: Any = functools.partial(module.structure, settings=module.structure.settings(read))
    else:
        call = functools.partial(module.structure.tables, settings=read)
    return call
