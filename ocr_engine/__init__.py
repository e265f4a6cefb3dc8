"""The shared PaddleInference OCR engine behind the ocr_det, ocr_cls, ocr_rec and ocr_system hub modules.

Three layers, each a sub-package, imports flowing one way (serving -> pipeline -> stages -> runtime):

- ``stages``: localise (``TextDetector``), crop (``geometry``), rectify (``TextClassifier``), recognise
  (``TextRecognizer``); ``pipeline`` assembles them into ``OCRSystem``.
- ``runtime``: model files, program folding, and the process-wide registry of paddle.inference predictors.
- ``serving``: what the hub modules share - start-up, a client's request and its limits, image decoding, errors.
  Only this layer imports PaddleHub, and importing the engine changes no process-wide setting.

``options`` holds every option's default; each layer reads its own typed view of the merged options.

In-process use, without PaddleHub::

    from ocr_engine import OCRSystem, merge_params
    ocr = OCRSystem.from_params(merge_params({"cpu_threads": 2}))
    lines = ocr([bgr_image])[0]          # [TextLine(text, confidence, region), ...]
"""

from .options import DEFAULTS, merge_params
from .pipeline import OCRSystem, PipelineOptions, TextLine
from .runtime import PredictorOptions
from .stages import TextClassifier, TextDetector, TextRecognizer

__all__ = [
    "DEFAULTS",
    "OCRSystem",
    "PipelineOptions",
    "PredictorOptions",
    "TextClassifier",
    "TextDetector",
    "TextLine",
    "TextRecognizer",
    "merge_params",
]
__version__ = "1.0.0"
