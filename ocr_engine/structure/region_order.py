"""The reading order of a page's layout regions: headers first, then the body section by section, then footers.
Pure geometry on rectangles (x1, y1, x2, y2); the order of the lines inside a region is
``stages.geometry.line_order``'s.

The body is split into sections, top to bottom, by the regions that cross every column: one at least
``SPANNING_SHARE`` of the body's width, or a title with nothing beside it. A section is read by recursive XY-cut:
a vertical cut (a gutter no region crosses) splits it into columns, read left to right; where no column can be
cut, a horizontal cut splits it into rows, read top to bottom; and so on inside each part. Columns are tried
first, so two columns whose paragraphs happen to end at one height are still read one after the other.

Figures and tables are left out of the cuts: one that straddles a gutter would join the columns on both sides of
it. Each is then placed where it interrupts the flow: before the first region after the cut whose top is below
its top and which it overlaps across, or after the last region it overlaps across, above it. A caption that
touches its figure or table goes with it (before it when above it, after it when below)."""

from typing import Dict, List, Sequence, Tuple

from ..stages.geometry import Box, top_left
from .blocks import FIGURE, FOOTER, HEADER, TABLE, TITLE

# The labels read before and after the body; everything else is body.
HEAD_LABELS = (HEADER,)
FOOT_LABELS = (FOOTER,)
# Regions placed where they interrupt the text rather than cut with it, and the captions that go with them.
FLOAT_LABELS = (FIGURE, TABLE)
CAPTION_LABELS = ("figure_caption", "table_caption")
# A body region at least this share of the body's width spans the columns: it closes one section and opens the next.
SPANNING_SHARE = 0.6
# Two extents overlapping by less than this share of the shorter one still leave a cut between them (layout boxes
# are loose by a few pixels).
OVERLAP_SLACK = 0.2
# A caption this many of its own heights (or fewer) from a figure or table, overlapping it across, is its caption.
CAPTION_REACH = 2.0


def region_order(labels: Sequence[str], boxes: Sequence[Box]) -> List[int]:
    """The indices of the regions (``labels[i]`` at ``boxes[i]``) in reading order."""
    heads = sorted((i for i, label in enumerate(labels) if label in HEAD_LABELS), key=lambda i: top_left(boxes[i]))
    feet = sorted((i for i, label in enumerate(labels) if label in FOOT_LABELS), key=lambda i: top_left(boxes[i]))
    body = [i for i, label in enumerate(labels) if label not in HEAD_LABELS + FOOT_LABELS]
    return heads + body_order([labels[i] for i in body], [boxes[i] for i in body], body) + feet


def body_order(labels: Sequence[str], boxes: Sequence[Box], ids: Sequence[int]) -> List[int]:
    """``ids`` (one per region) in reading order: sections split by the regions that cross every column, each
    section read by ``section_order``."""
    if not boxes:
        return []
    width = max(box[2] for box in boxes) - min(box[0] for box in boxes)
    order: List[int] = []
    section: List[int] = []
    for k in sorted(range(len(boxes)), key=lambda k: top_left(boxes[k])):
        if _crosses_columns(k, labels, boxes, width):
            order.extend(_read_section(section, labels, boxes, ids))
            order.append(ids[k])
            section = []
        else:
            section.append(k)
    order.extend(_read_section(section, labels, boxes, ids))
    return order


def _read_section(section: Sequence[int], labels: Sequence[str], boxes: Sequence[Box], ids: Sequence[int]
                  ) -> List[int]:
    return [ids[section[j]] for j in section_order([labels[k] for k in section], [boxes[k] for k in section])]


def _crosses_columns(k: int, labels: Sequence[str], boxes: Sequence[Box], width: float) -> bool:
    """Whether region ``k`` crosses every column of a body ``width`` wide."""
    x1, y1, x2, y2 = boxes[k]
    if x2 - x1 >= SPANNING_SHARE * width:
        return True
    # A title with nothing beside it, within its own height above or below, heads the whole width below it (a
    # column's subheading has the next column's text beside it, or a paragraph gap narrower than that).
    reach = y2 - y1
    return labels[k] == TITLE and not any(
        j != k and not _overlap(x1, x2, box[0], box[2]) and _overlap(y1 - reach, y2 + reach, box[1], box[3])
        for j, box in enumerate(boxes))


def section_order(labels: Sequence[str], boxes: Sequence[Box]) -> List[int]:
    """The regions of one section (indices into ``boxes``) in reading order: the text by ``xy_cut_order``,
    figures and tables (with their captions) where they interrupt it."""
    floats = [k for k, label in enumerate(labels) if label in FLOAT_LABELS]
    captions = _captions(labels, boxes, floats)
    held = set(floats) | {k for group in captions.values() for k in group}
    flow = [k for k in range(len(boxes)) if k not in held]
    order = [flow[k] for k in xy_cut_order([boxes[k] for k in flow])]
    for k in sorted(floats, key=lambda k: top_left(boxes[k])):
        above = [c for c in captions[k] if boxes[c][1] < boxes[k][1]]
        group = above + [k] + [c for c in captions[k] if c not in above]
        at = _place(boxes[k], [boxes[j] for j in order])
        order[at:at] = group
    return order


def _captions(labels: Sequence[str], boxes: Sequence[Box], floats: Sequence[int]) -> Dict[int, List[int]]:
    """Each figure's or table's captions: caption regions that touch it (above or below) and overlap it across,
    each given to the nearest."""
    found: Dict[int, List[int]] = {k: [] for k in floats}
    for c, label in enumerate(labels):
        if label not in CAPTION_LABELS:
            continue
        x1, y1, x2, y2 = boxes[c]
        near = [(max(boxes[k][1] - y2, y1 - boxes[k][3]), k) for k in floats
                if _overlap(x1, x2, boxes[k][0], boxes[k][2])]
        near = [(gap, k) for gap, k in near if gap <= CAPTION_REACH * (y2 - y1)]
        if near:
            found[min(near)[1]].append(c)
    return {k: sorted(found[k], key=lambda c: boxes[c][1]) for k in found}


def _place(box: Box, ordered: Sequence[Box]) -> int:
    """Where a figure or table at ``box`` goes among the ``ordered`` text regions: before the first it overlaps
    across whose top is below its top, else after the last it overlaps across, else by its top among them all."""
    across = [j for j, other in enumerate(ordered) if _overlap(box[0], box[2], other[0], other[2])]
    below = [j for j in across if ordered[j][1] >= box[1]]
    if below:
        return below[0]
    if across:
        return across[-1] + 1
    return sum(1 for other in ordered if top_left(other) < top_left(box))


def xy_cut_order(boxes: Sequence[Box]) -> List[int]:
    """Indices of ``boxes`` by recursive XY-cut: split into columns where a gutter crosses them all (read left to
    right), else into rows where a gap does (top to bottom), and each part the same way; boxes no cut separates
    are read by their top, then their left."""
    if len(boxes) <= 1:
        return list(range(len(boxes)))
    for axis in (0, 1):
        parts = _cut(boxes, axis)
        if len(parts) > 1:
            return [part[k] for part in parts for k in xy_cut_order([boxes[j] for j in part])]
    return sorted(range(len(boxes)), key=lambda k: top_left(boxes[k]))


def _cut(boxes: Sequence[Box], axis: int) -> List[List[int]]:
    """``boxes``' indices in groups that no box joins along ``axis`` (0: x, 1: y), in order along it."""
    groups: List[Tuple[float, float, List[int]]] = []
    for k in sorted(range(len(boxes)), key=lambda k: (boxes[k][axis], boxes[k][axis + 2])):
        start, end = boxes[k][axis], boxes[k][axis + 2]
        if groups and _overlap(groups[-1][0], groups[-1][1], start, end):
            first, last, members = groups[-1]
            groups[-1] = (first, max(last, end), members + [k])
        else:
            groups.append((start, end, [k]))
    return [members for _, _, members in groups]


def _overlap(a1: float, a2: float, b1: float, b2: float) -> bool:
    """Whether extents a1-a2 and b1-b2 overlap by more than ``OVERLAP_SLACK`` of the shorter one."""
    return min(a2, b2) - max(a1, b1) > OVERLAP_SLACK * min(a2 - a1, b2 - b1)
