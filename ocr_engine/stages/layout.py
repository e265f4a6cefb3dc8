"""Stage 1 of a document, find its regions: PicoDet's layout regions (text, title, table, figure, header, footer...)
on a page, each a labelled rectangle."""

from dataclasses import dataclass
from typing import Any, ClassVar, List, Mapping, Sequence, Tuple

import numpy as np
from paddleocr.ppocr.postprocess.picodet_postprocess import PicoDetPostProcess

from ..options import read_view
from ..runtime import InputShapes, PredictorOptions, StageModel
from ..runtime.models import MODELS, ModelChoice, bundled_labels
from ..runtime.tasks import LAYOUT_DETECTION
from ..runtime.timing import timed_stage
from .preprocess import detection_batch

# The CDLA detector's fixed input, height x width (its ONNX file allows no other).
INPUT_SIZE = (800, 608)


@dataclass(frozen=True)
class LayoutOptions:
    """The layout detector's options (``layout_*``); defaults in ``options.DEFAULTS``."""

    OPTION_PREFIX: ClassVar[str] = "layout_"
    model: ModelChoice
    score_threshold: float
    nms_threshold: float


@dataclass(frozen=True)
class Region:
    """A layout region: its label (one of the model's classes), score, and rectangle (x1, y1, x2, y2) in pixels of
    the page."""

    label: str
    score: float
    box: Tuple[float, float, float, float]

    @property
    def width(self) -> float:
        """The rectangle's width in pixels."""
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        """The rectangle's height in pixels."""
        return self.box[3] - self.box[1]


class LayoutDetector:
    """Layout regions: a BGR page in, its ``Region``s out, by score."""

    def __init__(self, options: LayoutOptions, runtime: PredictorOptions):
        bundled = MODELS[options.model.name]
        assert bundled.mean is not None and bundled.std is not None
        self.mean, self.std = bundled.mean, bundled.std
        shape = (1, 3) + INPUT_SIZE
        self.model = StageModel(options.model, runtime, InputShapes(min=shape, opt=shape, max=shape))
        self.score_threshold = options.score_threshold
        self.decode = PicoDetPostProcess(bundled_labels(bundled.name, options.model.model_cache_dir),
                                         score_threshold=options.score_threshold,
                                         nms_threshold=options.nms_threshold)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: PredictorOptions) -> "LayoutDetector":
        """A layout detector with the layout options of a merged params dict, run as ``runtime`` says."""
        model = ModelChoice.from_params(params, LAYOUT_DETECTION)
        return cls(read_view(LayoutOptions, params, model=model), runtime)

    @timed_stage(LAYOUT_DETECTION.stage)
    def __call__(self, page: np.ndarray) -> List[Region]:
        """The regions of one BGR page, highest score first."""
        batch = detection_batch(page, INPUT_SIZE, self.mean, self.std)
        outputs = list(self.model.outputs(batch).values())
        # The first half of the outputs are each stride's class scores, the second half its box distributions.
        half = len(outputs) // 2
        found = self.decode(page, batch, {"boxes": outputs[:half], "boxes_num": outputs[half:]})
        regions = [Region(str(item["label"]), float(item["score"]), _clipped(item["bbox"], page.shape))
                   for item in found]
        return sorted(regions, key=lambda region: -region.score)


def _clipped(box: Sequence[float], shape: Tuple[int, ...]) -> Tuple[float, float, float, float]:
    height, width = shape[:2]
    x1, y1, x2, y2 = (float(value) for value in box)
    return max(0.0, x1), max(0.0, y1), min(float(width), x2), min(float(height), y2)
