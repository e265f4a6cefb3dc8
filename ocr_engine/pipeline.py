"""The whole pipeline: localise, crop, rectify, recognise, assemble."""

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence

import numpy as np

from .classification import TextClassifier
from .detection import TextDetector
from .geometry import crop_quad, reading_order
from .recognition import TextRecognizer


@dataclass
class TextLine:
    """One line read from an image: its text, the recogniser's confidence, and its quad in image pixels."""

    text: str
    confidence: float
    region: np.ndarray


class OCRSystem:
    """Read images: BGR uint8 images in, per image the lines read (confidence >= drop_score) in reading order."""

    def __init__(
        self,
        detector: TextDetector,
        recognizer: TextRecognizer,
        classifier: Optional[TextClassifier] = None,
        drop_score: float = 0.5,
    ):
        self.detector = detector
        self.recognizer = recognizer
        self.classifier = classifier
        self.drop_score = drop_score

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "OCRSystem":
        """Build every stage from one params dict (see ``defaults.DEFAULTS``); the classifier only if use_angle_cls."""
        classifier = TextClassifier(params) if params["use_angle_cls"] else None
        return cls(TextDetector(params), TextRecognizer(params), classifier, float(params["drop_score"]))

    def __call__(self, images: Sequence[np.ndarray]) -> List[List[TextLine]]:
        """Run every stage. The lines of all images are classified together, in shared batches; each image's lines
        are recognised in batches of their own, because the recogniser's text depends on a batch's padding and
        so on its other lines: an image reads the same whatever else is in the request."""
        regions = [reading_order(self.detector(image)) for image in images]
        crops = [crop_quad(image, quad) for image, quads in zip(images, regions) for quad in quads]
        if self.classifier is not None and crops:
            crops = self.classifier.rectify(crops)
        results, start = [], 0
        for quads in regions:
            readings = self.recognizer(crops[start : start + len(quads)]) if quads else []
            start += len(quads)
            results.append(
                [
                    TextLine(text=text, confidence=confidence, region=quad)
                    for quad, (text, confidence) in zip(quads, readings)
                    if confidence >= self.drop_score
                ]
            )
        return results
