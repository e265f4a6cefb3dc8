"""The shared engine (OpenVINO or Paddle Inference, per model) behind the seven hub modules: ocr_det, ocr_cls,
ocr_rec and ocr_system, which read text, and structure_layout, structure_table and structure_system, which read
documents.

Layers, imports flowing one way (serving -> structure -> pipeline -> stages -> runtime; tests/unit/test_layers.py):

- ``runtime``: the backends, the rule that picks one per model (``choice``), model files, conversion, and the
  process-wide registry of predictors.
- ``stages``: one model's step each: localise, rectify, recognise text; a page's orientation, layout, tables.
- ``pipeline``: ``OCRSystem`` runs the text stages; ``structure``: ``StructureSystem`` reads a page as blocks.
- ``serving``: HTTP and PaddleHub - the hub modules' base, one service per module, ``/predict`` and PaddleOCR 3.x's
  API, the front, access, metrics. Only this layer imports PaddleHub, and importing the engine changes no
  process-wide setting.

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
