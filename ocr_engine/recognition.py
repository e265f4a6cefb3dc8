"""Stage 4, recognise: read the text of each line crop with a CTC recogniser."""

from typing import Any, List, Mapping, Sequence, Tuple

import numpy as np
from paddleocr.ppocr.postprocess.rec_postprocess import CTCLabelDecode

from .defaults import parse_shape
from .inference import StageModel, InputShapes
from .models import resolve_char_dict
from .preprocess import line_batch

# The widest line TensorRT is prepared for, as a multiple of the line height.
_TRT_MAX_WIDTH_RATIO = 48


class TextRecognizer:
    """Read text lines: BGR crops in, one (text, confidence) per crop out."""

    def __init__(self, params: Mapping[str, Any]):
        _, self.height, self.width = parse_shape(params["rec_image_shape"])
        self.batch_size = max(1, int(params["rec_batch_num"]))
        self.model = StageModel(
            "rec",
            params,
            InputShapes(
                min=(1, 3, self.height, 8),
                opt=(self.batch_size, 3, self.height, self.width),
                max=(self.batch_size, 3, self.height, self.height * _TRT_MAX_WIDTH_RATIO),
            ),
        )
        self.decode = CTCLabelDecode(
            character_dict_path=resolve_char_dict(params["rec_char_dict_path"]),
            use_space_char=bool(params["use_space_char"]),
        )

    def __call__(self, crops: Sequence[np.ndarray]) -> List[Tuple[str, float]]:
        """Recognise each crop; the answer lists crops in the order given."""
        ratios = [crop.shape[1] / float(crop.shape[0]) for crop in crops]
        # Lines of similar shape share a batch, so little of each batch is padding.
        order = np.argsort(ratios, kind="stable")
        results: List[Tuple[str, float]] = [("", 0.0)] * len(crops)
        for start in range(0, len(crops), self.batch_size):
            indices = order[start : start + self.batch_size]
            max_ratio = max([self.width / float(self.height)] + [ratios[i] for i in indices])
            batch = line_batch([crops[i] for i in indices], self.height, int(self.height * max_ratio))
            for i, (text, score) in zip(indices, self.decode(self.model.run(batch))):
                results[i] = (text, float(score))
        return results
