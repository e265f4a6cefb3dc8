"""Stage 4, recognise: read the text of each line crop with a CTC recogniser."""

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from paddleocr.ppocr.postprocess.rec_postprocess import CTCLabelDecode

from ..options import parse_shape
from ..runtime import InputShapes, ModelRunError, PredictorOptions, StageModel, resolve_char_dict
from ..runtime.models import ModelChoice
from ..runtime.timing import timed_stage
from .batching import plan_batches
from .preprocess import line_batch


@dataclass(frozen=True)
class RecognizerOptions:
    """The recognition options (``rec_*``, ``use_space_char``); defaults in ``options.DEFAULTS``."""

    model: ModelChoice
    char_dict_path: Optional[str]  # None: the export's inference.yml list, else the generation's
    image_shape: Tuple[int, int, int]  # channels, height, width
    batch_num: int
    max_width: int
    use_space_char: bool

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "RecognizerOptions":
        """Read the recognition options of a merged params dict."""
        return cls(
            model=ModelChoice.from_params(params, "rec"),
            char_dict_path=params["rec_char_dict_path"],
            image_shape=parse_shape(params["rec_image_shape"]),
            batch_num=max(1, int(params["rec_batch_num"])),
            max_width=int(params["rec_max_width"]),
            use_space_char=bool(params["use_space_char"]),
        )


class TextRecognizer:
    """Read text lines: BGR crops in, one (text, confidence) per crop out."""

    def __init__(self, options: RecognizerOptions, runtime: PredictorOptions):
        _, self.height, self.width = options.image_shape
        self.batch_size = options.batch_num
        self.max_width = max(self.width, options.max_width)
        self.max_columns = self.batch_size * self.max_width
        self.model = StageModel(
            options.model.path(),
            runtime,
            InputShapes(
                min=(1, 3, self.height, 32),
                opt=(self.batch_size, 3, self.height, self.width),
                max=(self.batch_size, 3, self.height, self.max_columns),
                # No batch holds more columns than this one, so memory stays where the warm-up left it.
                warm_up=(self.batch_size, 3, self.height, self.max_width),
            ),
        )
        self.decode = CTCLabelDecode(
            character_dict_path=resolve_char_dict(options.char_dict_path, options.model.name,
                                                  options.model.model_cache_dir, options.model.model_dir),
            use_space_char=options.use_space_char,
        )
        if runtime.preload:
            # A character list that does not match the model reads garbage or fails: say so at start-up.
            self.check_classes(self.model.warm_output_shape()[-1])

    @classmethod
    def from_params(cls, params: Mapping[str, Any], runtime: PredictorOptions) -> "TextRecognizer":
        """A recogniser with the recognition options of a merged params dict, run as ``runtime`` says."""
        return cls(RecognizerOptions.from_params(params), runtime)

    @timed_stage("recognise")
    def __call__(self, crops: Sequence[np.ndarray]) -> List[Tuple[str, float]]:
        """Recognise each crop; the answer lists crops in the order given."""
        ratios = [crop.shape[1] / float(crop.shape[0]) for crop in crops]
        results: List[Tuple[str, float]] = [("", 0.0)] * len(crops)
        for batch in plan_batches(ratios, self.height, self.batch_size, self.width, self.max_columns):
            inputs = line_batch([crops[i] for i in batch.lines], self.height, batch.width)
            probs = self.model.run(inputs)
            self.check_classes(probs.shape[-1])
            for i, (text, score) in zip(batch.lines, self.decode(probs)):
                results[i] = (text, float(score))
        return results

    def check_classes(self, classes: int) -> None:
        """Raise ModelRunError when the model's output classes are not the character list's (the CTC blank, the
        characters, and the space when use_space_char is on)."""
        if classes != len(self.decode.character):
            raise ModelRunError(
                "the recogniser %s outputs %d classes, but its character list gives %d (the CTC blank, the "
                "characters, the space with use_space_char): set rec_char_dict_path to this model's list"
                % (self.model.files.program, classes, len(self.decode.character))
            )
