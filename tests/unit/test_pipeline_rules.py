"""The pipeline's pure rules: how much text a reading holds, when an image reads vertically, and quad mapping."""

import cv2
import numpy as np

from ocr_engine import TextLine
from ocr_engine.pipeline import reads_vertically, text_weight, unrotate_quarter


def line(text: str, confidence: float = 1.0, width: float = 100, height: float = 20) -> TextLine:
    return TextLine(text, confidence, np.float32([[0, 0], [width, 0], [width, height], [0, height]]))


def test_text_weight_prefers_whole_lines_to_the_same_characters_in_pieces():
    assert abs(text_weight([line("ab cd")]) - 4 * 0.95) < 1e-9
    assert text_weight([line("abcd")]) > text_weight([line("ab"), line("cd")])
    assert text_weight([line("abcd", 0.5)]) < text_weight([line("abc", 1.0)])
    assert text_weight([]) == 0


def test_reads_vertically():
    assert reads_vertically([])
    assert reads_vertically([line("column", width=20, height=100)])  # a region standing upright
    assert reads_vertically([line("S"), line("ta"), line("tion long")])  # letters one by one
    assert not reads_vertically([line("Station parking"), line("north"), line("7")])


def test_unrotate_quarter_maps_points_back_to_the_image_as_sent():
    image = np.zeros((30, 50), np.uint8)
    image[7, 41] = 255  # y 7, x 41
    turned = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    y, x = np.argwhere(turned == 255)[0]
    back = unrotate_quarter(np.float32([[x, y]] * 4), height=30)
    assert back[0].tolist() == [41, 7]
