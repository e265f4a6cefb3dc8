"""How text lines are grouped into recognition batches, and how wide each batch is padded.

The recogniser's cost is proportional to the columns it sees, padding included, so lines of similar width share
a batch, as in PaddleOCR: sorted by width, ``batch_size`` at a time, each batch padded to its widest line.

Unlike PaddleOCR, no batch holds more columns than the one the predictor ran at start-up. paddle's allocator
keeps what it grows, so the memory reached then is the most the recogniser will hold: wider lines go in
smaller batches instead.

Widths are not rounded up to a few sizes, although that would let oneDNN reuse kernels compiled for an earlier
shape (about 15% faster): the PP-OCRv4 recogniser reads a different text for one line in eight when its padding
grows by a single column, so rounding would change what clients get back.
"""

from dataclasses import dataclass
from typing import List, Sequence

import numpy as np


@dataclass(frozen=True)
class Batch:
    """Indices of the lines in one batch (into the caller's list) and the width they are padded to."""

    lines: List[int]
    width: int


def plan_batches(
    ratios: Sequence[float], height: int, batch_size: int, min_width: int, max_columns: int
) -> List[Batch]:
    """Group lines by shape: ``ratios`` are the lines' width / height, ``height`` the model's input height.

    Batches hold up to ``batch_size`` lines of neighbouring ratios, padded to ``int(height * ratio)`` of their widest
    line (never narrower than ``min_width``), with at most ``max_columns`` columns in all: wider lines go in smaller
    batches. A single line wider than ``max_columns`` gets a batch of its own at ``max_columns``; the caller
    squeezes it to fit.
    """
    # np.argsort's default order, as PaddleOCR's, so that lines of equal ratio have the same batch partners.
    order = [int(i) for i in np.argsort(np.asarray(ratios, dtype=np.float64))]
    batches: List[Batch] = []
    start = 0
    while start < len(order):
        count = 0
        widest = min_width / float(height)
        # Take lines while the batch, padded to the widest so far, stays within the column budget.
        while start + count < len(order) and count < batch_size:
            candidate = max(widest, ratios[order[start + count]])
            if count and int(height * candidate) * (count + 1) > max_columns:
                break
            widest, count = candidate, count + 1
        batches.append(Batch(lines=order[start : start + count], width=min(int(height * widest), max_columns)))
        start += count
    return batches
