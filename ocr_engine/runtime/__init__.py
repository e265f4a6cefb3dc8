"""The runtime: where model files are (``models``), how a program is simplified before loading (``folding``), and
the one place that builds paddle.inference predictors and shares them across a process (``inference``)."""

from .inference import InputShapes, ModelRunError, PredictorOptions, StageModel, warm_up_all
from .models import (
                     ANGLE_CLASSIFIER,
                     GENERATIONS,
                     MODELS,
                     ModelNotFoundError,
                     generation,
                     resolve_char_dict,
                     resolve_model_dir,
)

__all__ = [
    "ANGLE_CLASSIFIER",
    "GENERATIONS",
    "MODELS",
    "InputShapes",
    "ModelNotFoundError",
    "ModelRunError",
    "PredictorOptions",
    "StageModel",
    "generation",
    "resolve_char_dict",
    "resolve_model_dir",
    "warm_up_all",
]
