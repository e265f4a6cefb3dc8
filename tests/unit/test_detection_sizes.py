"""The detector's input sizes: multiples of 32, the side limit, and the pixel budget of thin images."""

import pytest

from ocr_engine.stages.detection import thin_detection_size
from ocr_engine.stages.preprocess import detection_size


@pytest.mark.parametrize(
    "height, width, limit, kind, expected",
    [
        (100, 200, 960, "max", (96, 192)),  # small images are not grown
        (2000, 1000, 960, "max", (960, 480)),  # the long side shrinks to the limit
        (10, 10, 736, "min", (736, 736)),  # the short side grows to the limit
        (500, 1000, 640, "resize_long", (320, 640)),
        (5, 5, 960, "max", (32, 32)),  # never below one stride
    ],
)
def test_detection_size(height, width, limit, kind, expected):
    assert detection_size(height, width, limit, kind) == expected


def test_an_unknown_limit_type_is_refused():
    with pytest.raises(ValueError, match="det_limit_type must be"):
        detection_size(10, 10, 960, "longest")


def test_a_banner_keeps_its_height_instead_of_shrinking_to_960_long():
    assert thin_detection_size(60, 3000, 960) == (64, 3008)
    assert detection_size(60, 3000, 960, "max")[0] == 32  # what the ordinary rule would give


@pytest.mark.parametrize("height, width", [(60, 3000), (100, 20000), (40, 12000), (3000, 60), (900, 30000), (33, 33)])
def test_thin_sizes_stay_within_the_warm_up_square(height, width):
    size_h, size_w = thin_detection_size(height, width, 960)
    assert size_h % 32 == 0 and size_w % 32 == 0 and min(size_h, size_w) >= 32
    assert size_h * size_w <= 960 * 960
