"""The parts of a page read as structure that both structure endpoints answer (``/layout-parsing``,
``/table-recognition``), in PaddleX 3.7.2's shapes: page orientation, the page's OCR, its layout regions, its tables,
and the page drawn with its regions. Part of the common layer: endpoint modules import it."""

from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from ...pipeline import Reading, ReadSettings
from ...stages.geometry import cell_rectangle, whole_pixel_box
from ...stages.orientation import turn_upright
from ...structure import PageStructure
from .common import jpeg_base64, pruned_result


def doc_preprocessor(page: PageStructure, read: ReadSettings) -> dict:
    """``doc_preprocessor_res`` when pages were turned upright (as a dict to merge), else nothing."""
    if not read.upright:
        return {}
    return {"doc_preprocessor_res": {"model_settings": {"use_doc_orientation_classify": True,
                                                        "use_doc_unwarping": False}, "angle": page.angle}}


def ocr_result(page: PageStructure, read: ReadSettings) -> dict:
    """``overall_ocr_res``: the page's OCR, in ``/ocr``'s prunedResult shape (its detected regions: the lines
    kept)."""
    reading = Reading([line.region for line in page.lines], [False] * len(page.lines), page.lines)
    return pruned_result(reading, read, page.size).model_dump(exclude_none=True)


def layout_boxes(page: PageStructure) -> Dict[str, list]:
    """``layout_det_res``: the regions the layout detector found (lines outside every region were not)."""
    return {"boxes": [{"label": block.label, "score": round(block.score, 4),
                       "coordinate": [round(v, 1) for v in block.box]}
                      for block in page.blocks if block.score > 0]}


def tables(page: PageStructure) -> List[dict]:
    """``table_res_list``: each table's cells, HTML and the OCR inside it."""
    return [{"cell_box_list": [cell_rectangle(cell) for cell in (block.cells if block.cells is not None else [])],
             "pred_html": block.html,
             "table_ocr_pred": {"rec_texts": block.texts, "rec_scores": [line.confidence for line in block.lines],
                                "rec_boxes": [whole_pixel_box(line.region, page.size) for line in block.lines]}}
            for block in page.blocks if block.html is not None]


def drawn_regions(image: np.ndarray, page: PageStructure) -> np.ndarray:
    """The page with each block outlined and labelled with its order and label."""
    canvas = image.copy()
    for order, block in enumerate(page.blocks, 1):
        x1, y1, x2, y2 = (int(round(v)) for v in block.box)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), (0, 0, 220), 2)
        cv2.putText(canvas, "%d %s" % (order, block.label), (x1 + 3, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, (0, 0, 220), 1)
    return canvas


def visuals(image: Optional[np.ndarray], page: PageStructure, name: str) -> Tuple[Dict[str, str], str]:
    """``outputImages`` (the page as read, upright, its blocks drawn, under ``name``) and ``inputImage``."""
    assert image is not None  # every page of these endpoints is read from its image
    return {name: jpeg_base64(drawn_regions(turn_upright(image, page.angle), page))}, jpeg_base64(image)
