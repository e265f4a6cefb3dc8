"""Stage 3, rectify: turn text lines that were detected upside down (180 degrees) the right way up."""

from typing import Any, List, Mapping, Sequence, Tuple

import cv2
import numpy as np
from paddleocr.ppocr.postprocess.cls_postprocess import ClsPostProcess

from .defaults import parse_shape
from .inference import StageModel, InputShapes
from .preprocess import line_batch


class TextClassifier:
    """Angle of text lines: BGR crops in, one (label, confidence) per crop out, label one of ``label_list``."""

    def __init__(self, params: Mapping[str, Any]):
        _, self.height, self.width = parse_shape(params["cls_image_shape"])
        self.batch_size = max(1, int(params["cls_batch_num"]))
        self.threshold = float(params["cls_thresh"])
        shape = (3, self.height, self.width)
        self.model = StageModel(
            "cls", params, InputShapes(min=(1,) + shape, opt=(self.batch_size,) + shape, max=(self.batch_size,) + shape)
        )
        self.postprocess = ClsPostProcess(label_list=list(params["label_list"]))

    def __call__(self, crops: Sequence[np.ndarray]) -> List[Tuple[str, float]]:
        """Classify each crop; the answer lists crops in the order given."""
        results: List[Tuple[str, float]] = []
        for start in range(0, len(crops), self.batch_size):
            # Every crop is padded to the same width, so batches need no sorting; a short last batch is filled with
            # blank rows so that every batch has one shape, which oneDNN compiled once. Rows do not interact.
            batch = crops[start : start + self.batch_size]
            probs = self.model.run(line_batch(batch, self.height, self.width, rows=self.batch_size))[: len(batch)]
            results.extend((str(label), float(score)) for label, score in self.postprocess(probs))
        return results

    def rectify(self, crops: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Return the crops with those confidently classified as upside down rotated by 180 degrees."""
        return [
            cv2.rotate(crop, cv2.ROTATE_180) if "180" in label and score > self.threshold else crop
            for crop, (label, score) in zip(crops, self(crops))
        ]
