"""Stage 1, localise: find text regions with the DB detector."""

from typing import Any, List, Mapping

import numpy as np
from paddleocr.ppocr.postprocess.db_postprocess import DBPostProcess

from .geometry import clip_to_image, order_clockwise, quad_size
from .inference import StageModel, InputShapes
from .preprocess import detection_batch, detection_size

# Regions this thin hold no readable text.
_MIN_SIDE_PIXELS = 3
# Images smaller than this are padded (not stretched) before detection, as PaddleOCR does.
_MIN_DET_SIDE = 32


class TextDetector:
    """Find text: a BGR uint8 image (H x W x 3) in, a list of clockwise quads (4 x 2 float32) out."""

    def __init__(self, params: Mapping[str, Any]):
        self.limit_side_len = int(params["det_limit_side_len"])
        self.limit_type = params["det_limit_type"]
        # The largest input the resize can produce, when the limit bounds it; it is also the warm-up input.
        side = max(detection_size(self.limit_side_len, self.limit_side_len, self.limit_side_len, "max"))
        largest = (1, 3, side, side) if self.limit_type in ("max", "resize_long") else (1, 3, 736, 736)
        widest = max(1536, side)
        self.model = StageModel(
            "det",
            params,
            InputShapes(min=(1, 3, 32, 32), opt=(1, 3, 736, 736), max=(1, 3, widest, widest), warm_up=largest),
        )
        self.postprocess = DBPostProcess(
            thresh=float(params["det_db_thresh"]),
            box_thresh=float(params["det_db_box_thresh"]),
            max_candidates=int(params["det_max_candidates"]),
            unclip_ratio=float(params["det_db_unclip_ratio"]),
            use_dilation=bool(params["use_dilation"]),
            score_mode=params["det_db_score_mode"],
        )

    def __call__(self, image: np.ndarray) -> List[np.ndarray]:
        """Return the text regions of ``image`` in its own pixel coordinates, in no particular order."""
        height, width = image.shape[:2]
        padded = _pad_small(image)
        size = detection_size(padded.shape[0], padded.shape[1], self.limit_side_len, self.limit_type)
        prob_map = self.model.run(detection_batch(padded, size))
        shape = [padded.shape[0], padded.shape[1], size[0] / padded.shape[0], size[1] / padded.shape[1]]
        candidates = self.postprocess({"maps": prob_map}, [shape])[0]["points"]
        quads = []
        for points in candidates:
            quad = order_clockwise(np.asarray(points, dtype=np.float32))
            if quad is None:
                continue
            quad = clip_to_image(quad, height, width)
            if min(quad_size(quad)) > _MIN_SIDE_PIXELS:
                quads.append(quad)
        return quads


def _pad_small(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    if height + width >= 2 * _MIN_DET_SIDE:
        return image
    padded = np.zeros((max(_MIN_DET_SIDE, height), max(_MIN_DET_SIDE, width), 3), dtype=np.uint8)
    padded[:height, :width] = image
    return padded
