"""``POST /layout-parsing``, PaddleX's PP-StructureV3 pipeline, answered by the structure_system module's
``StructureSystem``: each page's blocks in reading order (``parsing_res_list``), its layout regions, OCR and tables
(``prunedResult``), and the page as Markdown (titles levelled and page breaks mended over the whole document)."""

import functools
import logging
from typing import Optional

from ...structure import PageStructure, StructureSettings, page_markdown
from ...structure.document import mended_pages
from ...structure.markdown import LEFT_OUT, title_levels
from ..errors import InputError
from .common import (
    StructureModule,
    data_info,
    jpeg_base64,
    read_file,
    read_settings,
    refuse_what_is_not_shipped,
    visualize,
)
from .contract import LAYOUT_PARSING_PATH
from .page_results import doc_preprocessor, layout_boxes, ocr_result, tables, visuals
from .structure_contract import LayoutParsingAnswer, LayoutParsingRequest, LayoutParsingResult, MarkdownData

log = logging.getLogger(__name__)


def infer(module: StructureModule, request: LayoutParsingRequest,
          api: str = LAYOUT_PARSING_PATH) -> LayoutParsingAnswer:
    """Read a checked ``/layout-parsing`` request's file as structure, page by page, with ``module``'s pipeline,
    logged and counted under ``api`` (the job API reads its pages here under its own)."""
    structure = module.structure
    settings, answer = read_file(module, request, api, lambda: structure_settings(request, module),
                                 lambda chosen: functools.partial(structure, settings=chosen), PageStructure.line_count)
    pages = [found for found in answer.answers if found is not None]
    left_out = LEFT_OUT if request.markdownIgnoreLabels is None else tuple(request.markdownIgnoreLabels)
    # The document's title once, not each page's; what runs across a page break mended.
    levels = title_levels([page.blocks for page in pages]) if request.relevelTitles else {}
    markdowns = mended_pages([page_markdown(page.blocks, left_out, levels) for page in pages], request.mergeTables)
    results = []
    for number, (page, (markdown, starts, ends)) in enumerate(zip(pages, markdowns)):
        images = {name: jpeg_base64(crop) for name, crop in page.images.items()}
        result = LayoutParsingResult(
            prunedResult=pruned_page(page, settings, number if answer.file.pdf else None),
            markdown=MarkdownData(text=markdown, isStart=starts, isEnd=ends,
                                  images=images if request.returnMarkdownImages else None))
        if visualize(module, request):
            result.outputImages, result.inputImage = visuals(answer.file.pages[number].image, page, "layout_det_res")
        results.append(result)
    return LayoutParsingAnswer(layoutParsingResults=results, dataInfo=data_info(answer.file))


def structure_settings(request: LayoutParsingRequest, module: StructureModule) -> StructureSettings:
    """What the request asks of the pipeline, every field this server cannot honour refused in a sentence."""
    refuse_what_is_not_shipped(request)
    if isinstance(request.layoutThreshold, dict):
        raise InputError("layoutThreshold: this server takes one number for every class, not a dict per class")
    try:
        threshold = module.structure.layout_threshold(request.layoutThreshold)
    except ValueError as err:
        raise InputError("layoutThreshold: %s" % err) from None
    for name in ("layoutUnclipRatio", "layoutMergeBboxesMode"):
        if getattr(request, name) is not None:
            raise InputError("%s: this server's layout regions are as its detector finds them; leave it null" % name)
    if request.layoutNms is False:
        raise InputError("layoutNms: this server always merges overlapping regions of one class; send true or null")
    if request.outputFormats:
        raise InputError("outputFormats: this server exports no other formats (docx); leave it null")
    if request.useChartRecognition:
        log.info("POST %s: useChartRecognition true, but this server has no chart model: charts are answered as "
                 "figures", LAYOUT_PARSING_PATH)
    read = read_settings(request, module.structure)
    return module.structure.settings(read, request.useTableRecognition is not False, threshold)


def pruned_page(page: PageStructure, settings: StructureSettings, index: Optional[int]) -> dict:
    """One page's ``prunedResult`` as PP-StructureV3 gives it: its blocks in reading order, layout regions, OCR and
    tables; boxes in pixels of the upright page."""
    blocks = [{"block_label": block.label, "block_content": block.html or "\n".join(block.texts),
               "block_bbox": [int(round(v)) for v in block.box], "block_id": i, "block_order": i + 1}
              for i, block in enumerate(page.blocks)]
    return {
        "page_index": index,
        "model_settings": {"use_doc_preprocessor": bool(settings.read.upright), "use_seal_recognition": False,
                           "use_table_recognition": settings.tables, "use_formula_recognition": False,
                           "use_chart_recognition": False, "use_region_detection": False},
        **doc_preprocessor(page, settings.read),
        "parsing_res_list": blocks,
        "layout_det_res": layout_boxes(page),
        "overall_ocr_res": ocr_result(page, settings.read),
        "table_res_list": tables(page),
    }
