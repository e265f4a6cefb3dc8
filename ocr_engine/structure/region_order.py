"""The reading order of a page's layout regions: headers first, then the body section by section, each section's
columns left to right and each column top to bottom, then footers. Pure geometry on rectangles (x1, y1, x2, y2);
the order of the lines inside a region is ``stages.geometry.line_order``'s."""

from typing import List, Sequence, Tuple

from ..stages.geometry import Box, top_left
from .blocks import FOOTER, HEADER

# The labels read before and after the body; everything else is body.
HEAD_LABELS = (HEADER,)
FOOT_LABELS = (FOOTER,)
# A body region at least this share of the body's width spans the columns: it closes one section and opens the next.
SPANNING_SHARE = 0.6


def region_order(labels: Sequence[str], boxes: Sequence[Box]) -> List[int]:
    """The indices of the regions (``labels[i]`` at ``boxes[i]``) in reading order."""
    heads = sorted((i for i, label in enumerate(labels) if label in HEAD_LABELS), key=lambda i: top_left(boxes[i]))
    feet = sorted((i for i, label in enumerate(labels) if label in FOOT_LABELS), key=lambda i: top_left(boxes[i]))
    body = [i for i, label in enumerate(labels) if label not in HEAD_LABELS + FOOT_LABELS]
    return heads + body_order([boxes[i] for i in body], body) + feet


def body_order(boxes: Sequence[Box], ids: Sequence[int]) -> List[int]:
    """``ids`` (one per box) in reading order: regions that span the columns split the page into sections, top to
    bottom; a section's regions are read column by column."""
    if not boxes:
        return []
    left = min(box[0] for box in boxes)
    right = max(box[2] for box in boxes)
    spanning = [(box[2] - box[0]) >= SPANNING_SHARE * (right - left) for box in boxes]
    order: List[int] = []
    section: List[int] = []
    for k in sorted(range(len(boxes)), key=lambda k: top_left(boxes[k])):
        if spanning[k]:
            order.extend(ids[j] for j in region_columns_order([boxes[j] for j in section], section))
            order.append(ids[k])
            section = []
        else:
            section.append(k)
    order.extend(ids[j] for j in region_columns_order([boxes[j] for j in section], section))
    return order


def region_columns_order(boxes: Sequence[Box], ids: Sequence[int]) -> List[int]:
    """``ids`` (one per box) grouped into columns, boxes whose horizontal extents overlap joining one column, the
    columns read left to right and each top to bottom."""
    columns: List[Tuple[float, float, List[int]]] = []
    for k in sorted(range(len(boxes)), key=lambda k: boxes[k][0]):
        x1, _, x2, _ = boxes[k]
        if columns and x1 < columns[-1][1] - 0.2 * min(x2 - x1, columns[-1][1] - columns[-1][0]):
            start, end, members = columns[-1]
            columns[-1] = (start, max(end, x2), members + [k])
        else:
            columns.append((x1, x2, [k]))
    return [ids[k] for _, _, members in columns for k in sorted(members, key=lambda k: boxes[k][1])]
