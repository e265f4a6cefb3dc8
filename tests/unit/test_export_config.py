"""inference.yml, as PaddleOCR's export writes it: normalisation and character list read, bad files named."""

import pytest

from ocr_engine.runtime.export_config import ExportConfigError, character_file, read_export_config
from ocr_engine.runtime.models import IMAGENET_MEAN, IMAGENET_STD
from ocr_engine.stages.detection import detector_normalisation

DET = """Global:
  model_name: PP-OCRv5_server_det
PreProcess:
  transform_ops:
  - DecodeImage:
      channel_first: false
      img_mode: BGR
  - DetResizeForTest:
      resize_long: 960
  - NormalizeImage:
      mean: [0.5, 0.5, 0.5]
      order: hwc
      scale: 1./255.
      std: [0.25, 0.25, 0.25]
  - ToCHWImage: null
PostProcess:
  name: DBPostProcess
  thresh: 0.3
"""
REC = """PreProcess:
  transform_ops:
  - RecResizeImg:
      image_shape: [3, 48, 320]
PostProcess:
  name: CTCLabelDecode
  character_dict:
  - a
  - é
  - 中
"""


def write(folder, text):
    (folder / "inference.yml").write_text(text, encoding="utf-8")
    return str(folder)


def test_detector_normalisation_comes_from_the_export(tmp_path):
    folder = write(tmp_path, DET)
    assert read_export_config(folder).mean == (0.5, 0.5, 0.5)
    assert detector_normalisation(folder, "PP-OCRv4_mobile_det") == ((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    assert detector_normalisation(None, "PP-OCRv4_mobile_det") == (IMAGENET_MEAN, IMAGENET_STD)
    assert detector_normalisation(str(tmp_path / "no_yml"), "PP-OCRv6_small_det") == ((0.5,) * 3, (0.5,) * 3)


def test_the_character_list_comes_from_the_export(tmp_path):
    config = read_export_config(write(tmp_path, REC))
    assert config.characters == ("a", "é", "中") and config.mean is None
    path = character_file(config.characters, str(tmp_path / "cache"))
    assert open(path, encoding="utf-8").read() == "a\né\n中\n"
    assert character_file(config.characters, str(tmp_path / "cache")) == path


@pytest.mark.parametrize("text, words", [
    ("PreProcess: {transform_ops: [{NormalizeImage: {mean: [0.5, 0.5]}}]}", "NormalizeImage.mean is not three"),
    ("PostProcess: {character_dict: abc}", "PostProcess.character_dict is not a list"),
    ("PreProcess: [unclosed", "cannot be read"),
])
def test_a_bad_export_config_is_named(tmp_path, text, words):
    with pytest.raises(ExportConfigError, match=words):
        read_export_config(write(tmp_path, text))
