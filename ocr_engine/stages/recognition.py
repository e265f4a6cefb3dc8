"""Stage 4, recognise: read the text of each line crop with a CTC recogniser, and where in the crop each word lies
(``word_spans``)."""

import math
import os
import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from paddleocr.ppocr.postprocess.rec_postprocess import CTCLabelDecode

from ..options import read_view
from ..runtime import InputShapes, ModelNotFoundError, ModelRunError, PredictorOptions, StageModel
from ..runtime.export_config import character_file, read_export_config
from ..runtime.models import ModelChoice, bundled_labels, bundled_model
from ..runtime.onnx_import import writable_cache_dir
from ..runtime.onnx_rewrite import CTC_OUTPUTS
from ..runtime.tasks import TEXT_RECOGNITION
from ..runtime.timing import timed_stage
from .batching import plan_batches
from .preprocess import line_batch


@dataclass(frozen=True)
class RecognizerOptions:
    """The recognition options (``rec_*``, ``use_space_char``); defaults in ``options.DEFAULTS``."""

    OPTION_PREFIX: ClassVar[str] = "rec_"
    model: ModelChoice
    char_dict_path: Optional[str]  # None: the export's inference.yml list, else the generation's
    image_shape: Tuple[int, int, int]  # channels, height, width
    batch_num: int
    max_width: int
    use_space_char: bool


@dataclass(frozen=True)
class WordSpan:
    """A word of a line read and where it lies along the line's crop: ``start`` and ``end`` are fractions of the
    crop's width (0 = its left edge, 1 = its right)."""

    text: str
    start: float
    end: float


def character_list_file(path: Optional[str], name: str, cache_dir: Optional[str] = None,
                      model_dir: Optional[str] = None) -> str:
    """Return the recognition character list: ``path``; else the one in the ``inference.yml`` of ``model_dir``
    (a user's export); else the bundled recogniser ``name``'s (a bundled file, or the list its ONNX file
    carries)."""
    chosen = bundled_model(name, TEXT_RECOGNITION)
    exported = read_export_config(model_dir)
    if path:
        path = os.path.abspath(os.path.expanduser(path))
    elif exported is not None and exported.characters:
        path = character_file(exported.characters, writable_cache_dir(cache_dir))
    else:
        path = bundled_labels(chosen.name, cache_dir)
    if not os.path.isfile(path):
        raise ModelNotFoundError("rec_char_dict_path %s is not a file" % path)
    return path


class TextRecognizer:
    """Read text lines: BGR crops in, one (text, confidence) per crop out."""

    def __init__(self, options: RecognizerOptions, runtime: PredictorOptions):
        _, self.height, self.width = options.image_shape
        self.batch_size = options.batch_num
        self.max_width = max(self.width, options.max_width)
        self.max_columns = self.batch_size * self.max_width
        self.decode = CTCLabelDecode(
            character_dict_path=character_list_file(options.char_dict_path, options.model.name,
                                                  options.model.model_cache_dir, options.model.model_dir),
            use_space_char=options.use_space_char,
        )
        # Named in errors, which the warm-up inside StageModel can raise before self.model is set.
        self.model_label = options.model.model_dir or options.model.name
        self.model = StageModel(
            options.model,
            runtime,
            InputShapes(
                min=(1, 3, self.height, 32),
                opt=(self.batch_size, 3, self.height, self.width),
                max=(self.batch_size, 3, self.height, self.max_columns),
                # No batch holds more columns than this one, so memory stays where the warm-up left it.
                warm_up=(self.batch_size, 3, self.height, self.max_width),
            ),
            # A character list that does not match the model reads garbage or fails: said when the model loads.
            check_output=lambda shapes: self.check_classes(output_classes(shapes)),
        )

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: PredictorOptions) -> "TextRecognizer":
        """A recogniser with the recognition options of a merged params dict, run as ``runtime`` says."""
        model = ModelChoice.from_params(params, TEXT_RECOGNITION)
        return cls(read_view(RecognizerOptions, params, model=model), runtime)

    def __call__(self, crops: Sequence[np.ndarray]) -> List[Tuple[str, float]]:
        """Recognise each crop; the answer lists crops in the order given."""
        return [(text, score) for text, score, _ in self.read(crops, False)]

    def with_words(self, crops: Sequence[np.ndarray]) -> List[Tuple[str, float, List[WordSpan]]]:
        """Recognise each crop as ``__call__`` does (the same texts), and give each its words with where they lie
        (``word_spans``)."""
        return self.read(crops, True)

    @timed_stage(TEXT_RECOGNITION.stage)
    def read(self, crops: Sequence[np.ndarray], words: bool) -> List[Tuple[str, float, List[WordSpan]]]:
        """(text, confidence, words) per crop, in the order given; ``words`` empty unless asked for."""
        ratios = [crop.shape[1] / float(crop.shape[0]) for crop in crops]
        results: List[Tuple[str, float, List[WordSpan]]] = [("", 0.0, [])] * len(crops)
        for batch in plan_batches(ratios, self.height, self.batch_size, self.width, self.max_columns):
            inputs = line_batch([crops[i] for i in batch.lines], self.height, batch.width)
            best, prob = self.model.read(inputs, self.read_columns)
            decoded = self.decode.decode(best, prob, is_remove_duplicate=True)
            for row, (i, (text, score)) in enumerate(zip(batch.lines, decoded)):
                spans = []
                if words:
                    # The part of the input this crop fills (line_batch's width for it); the rest is padding.
                    filled = min(batch.width, math.ceil(self.height * ratios[i])) / batch.width
                    spans = word_spans(best[row], text, filled)
                results[i] = (text, float(score), spans)
        return results

    def read_columns(self, outputs: Mapping[str, np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        """The reader of a batch's outputs (``StageModel.read``): the classes checked against the character list,
        then each column's best class and its probability (``best_columns``)."""
        self.check_classes(output_classes({name: output.shape for name, output in outputs.items()}))
        return best_columns(outputs)

    def check_classes(self, classes: int) -> None:
        """Raise ModelRunError when the model's output classes are not the character list's (the CTC blank, the
        characters, and the space when use_space_char is on)."""
        if classes != len(self.decode.character):
            raise ModelRunError(
                "the recogniser %s outputs %d classes, but its character list gives %d (the CTC blank, the "
                "characters, the space with use_space_char): set rec_char_dict_path to this model's list"
                % (self.model_label, classes, len(self.decode.character))
            )


# The outputs of a graph that takes each column's best class itself (``onnx_rewrite``): best class and probability
# (N x T each), and a zero per class. Any other recogniser's first output is its probabilities (N x T x classes).
BEST_CLASS, BEST_PROB, CLASSES = CTC_OUTPUTS


def output_classes(shapes: Mapping[str, Tuple[int, ...]]) -> int:
    """How many classes a recogniser has, from its outputs' shapes by name: its class output's length, or the last
    dimension of its probabilities."""
    return shapes[CLASSES][0] if CLASSES in shapes else next(iter(shapes.values()))[-1]


def best_columns(outputs: Mapping[str, np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """Each column's best class and its probability (N x T each, arrays of their own), from a recogniser's outputs
    by name: given by the graph itself, or taken from its probabilities."""
    if BEST_CLASS in outputs:
        return np.array(outputs[BEST_CLASS]), np.array(outputs[BEST_PROB])
    probabilities = next(iter(outputs.values()))
    best = probabilities.argmax(axis=2)
    # The best class's probability looked up rather than found again: one pass over the classes, not two.
    return best, np.take_along_axis(probabilities, best[..., np.newaxis], axis=2)[..., 0]


def word_spans(columns: np.ndarray, text: str, filled: float) -> List[WordSpan]:
    """The words of ``text``, decoded from the CTC column labels ``columns`` (one per output column, 0 the blank)
    of a crop that fills ``filled`` of the input's width, each with its span along the crop.

    A word is a run of letters, digits and marks (accents included, which PaddleX's grouping drops), joined across
    "-" and across "." between digits; each CJK character is a word of its own, as PaddleX gives them. A word spans
    from its first character's column to the end of its last; a CJK character, which CTC marks in one column,
    spans the line's average character pitch around its column.
    """
    kept = [i for i in range(len(columns)) if columns[i] != 0 and (i == 0 or columns[i] != columns[i - 1])]
    if len(kept) != len(text) or not len(columns):
        return []  # a character list that maps one label to several characters: no positions to give
    cell = 1.0 / (len(columns) * filled)  # one column, as a fraction of the crop's width
    pitch = _cjk_pitch([kept[i] for i, ch in enumerate(text) if _is_cjk(ch)]) * cell or 1.0 / max(1, len(text))
    spans: List[WordSpan] = []
    word: List[int] = []  # indices into text
    for i, ch in enumerate(text + " "):
        joins = word and _kind(text[word[-1]]) == "word" and (
            ch == "-" or (ch == "." and i + 1 < len(text) and text[i + 1].isdigit() and text[word[-1]].isdigit()))
        if i < len(text) and (_kind(ch) == "word" or joins):
            word.append(i)
            continue
        if word:
            spans.append(WordSpan(text[word[0]: word[-1] + 1], kept[word[0]] * cell,
                                  min(1.0, (kept[word[-1]] + 1) * cell)))
            word = []
        if i < len(text) and _is_cjk(ch):
            centre = (kept[i] + 0.5) * cell
            spans.append(WordSpan(ch, max(0.0, centre - pitch / 2), min(1.0, centre + pitch / 2)))
    return spans


def _kind(ch: str) -> str:
    if _is_cjk(ch):
        return "cjk"
    return "word" if ch.isalnum() or unicodedata.category(ch).startswith("M") else "splitter"


def _is_cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"


def _cjk_pitch(columns: List[int]) -> float:
    """The mean column distance between neighbouring CJK characters of a line (0 with fewer than two)."""
    gaps = [b - a for a, b in zip(columns, columns[1:])]
    return sum(gaps) / len(gaps) if gaps else 0.0
