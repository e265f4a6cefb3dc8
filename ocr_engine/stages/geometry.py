"""Geometry of regions on a page: quadrilaterals (a line's region: its corners ordered, the lines' reading
order, perspective crops) and rectangles (a layout region's box: bounds, margins, crops).

A quadrilateral ("quad") is a float32 array of shape (4, 2): x, y of the top-left, top-right, bottom-right and
bottom-left corners, in pixels of the original image. A rectangle (``Box``) is (x1, y1, x2, y2) in pixels.
"""

from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

# Boxes whose top edges are closer than this (in pixels) are read as one line, left to right (PaddleOCR's rule).
SAME_LINE_PIXELS = 10
# A region this many times taller than wide is a column of vertical text; its crop is laid on its side.
COLUMN_RATIO = 1.5

Box = Tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels


def order_clockwise(points: np.ndarray) -> Optional[np.ndarray]:
    """Return the 4 corners as top-left, top-right, bottom-right, bottom-left, or None for a degenerate quad."""
    sums = points.sum(axis=1)
    first, third = int(np.argmin(sums)), int(np.argmax(sums))
    if first == third:
        return None
    rest = np.delete(points, (first, third), axis=0)
    diffs = rest[:, 1] - rest[:, 0]
    return np.array(
        [points[first], rest[np.argmin(diffs)], points[third], rest[np.argmax(diffs)]], dtype=np.float32
    )


def clip_to_image(quad: np.ndarray, height: int, width: int) -> np.ndarray:
    """Clamp every corner inside the image and snap it to whole pixels."""
    clipped = np.empty_like(quad)
    clipped[:, 0] = np.clip(quad[:, 0], 0, width - 1)
    clipped[:, 1] = np.clip(quad[:, 1], 0, height - 1)
    return np.floor(clipped)


def quad_size(quad: np.ndarray) -> tuple:
    """(width, height) of a clockwise quad, each the longer of its two opposite edges, in whole pixels."""
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return int(width), int(height)


def is_column(quad: np.ndarray) -> bool:
    """Whether a region stands upright: a column of vertical text rather than a line."""
    width, height = quad_size(quad)
    return height >= COLUMN_RATIO * width


def line_order(quads: List[np.ndarray]) -> List[np.ndarray]:
    """Sort the lines of a page (their quads) in reading order: a page of mostly columns (vertical CJK text)
    right to left (``vertical_line_order``); any other page top to bottom, and left to right among quads on the
    same line."""
    if quads and 2 * sum(is_column(quad) for quad in quads) > len(quads):
        return vertical_line_order(quads)
    ordered = sorted(quads, key=lambda q: (q[0][1], q[0][0]))
    # One backward pass per box, as PaddleOCR does, so results keep the order its users already rely on.
    for i in range(len(ordered) - 1):
        for j in range(i, -1, -1):
            upper, lower = ordered[j], ordered[j + 1]
            if abs(lower[0][1] - upper[0][1]) < SAME_LINE_PIXELS and lower[0][0] < upper[0][0]:
                ordered[j], ordered[j + 1] = lower, upper
            else:
                break
    return ordered


def vertical_line_order(quads: List[np.ndarray]) -> List[np.ndarray]:
    """Columns of vertical text right to left, each read top to bottom. Regions that overlap horizontally by more
    than half the narrower one's width belong to one column, so a column the detector cut in two still reads in
    order."""
    columns: List[List[np.ndarray]] = []
    spans: List[tuple] = []
    for quad in sorted(quads, key=lambda q: -float(q[:, 0].max())):
        left, right = float(quad[:, 0].min()), float(quad[:, 0].max())
        for column, (c_left, c_right) in zip(columns, spans):
            if min(right, c_right) - max(left, c_left) > 0.5 * min(right - left, c_right - c_left):
                column.append(quad)
                break
        else:
            columns.append([quad])
            spans.append((left, right))
    return [quad for column in columns for quad in sorted(column, key=lambda q: float(q[:, 1].min()))]


def crop_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Cut ``quad`` out of ``image`` and warp it flat; a crop much taller than wide is turned to lie horizontal."""
    width, height = quad_size(quad)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    crop = cv2.warpPerspective(
        image, transform, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if crop.shape[0] >= COLUMN_RATIO * crop.shape[1]:
        # Vertical text columns: the recogniser reads left to right, so lay the column on its side.
        crop = np.rot90(crop)
    return crop


def span_quad(quad: np.ndarray, start: float, end: float, turned: bool = False) -> np.ndarray:
    """The part of a region's quad that lies from ``start`` to ``end`` along its crop (fractions of the crop's
    width, as the recogniser read it): along the region's length, or down a column (``crop_quad`` laid it on its
    side), and backwards for a crop the angle classifier ``turned``. A clockwise quad in image pixels."""
    if turned:
        start, end = 1.0 - end, 1.0 - start
    q = quad.astype(np.float32)
    if is_column(quad):  # the crop's x ran from the region's top to its bottom
        return np.stack([q[0] + (q[3] - q[0]) * start, q[1] + (q[2] - q[1]) * start,
                         q[1] + (q[2] - q[1]) * end, q[0] + (q[3] - q[0]) * end])
    return np.stack([q[0] + (q[1] - q[0]) * start, q[0] + (q[1] - q[0]) * end,
                     q[3] + (q[2] - q[3]) * end, q[3] + (q[2] - q[3]) * start])


def region_json(quad: np.ndarray) -> List[List[int]]:
    """A quad as the answers give it (``/predict``'s ``text_region``, ``/ocr``'s polys): four [x, y] pairs of ints."""
    return quad.astype(np.int32).tolist()


def bounding_rectangle(quad: np.ndarray) -> Box:
    """The smallest rectangle holding a quad."""
    return float(quad[:, 0].min()), float(quad[:, 1].min()), float(quad[:, 0].max()), float(quad[:, 1].max())


def whole_pixel_box(quad: np.ndarray, size: Tuple[int, int]) -> List[int]:
    """[xmin, ymin, xmax, ymax] of a quad, in whole pixels inside a page of ``size`` (width, height)."""
    xs, ys = np.clip(quad[:, 0], 0, size[0]), np.clip(quad[:, 1], 0, size[1])
    return [int(np.floor(xs.min())), int(np.floor(ys.min())), int(np.ceil(xs.max())), int(np.ceil(ys.max()))]


def cell_rectangle(corners: Sequence[float]) -> List[float]:
    """The rectangle [xmin, ymin, xmax, ymax] (to 0.1 px) holding a table cell given as four corners, x1 y1 ... x4
    y4."""
    xs, ys = corners[0::2], corners[1::2]
    return [round(float(min(xs)), 1), round(float(min(ys)), 1), round(float(max(xs)), 1), round(float(max(ys)), 1)]


def grown(box: Box, margin: float, shape: Tuple[int, ...]) -> Box:
    """``box`` with ``margin`` pixels added on every side, kept inside an image of ``shape`` (height, width...)."""
    return (max(0.0, box[0] - margin), max(0.0, box[1] - margin), min(float(shape[1]), box[2] + margin),
            min(float(shape[0]), box[3] + margin))


def shifted(box: Box, dx: float, dy: float) -> Box:
    """``box`` moved by ``dx``, ``dy``."""
    return box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy


def box_area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def holds_point(box: Box, x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def crop_box(image: np.ndarray, box: Box) -> np.ndarray:
    """The part of ``image`` inside ``box``, rounded to whole pixels."""
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    return np.ascontiguousarray(image[max(0, y1) : y2, max(0, x1) : x2])


def top_left(box: Box) -> Tuple[float, float]:
    """The key that sorts rectangles top to bottom, then left to right."""
    return box[1], box[0]
