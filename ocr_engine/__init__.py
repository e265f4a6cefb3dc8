"""The shared PaddleInference OCR engine behind the ocr_det, ocr_cls, ocr_rec and ocr_system hub modules.

One stage per file: ``detection`` (localise), ``geometry`` (crop), ``classification`` (rectify),
``recognition`` (recognise, with ``batching``), ``pipeline`` (assemble). ``inference`` builds every predictor and
shares it across modules, after ``folding`` has simplified the program; ``defaults`` holds every tunable;
``images`` turns client bytes into images; ``hub_module`` is what the thin hub modules inherit.
"""

import logging

from .classification import TextClassifier
from .defaults import DEFAULTS
from .detection import TextDetector
from .pipeline import OCRSystem, TextLine
from .recognition import TextRecognizer

__all__ = ["DEFAULTS", "OCRSystem", "TextClassifier", "TextDetector", "TextLine", "TextRecognizer"]
__version__ = "1.0.0"

# The service's own lines (which models load, what failed) go to stderr, which `hub serving start` shows.
_log = logging.getLogger(__name__)
if not _log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("[%(asctime)s] [%(levelname)s] %(name)s: %(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)
    _log.propagate = False
