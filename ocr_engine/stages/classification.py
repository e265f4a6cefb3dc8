"""Stage 3, rectify: turn text lines that were detected upside down (180 degrees) the right way up."""

from dataclasses import dataclass
from typing import Any, ClassVar, List, Mapping, Sequence, Tuple

import cv2
import numpy as np
from paddleocr.ppocr.postprocess.cls_postprocess import ClsPostProcess

from ..options import read_view
from ..runtime import InputShapes, PredictorOptions, StageModel
from ..runtime.models import ModelChoice
from ..runtime.tasks import TEXTLINE_ORIENTATION
from ..runtime.timing import timed_stage
from .preprocess import line_batch


@dataclass(frozen=True)
class ClassifierOptions:
    """The angle classifier's options (``cls_*``, ``label_list``); defaults in ``options.DEFAULTS``."""

    OPTION_PREFIX: ClassVar[str] = "cls_"
    model: ModelChoice
    image_shape: Tuple[int, int, int]  # channels, height, width
    batch_num: int
    thresh: float
    label_list: Tuple[str, ...]
    long_line_windows: bool


class TextClassifier:
    """Angle of text lines: BGR crops in, one (label, confidence) per crop out, label one of ``label_list``."""

    def __init__(self, options: ClassifierOptions, runtime: PredictorOptions):
        _, self.height, self.width = options.image_shape
        self.batch_size = options.batch_num
        self.threshold = options.thresh
        self.long_line_windows = options.long_line_windows
        shape = (3, self.height, self.width)
        self.model = StageModel(
            options.model,
            runtime,
            InputShapes(min=(1,) + shape, opt=(self.batch_size,) + shape, max=(self.batch_size,) + shape),
        )
        self.postprocess = ClsPostProcess(label_list=list(options.label_list))

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: PredictorOptions) -> "TextClassifier":
        """A classifier with the classification options of a merged params dict, run as ``runtime`` says."""
        model = ModelChoice.from_params(params, TEXTLINE_ORIENTATION)
        return cls(read_view(ClassifierOptions, params, model=model), runtime)

    @timed_stage(TEXTLINE_ORIENTATION.stage)
    def __call__(self, crops: Sequence[np.ndarray]) -> List[Tuple[str, float]]:
        """Classify each crop; the answer lists crops in the order given."""
        pieces = [self.windows(crop) if self.long_line_windows else [crop] for crop in crops]
        flat = [piece for parts in pieces for piece in parts]
        batches = [self._run(flat[start : start + self.batch_size]) for start in range(0, len(flat), self.batch_size)]
        probs = np.concatenate(batches) if batches else np.zeros((0, 2), dtype=np.float32)
        # A line's angle is read from the mean of its windows' probabilities (a line that fits has one window).
        means, start = [], 0
        for parts in pieces:
            means.append(probs[start : start + len(parts)].mean(axis=0))
            start += len(parts)
        return [(str(label), float(score)) for label, score in self.postprocess(np.stack(means))] if means else []

    def windows(self, crop: np.ndarray) -> List[np.ndarray]:
        """A line much longer than the classifier's input is squeezed into it past recognition; classify up to three
        windows of the input's shape along it instead (one crop for lines that fit)."""
        height, width = crop.shape[:2]
        window = max(1, int(round(height * self.width / float(self.height))))
        if width <= 2 * window:
            return [crop]
        starts = np.linspace(0, width - window, 3).astype(int)
        return [crop[:, start : start + window] for start in starts]

    def _run(self, batch: Sequence[np.ndarray]) -> np.ndarray:
        # Every crop is padded to the same width, so batches need no sorting; a short last batch is filled with
        # blank rows so that every batch has one shape, which oneDNN compiled once. Rows do not interact.
        return self.model.run(line_batch(batch, self.height, self.width, rows=self.batch_size))[: len(batch)]

    def rectify(self, crops: Sequence[np.ndarray]) -> Tuple[List[np.ndarray], List[bool]]:
        """Return the crops with those confidently classified as upside down rotated by 180 degrees, and which
        ones were turned."""
        turned = [("180" in label and score > self.threshold) for label, score in self(crops)]
        return [cv2.rotate(crop, cv2.ROTATE_180) if turn else crop for crop, turn in zip(crops, turned)], turned
