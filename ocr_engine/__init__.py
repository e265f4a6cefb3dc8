"""The shared OCR engine (OpenVINO or Paddle Inference, per model) behind the ocr_det, ocr_cls, ocr_rec and
ocr_system hub modules.

Three layers, each a sub-package, imports flowing one way (serving -> pipeline -> stages -> runtime):

- ``stages``: localise (``TextDetector``), crop (``geometry``), rectify (``TextClassifier``), recognise
  (``TextRecognizer``); ``pipeline`` assembles them into ``OCRSystem``.
- ``runtime``: the backends, the rule that picks one per model (``choice``), model files, conversion, and the
  process-wide registry of predictors.
- ``serving``: what the hub modules share - start-up, a client's request and its limits, image decoding, errors.
  Only this layer imports PaddleHub, and importing the engine changes no process-wide setting.

``options`` holds every option's default; each layer reads its own typed view of the merged options.

In-process use, without PaddleHub::

    from ocr_engine import OCRSystem, merge_params
    ocr = OCRSystem.from_params(merge_params({"cpu_threads": 2}))
    lines = ocr([bgr_image])[0]          # [TextLine(text, confidence, region), ...]
"""

import importlib
from typing import Any

# The package's version, the one place it is written: setup.py and testkit read it; the hub modules' @moduleinfo
# (which PaddleHub parses from source, so a literal) and every config file are checked against it by a unit test.
__version__ = "1.0.0"

# What ``from ocr_engine import ...`` gives, imported on first use: importing ``ocr_engine.options`` or
# ``ocr_engine.formats`` (the client, setup.py) then costs no paddle import.
_EXPORTS = {
    "DEFAULTS": "options", "merge_params": "options", "read_view": "options",
    "OCRSystem": "pipeline", "PipelineOptions": "pipeline", "TextLine": "pipeline",
    "PredictorOptions": "runtime", "runtime_options": "runtime",
    "TextClassifier": "stages", "TextDetector": "stages", "TextRecognizer": "stages",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module("." + _EXPORTS[name], __name__), name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
