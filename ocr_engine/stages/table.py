"""A table's structure: SLANet's HTML tokens and cell boxes for a table image, and the HTML table its cells make
once the OCR lines read in it are put in them (PaddleOCR 2.x's decoder and cell matcher, as its TableSystem runs
them)."""

from dataclasses import dataclass
from typing import Any, List, Mapping, Sequence, Tuple

import numpy as np
from paddleocr.ppocr.data import create_operators, transform
from paddleocr.ppocr.postprocess.table_postprocess import TableLabelDecode
from paddleocr.ppstructure.table.matcher import TableMatch

from ..runtime import InputShapes, ModelRunError, PredictorOptions, StageModel
from ..runtime.models import MODELS, ModelChoice, bundled_labels
from ..runtime.tasks import TABLE_STRUCTURE
from ..runtime.timing import timed_stage

# SLANet_plus reads a table with its long side scaled to this, padded to a square.
MAX_SIDE = 488


@dataclass(frozen=True)
class TableStructure:
    """A table's HTML tokens (``<tr>``, ``<td></td>``, ``<td colspan="2">``...) without text, and each cell's box
    as four corners (x1, y1, ..., x4, y4) in pixels of the table image, one per ``<td>``."""

    tokens: List[str]
    cells: np.ndarray  # cells x 8


class TableStructureRecognizer:
    """Table structure: a BGR table image in, its ``TableStructure`` out."""

    def __init__(self, model: ModelChoice, runtime: PredictorOptions):
        bundled = MODELS[model.name]
        self.prepare = create_operators([
            {"ResizeTableImage": {"max_len": MAX_SIDE}},
            {"NormalizeImage": {"mean": list(bundled.mean or ()), "std": list(bundled.std or ()),
                                "scale": "1./255.", "order": "hwc"}},
            {"PaddingTableImage": {"size": [MAX_SIDE, MAX_SIDE]}},
            {"ToCHWImage": None},
            {"KeepKeys": {"keep_keys": ["image", "shape"]}},
        ])
        self.decode = TableLabelDecode(bundled_labels(bundled.name, model.model_cache_dir),
                                       merge_no_span_structure=True)
        shape = (1, 3, MAX_SIDE, MAX_SIDE)
        self.model = StageModel(model, runtime, InputShapes(min=shape, opt=shape, max=shape))

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: PredictorOptions) -> "TableStructureRecognizer":
        """The table structure recogniser of a merged params dict (``table_model_dir`` or SLANet_plus)."""
        return cls(ModelChoice.from_params(params, TABLE_STRUCTURE), runtime)

    @timed_stage(TABLE_STRUCTURE.stage)
    def __call__(self, table: np.ndarray) -> TableStructure:
        """The structure of one BGR table image."""
        image, shape = transform({"image": table}, self.prepare)
        outputs = list(self.model.outputs(image[np.newaxis]).values())
        # Two outputs: each step's cell box (8 numbers) and its token probabilities (one per token the list holds).
        tokens = len(self.decode.character)
        probs = next((out for out in outputs if out.shape[-1] == tokens), None)
        boxes = next((out for out in outputs if out is not probs), None)
        if probs is None or boxes is None:
            raise ModelRunError("the table model's outputs %s hold no %d-token probabilities"
                                % ([out.shape for out in outputs], tokens))
        decoded = self.decode({"structure_probs": probs, "loc_preds": boxes}, [np.asarray(shape)[np.newaxis]])
        return TableStructure(list(decoded["structure_batch_list"][0][0]),
                              np.asarray(decoded["bbox_batch_list"][0], dtype=np.float32).reshape(-1, 8))


def table_html(structure: TableStructure, boxes: Sequence[Tuple[float, float, float, float]],
               texts: Sequence[Tuple[str, float]]) -> str:
    """The table as HTML (``<html><body><table>...``): each OCR line (its rectangle x1, y1, x2, y2 in the table
    image, and its text and confidence) put in the cell it overlaps most, as PaddleOCR's TableSystem matches them."""
    tokens = ["<html>", "<body>", "<table>"] + structure.tokens + ["</table>", "</body>", "</html>"]
    matcher = TableMatch(filter_ocr_result=True)
    if not len(boxes):
        return str(matcher((tokens, structure.cells), np.zeros((0, 4), np.float32), []))
    return str(matcher((tokens, structure.cells), np.asarray(boxes, dtype=np.float32), list(texts)))
