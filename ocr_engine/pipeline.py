"""The whole pipeline: localise, crop, rectify, recognise, assemble."""

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence

import cv2
import numpy as np

from .runtime import PredictorOptions
from .stages import TextClassifier, TextDetector, TextRecognizer
from .stages.geometry import crop_quad, is_column, reading_order


@dataclass
class TextLine:
    """One line read from an image: its text, the recogniser's confidence, and its quad in image pixels."""

    text: str
    confidence: float
    region: np.ndarray


@dataclass(frozen=True)
class PipelineOptions:
    """How the stages are put together (``use_angle_cls``, ``drop_score``, the hard-image steps); defaults in
    ``options.DEFAULTS``."""

    use_angle_cls: bool
    drop_score: float
    vertical_image_ratio: Optional[float]  # None: vertical_image_rotation is off
    turned_page_order: bool

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "PipelineOptions":
        """Read the pipeline options of a merged params dict."""
        return cls(
            use_angle_cls=bool(params["use_angle_cls"]),
            drop_score=float(params["drop_score"]),
            vertical_image_ratio=float(params["vertical_image_ratio"]) if params["vertical_image_rotation"] else None,
            turned_page_order=bool(params["turned_page_order"]),
        )


class OCRSystem:
    """Read images: BGR uint8 images in, per image the lines read (confidence >= drop_score) in reading order."""

    def __init__(
        self,
        detector: TextDetector,
        recognizer: TextRecognizer,
        classifier: Optional[TextClassifier],
        options: PipelineOptions,
    ):
        self.detector = detector
        self.recognizer = recognizer
        self.classifier = classifier if options.use_angle_cls else None
        self.drop_score = options.drop_score
        self.vertical_ratio = options.vertical_image_ratio
        self.turned_page_order = options.turned_page_order

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: Optional[PredictorOptions] = None) -> "OCRSystem":
        """Build every stage from one merged params dict (``options.merge_params``), all run as ``runtime`` says
        (read from the same dict when not given); the classifier only with use_angle_cls."""
        runtime = runtime or PredictorOptions.from_params(params)
        options = PipelineOptions.from_params(params)
        classifier = TextClassifier.from_params(params, runtime) if options.use_angle_cls else None
        detector = TextDetector.from_params(params, runtime)
        return cls(detector, TextRecognizer.from_params(params, runtime), classifier, options)

    def __call__(self, images: Sequence[np.ndarray]) -> List[List[TextLine]]:
        """Read each image. An image much taller than wide that ``reads_vertically`` is read again turned a quarter
        clockwise (and, through the angle classifier, anticlockwise): a column of stacked Chinese characters reads
        best as it stands, an English line written along the column only turned. The turned reading replaces the
        first when it holds more confidently read text (``text_weight``). A tall page of horizontal lines, a
        receipt, is read once, as it stands."""
        results = self.read(images)
        tall = [
            i for i, (image, lines) in enumerate(zip(images, results))
            if self.vertical_ratio and image.shape[0] >= self.vertical_ratio * image.shape[1]
            and reads_vertically(lines)
        ]
        turned = self.read([cv2.rotate(images[i], cv2.ROTATE_90_CLOCKWISE) for i in tall]) if tall else []
        for i, reading in zip(tall, turned):
            if text_weight(reading) > text_weight(results[i]):
                height = images[i].shape[0]
                results[i] = [
                    TextLine(line.text, line.confidence, unrotate_quarter(line.region, height)) for line in reading
                ]
        return results

    def read(self, images: Sequence[np.ndarray]) -> List[List[TextLine]]:
        """Run every stage. The lines of all images are classified together, in shared batches; each image's lines
        are recognised in batches of their own, because the recogniser's text depends on a batch's padding and
        so on its other lines: an image reads the same whatever else is in the request."""
        regions = [reading_order(self.detector(image)) for image in images]
        crops = [crop_quad(image, quad) for image, quads in zip(images, regions) for quad in quads]
        turned = [False] * len(crops)
        if self.classifier is not None and crops:
            crops, turned = self.classifier.rectify(crops)
        results, start = [], 0
        for quads in regions:
            readings = self.recognizer(crops[start : start + len(quads)]) if quads else []
            lines = [
                TextLine(text=text, confidence=confidence, region=quad)
                for quad, (text, confidence) in zip(quads, readings)
                if confidence >= self.drop_score
            ]
            if self.turned_page_order and 2 * sum(turned[start : start + len(quads)]) > len(quads):
                # Most lines were upside down, so the page is: its reading order is the image's, backwards.
                lines.reverse()
            start += len(quads)
            results.append(lines)
        return results


def text_weight(lines: Sequence[TextLine]) -> float:
    """How much text a reading holds: the sum over lines of confidence x characters, discounted by 5% a line so
    that of two readings of the same characters the one that keeps lines whole, rather than in pieces, wins."""
    return sum(line.confidence * len("".join(line.text.split())) for line in lines) * 0.95 ** len(lines)


def unrotate_quarter(quad: np.ndarray, height: int) -> np.ndarray:
    """Map a quad found in an image turned a quarter clockwise back to the image of ``height`` rows it came from."""
    return np.stack([quad[:, 1], height - 1 - quad[:, 0]], axis=1).astype(np.float32)


def reads_vertically(lines: Sequence[TextLine]) -> bool:
    """Whether a reading looks like text written down the image: nothing read, a region standing upright, or
    mostly lines of one or two characters (letters of a turned line detected one by one)."""
    if not lines:
        return True
    if any(is_column(line.region) for line in lines):
        return True
    return 2 * sum(len(line.text.strip()) <= 2 for line in lines) >= len(lines)
