"""Stage 1, localise: find text regions with the DB detector."""

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Tuple

import cv2
import numpy as np
from paddleocr.ppocr.postprocess.db_postprocess import DBPostProcess

from ..options import BY_NAME, read_view, when
from ..runtime import InputShapes, PredictorOptions, StageModel
from ..runtime.export_config import read_export_config
from ..runtime.models import ModelChoice, Triple, bundled_model
from ..runtime.tasks import TEXT_DETECTION
from ..runtime.timing import timed_stage
from .geometry import clip_to_image, order_clockwise, quad_size
from .preprocess import detection_batch, detection_size

# Regions this thin hold no readable text.
_MIN_SIDE_PIXELS = 3
# Images no higher (or wider) than this hold one line of text, likely cut tight: they get a margin.
_ONE_LINE_SIDE = 64
# Images smaller than this are padded (not stretched) before detection, as PaddleOCR does.
_MIN_DET_SIDE = 32
# Distinct post-processing settings kept built at once (a DBPostProcess each), for per-call settings.
_POSTPROCESS_KEPT = 8
LIMIT_TYPES = BY_NAME["det_limit_type"].choices


@dataclass(frozen=True)
class DetectionSettings:
    """What a single call may change: the resize limit (``limit_side_len``, ``limit_type``, and with
    ``max_side_limit`` a cap on either side of the resized input, None for none) and DB's thresholds."""

    limit_side_len: int
    limit_type: str  # max | min | resize_long
    thresh: float
    box_thresh: float
    unclip_ratio: float
    max_side_limit: Optional[int] = None


@dataclass(frozen=True)
class DetectorOptions:
    """The detection options (``det_*``, ``use_dilation``, ``thin_image_*``); defaults in ``options.DEFAULTS``."""

    OPTION_PREFIX: ClassVar[str] = "det_"
    model: ModelChoice
    limit_side_len: int
    limit_type: str  # max | min | resize_long
    db_thresh: float
    db_box_thresh: float
    db_unclip_ratio: float
    use_dilation: bool
    db_score_mode: str  # fast | slow
    max_candidates: int
    thin_image_ratio: Optional[float] = when("thin_image_detection")  # None: off


def detector_normalisation(model_dir: Optional[str], name: str) -> Tuple[Triple, Triple]:
    """The detector input's mean and std: from the ``inference.yml`` of ``model_dir`` when it gives them, else
    those of the bundled detector ``name``."""
    exported = read_export_config(model_dir)
    if exported is not None and exported.mean and exported.std:
        return exported.mean, exported.std
    chosen = bundled_model(name, TEXT_DETECTION)
    assert chosen.mean is not None and chosen.std is not None
    return chosen.mean, chosen.std


class TextDetector:
    """Find text: a BGR uint8 image (H x W x 3) in, a list of clockwise quads (4 x 2 float32) out."""

    def __init__(self, options: DetectorOptions, runtime: PredictorOptions):
        self.settings = DetectionSettings(options.limit_side_len, options.limit_type, options.db_thresh,
                                          options.db_box_thresh, options.db_unclip_ratio)
        self.use_dilation, self.score_mode, self.max_candidates = (
            options.use_dilation, options.db_score_mode, options.max_candidates)
        self.thin_ratio = options.thin_image_ratio
        self.normalisation = detector_normalisation(options.model.model_dir, options.model.name)
        # The largest input the resize can produce, when the limit bounds it; it is also the warm-up input.
        limit = options.limit_side_len
        side = max(detection_size(limit, limit, limit, "max"))
        largest = (1, 3, side, side) if options.limit_type in ("max", "resize_long") else (1, 3, 736, 736)
        widest = max(1536, side)
        self.model = StageModel(
            options.model,
            runtime,
            InputShapes(min=(1, 3, 32, 32), opt=(1, 3, 736, 736), max=(1, 3, widest, widest), warm_up=largest),
        )
        self._postprocess: Dict[Tuple[float, float, float], DBPostProcess] = {}

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: PredictorOptions) -> "TextDetector":
        """A detector with the detection options of a merged params dict, run as ``runtime`` says."""
        return cls(read_view(DetectorOptions, params, model=ModelChoice.from_params(params, TEXT_DETECTION)), runtime)

    @timed_stage(TEXT_DETECTION.stage)
    def __call__(self, image: np.ndarray, settings: Optional[DetectionSettings] = None) -> List[np.ndarray]:
        """Return the text regions of ``image`` in its own pixel coordinates, in no particular order; ``settings``
        change the resize and thresholds for this call alone (None: the detector's own, ``self.settings``)."""
        settings = settings or self.settings
        height, width = image.shape[:2]
        thin = self.thin_ratio is not None and max(height, width) >= self.thin_ratio * min(height, width)
        one_line = self.thin_ratio is not None and min(height, width) <= _ONE_LINE_SIDE
        padded, margin = add_margin(image) if one_line else (_pad_small(image), 0)
        if thin:
            size = thin_detection_size(padded.shape[0], padded.shape[1], settings.limit_side_len,
                                       settings.max_side_limit)
        else:
            size = detection_size(padded.shape[0], padded.shape[1], settings.limit_side_len, settings.limit_type,
                                  settings.max_side_limit)
        prob_map = self.model.run(detection_batch(padded, size, *self.normalisation))
        shape = [padded.shape[0], padded.shape[1], size[0] / padded.shape[0], size[1] / padded.shape[1]]
        candidates = self.postprocess(settings)({"maps": prob_map}, [shape])[0]["points"]
        quads = []
        for points in candidates:
            quad = order_clockwise(np.asarray(points, dtype=np.float32) - margin)
            if quad is None:
                continue
            quad = clip_to_image(quad, height, width)
            if min(quad_size(quad)) > _MIN_SIDE_PIXELS:
                quads.append(quad)
        return quads


    def postprocess(self, settings: DetectionSettings) -> DBPostProcess:
        """DB's post-processing with ``settings``' thresholds, built once per distinct set (a few kept)."""
        key = (settings.thresh, settings.box_thresh, settings.unclip_ratio)
        if key not in self._postprocess:
            if len(self._postprocess) >= _POSTPROCESS_KEPT:
                self._postprocess.pop(next(iter(self._postprocess)))
            self._postprocess[key] = DBPostProcess(
                thresh=settings.thresh, box_thresh=settings.box_thresh, max_candidates=self.max_candidates,
                unclip_ratio=settings.unclip_ratio, use_dilation=self.use_dilation, score_mode=self.score_mode)
        return self._postprocess[key]


def add_margin(image: np.ndarray) -> Tuple[np.ndarray, int]:
    """Surround a one-line image (a banner, a crop) with a margin of its own background colour.

    Text cut tight at the border has no background around it on one side, and DB finds such lines late or not at
    all. Returns the padded image and the margin in pixels.
    """
    height, width = image.shape[:2]
    margin = int(np.clip(min(height, width) // 2, 8, 32))
    frame = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    colour = [int(c) for c in np.median(frame, axis=0)]
    return cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=colour), margin


def thin_detection_size(height: int, width: int, limit_side_len: int,
                        max_side_limit: Optional[int] = None) -> Tuple[int, int]:
    """The detector's input size for a thin image: at most limit_side_len squared pixels rather than a long side of
    limit_side_len, which would shrink a 3000 x 60 banner's text to 19 pixels and below what DB can see. No input
    holds more pixels than the warm-up's square, so memory stays where the warm-up left it; with ``max_side_limit``
    (a request's settings), no more than that limit's square, however large a limit the request asked for."""
    side = min(limit_side_len, max_side_limit) if max_side_limit else limit_side_len
    budget = side * side
    ratio = min(1.0, math.sqrt(budget / float(height * width)))
    size_h, size_w = detection_size(int(height * ratio), int(width * ratio), max(height, width), "max")
    # Rounding to multiples of 32 (and a short side of at least 32) can overshoot: take it from the long side.
    if size_h * size_w > budget:
        if size_h <= size_w:
            size_w = max(32, budget // size_h // 32 * 32)
        else:
            size_h = max(32, budget // size_w // 32 * 32)
    return size_h, size_w


def _pad_small(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    if height + width >= 2 * _MIN_DET_SIDE:
        return image
    padded = np.zeros((max(_MIN_DET_SIDE, height), max(_MIN_DET_SIDE, width), 3), dtype=np.uint8)
    padded[:height, :width] = image
    return padded
