"""The pipeline's stages, one per file, each a callable class built from its typed options and the runtime's:

``detection`` (localise: ``TextDetector``), ``geometry`` (crop and reading order), ``classification``
(rectify: ``TextClassifier``), ``recognition`` (recognise: ``TextRecognizer``, batched by ``batching``), and
``preprocess`` (images into the models' input batches). A stage knows its model's inputs and outputs, never how a
predictor is configured.
"""

from .classification import ClassifierOptions, TextClassifier
from .detection import DetectorOptions, TextDetector
from .recognition import RecognizerOptions, TextRecognizer

__all__ = [
    "ClassifierOptions",
    "DetectorOptions",
    "RecognizerOptions",
    "TextClassifier",
    "TextDetector",
    "TextRecognizer",
]
