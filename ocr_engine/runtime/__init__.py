"""The runtime: the backends behind one written interface (``predictor``: ``Backend``, ``Predictor``;
``backends/``: Paddle Inference and OpenVINO, one file each), where model files are and how they are converted
(``models``, ``onnx_import``, ``onnx_rewrite``, ``folding``), and the registry that shares predictors across a
process (``inference``)."""

from .choice import runtime_options
from .inference import ModelRunError, StageModel, warm_up_all
from .models import (
                     ANGLE_CLASSIFIER,
                     GENERATIONS,
                     MODELS,
                     ModelNotFoundError,
                     generation,
                     resolve_model_dir,
)
from .predictor import InputShapes, PredictorOptions

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
    "resolve_model_dir",
    "runtime_options",
    "warm_up_all",
]
