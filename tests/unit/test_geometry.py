"""Quad geometry and reading order."""

import numpy as np

from ocr_engine.stages.geometry import clip_to_image, line_order, order_clockwise, quad_size


def box(x: float, y: float, w: float = 50, h: float = 20) -> np.ndarray:
    return np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])


def test_corners_are_ordered_clockwise_from_top_left():
    quad = box(10, 20)
    shuffled = quad[[2, 0, 3, 1]]
    assert np.array_equal(order_clockwise(shuffled), quad)
    assert order_clockwise(np.zeros((4, 2), np.float32)) is None


def test_quads_are_clipped_to_whole_pixels_inside_the_image():
    clipped = clip_to_image(np.float32([[-3, -1], [120.7, 2.5], [120.7, 60], [-3, 60]]), 50, 100)
    assert clipped.tolist() == [[0, 0], [99, 2], [99, 49], [0, 49]]
    assert quad_size(box(0, 0, 50, 20)) == (50, 20)


def test_reading_order_is_top_to_bottom_then_left_to_right_within_a_line():
    right, left, below = box(100, 10), box(10, 15), box(5, 50)
    ordered = line_order([below, right, left])
    assert [q[0].tolist() for q in ordered] == [left[0].tolist(), right[0].tolist(), below[0].tolist()]


def test_boxes_ten_pixels_apart_in_height_are_separate_lines():
    upper, lower = box(100, 10), box(10, 20)
    assert [q[0][0] for q in line_order([lower, upper])] == [100, 10]


def test_a_page_of_columns_reads_right_to_left_top_to_bottom():
    left, middle, right = box(10, 10, 30, 200), box(60, 10, 30, 200), box(110, 10, 30, 200)
    upper, lower = box(62, 10, 28, 90), box(61, 110, 29, 100)  # the middle column, cut in two by the detector
    ordered = line_order([left, lower, right, upper])
    assert [q[0].tolist() for q in ordered] == [right[0].tolist(), upper[0].tolist(), lower[0].tolist(),
                                                left[0].tolist()]
    assert [q[0][0] for q in line_order([left, middle, right])] == [110, 60, 10]


def test_a_page_of_lines_with_one_column_keeps_line_order():
    lines = [box(10, 10, 200, 20), box(10, 50, 200, 20), box(300, 10, 20, 100)]
    assert [q[0].tolist() for q in line_order(lines)] == [[10, 10], [300, 10], [10, 50]]


def test_rectangles_bound_grow_shift_and_crop_within_the_image():
    from ocr_engine.stages.geometry import (
        bounding_rectangle,
        box_area,
        cell_rectangle,
        crop_box,
        grown,
        holds_point,
        shifted,
    )

    quad = np.array([[10, 20], [50, 18], [52, 40], [8, 42]], np.float32)
    box = bounding_rectangle(quad)
    assert box == (8.0, 18.0, 52.0, 42.0) and box_area(box) == 44 * 24
    assert grown(box, 10, (45, 60, 3)) == (0.0, 8.0, 60.0, 45.0)  # kept inside a 60 x 45 image
    assert shifted(box, -8, -18) == (0.0, 0.0, 44.0, 24.0)
    assert holds_point(box, 30, 30) and not holds_point(box, 60, 30)
    assert crop_box(np.zeros((45, 60, 3), np.uint8), (8.4, 18.0, 52.0, 42.6)).shape == (25, 44, 3)
    assert cell_rectangle([1, 2, 9.04, 2, 9, 7.96, 1, 8]) == [1.0, 2.0, 9.0, 8.0]
