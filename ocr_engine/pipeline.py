"""The whole pipeline: localise, crop, rectify, recognise, assemble."""

from dataclasses import dataclass, replace
from typing import Any, List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np

from .options import read_view, when
from .runtime import PredictorOptions, runtime_options
from .stages import TextClassifier, TextDetector, TextRecognizer
from .stages.detection import DetectionSettings
from .stages.geometry import crop_quad, is_column, line_order, span_quad
from .stages.orientation import PageOrienter
from .stages.recognition import WordSpan


@dataclass
class Word:
    """One word of a line, and its quad in image pixels (``ReadSettings.word_boxes``)."""

    text: str
    region: np.ndarray


@dataclass
class TextLine:
    """One line read from an image: its text, the recogniser's confidence, and its quad in image pixels; its
    words only when asked for (``ReadSettings.word_boxes``)."""

    text: str
    confidence: float
    region: np.ndarray
    words: Optional[List[Word]] = None


@dataclass
class Reading:
    """All that was found in one image: every region detected, in reading order, whether the angle classifier
    turned it (all False when it did not run), and the lines kept (confidence >= drop_score) in answer order."""

    regions: List[np.ndarray]
    turned: List[bool]
    lines: List[TextLine]
    classified: bool = False
    # How far the page was turned (0, 90, 180, 270 degrees clockwise) and turned back before it was read, when
    # ReadSettings.upright asked; the regions are then in pixels of the upright page.
    page_angle: Optional[int] = None

    def line_count(self) -> int:
        """How many lines were kept."""
        return len(self.lines)


@dataclass(frozen=True)
class ReadSettings:
    """What one call may change (None: as the system was built): the detector's settings, the score below which
    lines are dropped, whether the angle classifier runs (only where it was built), and word boxes."""

    detection: Optional[DetectionSettings] = None
    drop_score: Optional[float] = None
    use_classifier: Optional[bool] = None
    word_boxes: bool = False
    upright: Optional[bool] = None  # turn each page upright first (page orientation)


@dataclass(frozen=True)
class PipelineOptions:
    """How the stages are put together (``use_angle_cls``, ``drop_score``, the hard-image steps); defaults in
    ``options.DEFAULTS``."""

    use_angle_cls: bool
    drop_score: float
    turned_page_order: bool
    use_doc_orientation_classify: bool
    vertical_image_ratio: Optional[float] = when("vertical_image_rotation")  # None: off


# The options one call may change (``OCRSystem.read_settings``).
_CALL_OPTIONS = ("det_limit_side_len", "det_limit_type", "det_db_thresh", "det_db_box_thresh", "det_db_unclip_ratio",
                 "drop_score", "use_angle_cls", "use_doc_orientation_classify")


class OCRSystem:
    """Read images: BGR uint8 images in, per image the lines read (confidence >= drop_score) in reading order."""

    def __init__(
        self,
        detector: TextDetector,
        recognizer: TextRecognizer,
        classifier: Optional[TextClassifier],
        options: PipelineOptions,
        orienter: Optional[PageOrienter] = None,
    ):
        self.detector = detector
        self.orienter = orienter
        self.upright = options.use_doc_orientation_classify
        self.recognizer = recognizer
        self.classifier = classifier if options.use_angle_cls else None
        self.drop_score = options.drop_score
        self.vertical_ratio = options.vertical_image_ratio
        self.turned_page_order = options.turned_page_order

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: Optional[PredictorOptions] = None) -> "OCRSystem":
        """Build every stage from one merged params dict (``options.merge_params``), all run as ``runtime`` says
        (read from the same dict when not given); the classifier only with use_angle_cls."""
        runtime = runtime or runtime_options(params)
        options = read_view(PipelineOptions, params)
        classifier = TextClassifier.from_params(params, runtime) if options.use_angle_cls else None
        detector = TextDetector.from_params(params, runtime)
        # Always built (one small model): a request may turn page orientation on (``ReadSettings.upright``).
        orienter = PageOrienter.from_params(params, runtime)
        return cls(detector, TextRecognizer.from_params(params, runtime), classifier, options, orienter)

    def read_settings(self, changes: Mapping[str, Any], word_boxes: bool = False,
                      max_side_limit: Optional[int] = None) -> ReadSettings:
        """Whole settings for one call: this system's own, with ``changes`` by option name (``det_limit_side_len``,
        ``det_limit_type``, ``det_db_thresh``, ``det_db_box_thresh``, ``det_db_unclip_ratio``, ``drop_score``,
        ``use_angle_cls``, ``use_doc_orientation_classify``; values as ``options`` reads them), word boxes, and a
        cap on either side of the detector's input. ValueError, in a sentence, for a change this system cannot make
        or a name it does not know."""
        unknown = sorted(set(changes) - set(_CALL_OPTIONS))
        if unknown:
            raise ValueError("a call cannot change %s" % ", ".join(unknown))
        if changes.get("use_angle_cls") and self.classifier is None:
            raise ValueError("the angle classifier is off on this server (use_angle_cls false in config.json's "
                             "init_args), so it cannot be turned on for one request")
        own = self.detector.settings
        detection = DetectionSettings(
            limit_side_len=changes.get("det_limit_side_len", own.limit_side_len),
            limit_type=changes.get("det_limit_type", own.limit_type),
            thresh=changes.get("det_db_thresh", own.thresh),
            box_thresh=changes.get("det_db_box_thresh", own.box_thresh),
            unclip_ratio=changes.get("det_db_unclip_ratio", own.unclip_ratio),
            max_side_limit=max_side_limit,
        )
        if changes.get("use_doc_orientation_classify") and self.orienter is None:
            raise ValueError("this pipeline was built without a page orientation model")
        return ReadSettings(detection, changes.get("drop_score", self.drop_score), changes.get("use_angle_cls"),
                            word_boxes, changes.get("use_doc_orientation_classify", self.upright))

    def __call__(self, images: Sequence[np.ndarray]) -> List[List[TextLine]]:
        """Read each image: per image, its lines (``readings`` gives all the rest)."""
        return [reading.lines for reading in self.readings(images)]

    def readings(self, images: Sequence[np.ndarray], settings: ReadSettings = ReadSettings()) -> List[Reading]:
        """Read each image with ``settings`` for this call alone: per image, a ``Reading``.

        An image much taller than wide that ``reads_vertically`` is read again turned a quarter clockwise (and,
        through the angle classifier, anticlockwise): a column of stacked Chinese characters reads best as it
        stands, an English line written along the column only turned. The turned reading replaces the first when it
        holds more confidently read text (``text_weight``). A tall page of horizontal lines, a receipt, is read
        once, as it stands. With ``settings.upright`` (else page orientation as built), each page is first turned
        upright (``stages.orientation``) and read as such."""
        images, angles = self.turn_upright(images, settings.upright)
        results = self.read(images, settings)
        tall = [
            i for i, (image, reading) in enumerate(zip(images, results))
            if self.vertical_ratio and image.shape[0] >= self.vertical_ratio * image.shape[1]
            and reads_vertically(reading.lines)
        ]
        turned = self.read([cv2.rotate(images[i], cv2.ROTATE_90_CLOCKWISE) for i in tall], settings) if tall else []
        for i, reading in zip(tall, turned):
            if text_weight(reading.lines) > text_weight(results[i].lines):
                results[i] = unrotate_reading(reading, images[i].shape[0])
        return [replace(reading, page_angle=angle) for reading, angle in zip(results, angles)]

    def turn_upright(self, images: Sequence[np.ndarray], upright: Optional[bool] = None
                     ) -> Tuple[List[np.ndarray], List[Optional[int]]]:
        """The images turned upright when page orientation is on (``upright``, else as built), and how far each was
        found turned, clockwise (None for each when orientation is off)."""
        if not (self.upright if upright is None else upright) or self.orienter is None:
            return list(images), [None] * len(images)
        turned, found = self.orienter.upright(images)
        return turned, [page.angle for page in found]

    def read(self, images: Sequence[np.ndarray], settings: ReadSettings = ReadSettings()) -> List[Reading]:
        """Run every stage. The lines of all images are classified together, in shared batches; each image's lines
        are recognised in batches of their own, because the recogniser's text depends on a batch's padding and
        so on its other lines: an image reads the same whatever else is in the request."""
        classifier = self.classifier if settings.use_classifier is not False else None
        drop_score = self.drop_score if settings.drop_score is None else settings.drop_score
        regions = [line_order(self.detector(image, settings.detection)) for image in images]
        crops = [crop_quad(image, quad) for image, quads in zip(images, regions) for quad in quads]
        turned = [False] * len(crops)
        if classifier is not None and crops:
            crops, turned = classifier.rectify(crops)
        results, start = [], 0
        for quads in regions:
            these = crops[start : start + len(quads)]
            flipped = turned[start : start + len(quads)]
            readings: List[Tuple[str, float, Optional[List[WordSpan]]]] = []
            if quads and settings.word_boxes:
                readings = list(self.recognizer.with_words(these))
            elif quads:
                readings = [(text, score, None) for text, score in self.recognizer(these)]
            lines = [
                TextLine(text=text, confidence=confidence, region=quad,
                         words=None if spans is None else [
                             Word(span.text, span_quad(quad, span.start, span.end, flip)) for span in spans])
                for quad, flip, (text, confidence, spans) in zip(quads, flipped, readings)
                if confidence >= drop_score
            ]
            if self.turned_page_order and 2 * sum(flipped) > len(quads):
                # Most lines were upside down, so the page is: its reading order is the image's, backwards.
                lines.reverse()
            start += len(quads)
            results.append(Reading(list(quads), list(flipped), lines, classifier is not None))
        return results


def text_weight(lines: Sequence[TextLine]) -> float:
    """How much text a reading holds: the sum over lines of confidence x characters, discounted by 5% a line so
    that of two readings of the same characters the one that keeps lines whole, rather than in pieces, wins."""
    return sum(line.confidence * len("".join(line.text.split())) for line in lines) * 0.95 ** len(lines)


def unrotate_reading(reading: Reading, height: int) -> Reading:
    """A reading of an image turned a quarter clockwise, in the pixels of the image of ``height`` rows it came
    from."""
    lines = [replace(line, region=unrotate_quarter(line.region, height),
                     words=None if line.words is None else [
                         Word(word.text, unrotate_quarter(word.region, height)) for word in line.words])
             for line in reading.lines]
    return replace(reading, regions=[unrotate_quarter(quad, height) for quad in reading.regions], lines=lines)


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
