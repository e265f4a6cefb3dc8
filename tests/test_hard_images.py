"""Inputs the upstream pipeline fragments or drops, read whole through `hub serving start`: a long thin banner, a
one-line crop cut tight, a line turned a quarter, a long line upside down. tools/accuracy.py measures the same
kinds of input on a generated corpus; these pin one example of each."""

import cv2
import numpy as np
import pytest
from conftest import assert_ok, read_image

from testkit.inputs import encode
from testkit.rendering import latin_font, render_lines, squash

BANNER = "Central station platform 7 exit north, open daily 07:45 to 23:30, tickets and coffee"


def banner(size: int) -> np.ndarray:
    image, _ = render_lines([BANNER], latin_font(), size=size, margin=3)
    assert image.shape[1] > 15 * image.shape[0]
    return image


# Each case below is read in pieces, or not at all, with the step that reads it switched off (checked when the
# steps were written): thin_image_detection for the banners and the tight crop, cls_long_line_windows for the
# upside-down banner, vertical_image_rotation for the quarter-turned line.
@pytest.mark.parametrize("size", [22, 30])  # 912 and 1242 px long: below and above det_limit_side_len
def test_a_long_thin_banner_is_read_as_one_line(server, size):
    assert read_image(server, banner(size)) == [squash(BANNER)]


def test_a_long_line_upside_down_is_turned(server):
    # Squeezed whole into the angle classifier's 192 x 48 input, a line this long is often called the wrong way up.
    assert read_image(server, cv2.rotate(banner(22), cv2.ROTATE_180)) == [squash(BANNER)]


def test_a_one_line_crop_cut_tight_is_read(server):
    image, _ = render_lines(["3.14 number central"], latin_font(), size=26, margin=2)
    assert read_image(server, image) == ["3.14numbercentral"]


def test_a_line_turned_a_quarter_is_read_whole(server):
    image, _ = render_lines(["Station parking north"], latin_font(), size=34, margin=6)
    assert read_image(server, cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)) == ["Stationparkingnorth"]
    answer = assert_ok(server.predict("ocr_system", [encode(cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE))]))
    # The region is given in the coordinates of the image as sent: a tall box.
    xs, ys = zip(*answer[0][0]["text_region"])
    assert max(ys) - min(ys) > 4 * (max(xs) - min(xs))
