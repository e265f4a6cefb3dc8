"""Turning images into the float32 NCHW batches the models take."""

import math
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

# The network's feature map is 1/32 of its input, so both sides are multiples of 32.
_DET_STRIDE = 32


def detection_size(height: int, width: int, limit_side_len: int, limit_type: str,
                   max_side_limit: Optional[int] = None) -> Tuple[int, int]:
    """Return the (height, width) the detector sees: scaled by the limit, no side over ``max_side_limit`` when
    given, then rounded to multiples of 32."""
    if limit_type == "max":
        ratio = min(1.0, limit_side_len / max(height, width))
    elif limit_type == "min":
        ratio = max(1.0, limit_side_len / min(height, width))
    elif limit_type == "resize_long":
        ratio = limit_side_len / max(height, width)
    else:
        raise ValueError("det_limit_type must be max, min or resize_long, not %r" % limit_type)
    if max_side_limit is not None and max(height, width) * ratio > max_side_limit:
        ratio = max_side_limit / max(height, width)
    resized_h = max(int(round(int(height * ratio) / _DET_STRIDE) * _DET_STRIDE), _DET_STRIDE)
    resized_w = max(int(round(int(width * ratio) / _DET_STRIDE) * _DET_STRIDE), _DET_STRIDE)
    return resized_h, resized_w


def detection_batch(
    image: np.ndarray, size: Tuple[int, int], mean: Sequence[float], std: Sequence[float]
) -> np.ndarray:
    """Resize a BGR uint8 image to ``size`` (height, width) and normalise it into a 1 x 3 x H x W batch with the
    model's ``mean`` and ``std`` (per channel, of values scaled to 0-1)."""
    resized = cv2.resize(image, (size[1], size[0]))
    means, stds = np.asarray(mean, dtype=np.float32), np.asarray(std, dtype=np.float32)
    # One float pass: (x / 255 - mean) / std == x * (1 / (255 * std)) - mean / std.
    normalized = resized.astype(np.float32) * (1.0 / (255.0 * stds)) - means / stds
    return normalized.transpose(2, 0, 1)[np.newaxis]


def line_batch(crops: Sequence[np.ndarray], height: int, width: int, rows: int = 0) -> np.ndarray:
    """Resize text-line crops to ``height``, keep their aspect ratio up to ``width``, scale to [-1, 1] and
    right-pad with zeros into an N x 3 x height x width batch (the layout CTC recognisers and the
    angle classifier were trained on). N is ``rows`` when larger than the number of crops: blank rows follow."""
    batch = np.zeros((max(rows, len(crops)), 3, height, width), dtype=np.float32)
    for i, crop in enumerate(crops):
        crop_h, crop_w = crop.shape[:2]
        resized_w = min(width, int(math.ceil(height * crop_w / float(crop_h))))
        resized = cv2.resize(crop, (resized_w, height)).astype(np.float32)
        batch[i, :, :, :resized_w] = resized.transpose(2, 0, 1) * (2.0 / 255.0) - 1.0
    return batch
