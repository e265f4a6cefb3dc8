"""The pipelines' stages, one per file, each a callable class built from its typed options and the runtime's:

- reading text: ``detection`` (localise: ``TextDetector``), ``classification`` (rectify: ``TextClassifier``),
  ``recognition`` (recognise: ``TextRecognizer``, batched by ``batching``);
- reading documents: ``orientation`` (a page's turn: ``PageOrienter``), ``layout`` (its regions:
  ``LayoutDetector``), ``table`` (a table's structure: ``TableStructureRecognizer``);
- shared: ``geometry`` (quads and rectangles: crops, the lines' reading order) and ``preprocess`` (images into
  the models' input batches).

A stage knows its model's inputs and outputs, never how a predictor is configured.
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
