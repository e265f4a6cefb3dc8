"""Stage 4, recognise: read the text of each line crop with a CTC recogniser."""

from typing import Any, List, Mapping, Sequence, Tuple

import numpy as np
from paddleocr.ppocr.postprocess.rec_postprocess import CTCLabelDecode

from .batching import plan_batches
from .defaults import parse_shape
from .inference import StageModel, InputShapes
from .models import resolve_char_dict
from .preprocess import line_batch


class TextRecognizer:
    """Read text lines: BGR crops in, one (text, confidence) per crop out."""

    def __init__(self, params: Mapping[str, Any]):
        _, self.height, self.width = parse_shape(params["rec_image_shape"])
        self.batch_size = max(1, int(params["rec_batch_num"]))
        self.max_width = max(self.width, int(params["rec_max_width"]))
        self.max_columns = self.batch_size * self.max_width
        self.model = StageModel(
            "rec",
            params,
            InputShapes(
                min=(1, 3, self.height, 32),
                opt=(self.batch_size, 3, self.height, self.width),
                max=(self.batch_size, 3, self.height, self.max_columns),
                # No batch holds more columns than this one, so memory stays where the warm-up left it.
                warm_up=(self.batch_size, 3, self.height, self.max_width),
            ),
        )
        self.decode = CTCLabelDecode(
            character_dict_path=resolve_char_dict(params["rec_char_dict_path"]),
            use_space_char=bool(params["use_space_char"]),
        )

    def __call__(self, crops: Sequence[np.ndarray]) -> List[Tuple[str, float]]:
        """Recognise each crop; the answer lists crops in the order given."""
        ratios = [crop.shape[1] / float(crop.shape[0]) for crop in crops]
        results: List[Tuple[str, float]] = [("", 0.0)] * len(crops)
        for batch in plan_batches(ratios, self.height, self.batch_size, self.width, self.max_columns):
            inputs = line_batch([crops[i] for i in batch.lines], self.height, batch.width)
            for i, (text, score) in zip(batch.lines, self.decode(self.model.run(inputs))):
                results[i] = (text, float(score))
        return results
