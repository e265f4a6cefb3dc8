"""Stage 0, turn the page upright: classify a whole page as turned 0, 90, 180 or 270 degrees and turn it back."""

from dataclasses import dataclass
from typing import Any, List, Mapping, Sequence, Tuple

import cv2
import numpy as np

from ..runtime import InputShapes, PredictorOptions, StageModel
from ..runtime.models import MODELS, ModelChoice, bundled_labels
from ..runtime.tasks import DOC_ORIENTATION
from ..runtime.timing import timed_stage
from .preprocess import detection_batch

# PaddleClas's PULC text_image_orientation input: the short side resized to 256, the centre 224 x 224 taken.
_SHORT_SIDE = 256
_CROP = 224
# How each label's page is turned upright: the label is how far the page was turned clockwise (measured: a page
# turned a quarter anticlockwise is labelled 270 on every test photo).
_UPRIGHT = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


@dataclass(frozen=True)
class PageAngle:
    """How far a page was turned (one of 0, 90, 180, 270 degrees, clockwise) and how sure the model is."""

    angle: int
    confidence: float


class PageOrienter:
    """Page orientation: BGR pages in, one ``PageAngle`` per page out; ``upright`` turns pages back."""

    def __init__(self, model: ModelChoice, runtime: PredictorOptions):
        self.labels = _read_labels(bundled_labels(model.name, model.model_cache_dir))
        bundled = MODELS[model.name]
        assert bundled.mean is not None and bundled.std is not None
        self.mean, self.std = bundled.mean, bundled.std
        shape = (1, 3, _CROP, _CROP)
        self.model = StageModel(model, runtime, InputShapes(min=shape, opt=shape, max=shape))

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: PredictorOptions) -> "PageOrienter":
        """The page orienter of a merged params dict (``doc_orientation_model_dir`` or the bundled model)."""
        return cls(ModelChoice.from_params(params, DOC_ORIENTATION), runtime)

    @timed_stage(DOC_ORIENTATION.stage)
    def __call__(self, pages: Sequence[np.ndarray]) -> List[PageAngle]:
        """Each page's angle, in the order given."""
        angles = []
        for page in pages:
            probs = self.model.run(detection_batch(_centre_crop(page), (_CROP, _CROP), self.mean, self.std))[0]
            best = int(np.argmax(probs))
            angles.append(PageAngle(int(self.labels[best]), float(probs[best])))
        return angles

    def upright(self, pages: Sequence[np.ndarray]) -> Tuple[List[np.ndarray], List[PageAngle]]:
        """The pages turned upright, and how far each was turned."""
        angles = self(pages)
        return [turn_upright(page, found.angle) for page, found in zip(pages, angles)], angles


def turn_upright(page: np.ndarray, angle: int) -> np.ndarray:
    """``page``, found turned ``angle`` degrees clockwise (0, 90, 180 or 270), turned upright."""
    return cv2.rotate(page, _UPRIGHT[angle]) if angle in _UPRIGHT else page


def _centre_crop(page: np.ndarray) -> np.ndarray:
    """The page with its short side scaled to 256 px, cut to its central 224 x 224 (a smaller page is scaled up)."""
    height, width = page.shape[:2]
    scale = _SHORT_SIDE / float(min(height, width))
    resized = cv2.resize(page, (max(_CROP, int(round(width * scale))), max(_CROP, int(round(height * scale)))))
    top, left = (resized.shape[0] - _CROP) // 2, (resized.shape[1] - _CROP) // 2
    return resized[top : top + _CROP, left : left + _CROP]


def _read_labels(path: str) -> List[str]:
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]
