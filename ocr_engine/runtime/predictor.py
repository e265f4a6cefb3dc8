"""What every backend provides, written down: a ``Backend`` builds ``Predictor``s from model files, as
``PredictorOptions`` say, for the ``InputShapes`` a stage feeds, and ``backend`` finds one by name. Stages and the
registry (``inference``) see only these; each backend's own checks and formats live in its file under
``backends/``, which imports this module and nothing imports back: ``backend`` loads a backend's module by name,
on first use, so a process on Paddle never imports OpenVINO.
"""

import importlib
import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Protocol, Sequence, Tuple, TypeVar

import numpy as np

Shape = Tuple[int, ...]
Read = TypeVar("Read")


@dataclass(frozen=True)
class InputShapes:
    """The inputs a stage feeds: smallest, most common and largest in each dimension (TensorRT's dynamic shapes),
    and the one that needs the most memory, which every new predictor runs once (``max`` when not given)."""

    min: Shape
    opt: Shape
    max: Shape
    warm_up: Optional[Shape] = None


@dataclass(frozen=True)
class ModelFiles:
    """The files a backend loads: the program (``.json``, ``.pdmodel`` or ``.onnx``) and its weights (None for an
    ONNX file, which holds them)."""

    program: str
    params: Optional[str]


@dataclass(frozen=True)
class PredictorOptions:
    """How every predictor of a module runs; the defaults are in ``ocr_engine.options.DEFAULTS``. Read from the
    options by ``choice.runtime_options``, which settles what it can before any model is known.

    Frozen so that it can key the registry. ``preload`` says when predictors are built, not how they run, so two
    modules that differ only in it share their predictors.
    """

    backend: str  # auto (until a model is known: choice.for_model), paddle or openvino
    use_gpu: bool
    gpu_id: int
    gpu_mem: int
    use_tensorrt: bool
    precision: str  # auto (likewise), fp32, fp16, int8 or bf16
    enable_mkldnn: bool
    mkldnn_cache_capacity: int
    openvino_cache_capacity: int
    cpu_threads: int
    fold_affine_blocks: bool
    preload: bool = field(compare=False)


# Beside a program converted from ONNX (``onnx_import``): its outputs' ONNX names, one per line, in order. The
# converter renames them (fetch_name_0, ...), and a stage reads a model's outputs by name.
OUTPUT_NAMES_FILE = "outputs.txt"


def output_names(files: ModelFiles, reported: Sequence[str]) -> List[str]:
    """The names of the outputs of the model in ``files``: those recorded beside its program when it was converted,
    else ``reported``, the names its runtime gives."""
    recorded = os.path.join(os.path.dirname(files.program), OUTPUT_NAMES_FILE)
    if os.path.isfile(recorded):
        with open(recorded, encoding="utf-8") as handle:
            names = handle.read().split()
        if len(names) == len(reported):
            return names
    return list(reported)


class Predictor(Protocol):
    """One model, loaded and run once on its warm-up input. Runs are serialised by the predictor itself."""

    files: ModelFiles
    output_names: List[str]  # in the model's order (``output_names``)
    output_shapes: List[Shape]  # of the warm-up run's outputs

    def run(self, batch: np.ndarray, reader: Callable[[List[np.ndarray]], Read]) -> Read:
        """Run the model on a float32 N x C x H x W batch and return what ``reader`` makes of its outputs, given
        in the model's order and, where the runtime allows, in its own memory: valid only while ``reader`` runs,
        so it copies what it keeps."""


class Backend(Protocol):
    """An inference engine: which options it can honour, which model files it reads, how it builds a predictor."""

    name: str
    # The program files it reads in a model folder, first found first.
    program_files: Sequence[str]
    # Whether it reads a bundled ONNX model as it is (else the model is converted to a Paddle program first).
    reads_onnx: bool

    def checked(self, options: PredictorOptions) -> PredictorOptions:
        """``options`` as this backend runs them; ValueError (or DeviceError) in one sentence for what it cannot."""

    def unreadable(self, folder: str) -> Optional[str]:
        """Why a model folder holding none of ``program_files`` cannot be read, when the backend knows; else None."""

    def failure_hint(self, options: PredictorOptions) -> str:
        """What to try when a model loads but cannot run with ``options`` ("" when nothing)."""

    def build(self, files: ModelFiles, options: PredictorOptions, shapes: InputShapes) -> Predictor:
        """Load ``files`` and run them once."""


# The backends, by the ``backend`` option's name: their module under ``backends/`` and class.
_KNOWN = {"paddle": ("paddle", "PaddleBackend"), "openvino": ("openvino", "OpenVINOBackend")}
BACKEND_NAMES = tuple(_KNOWN)
_made: Dict[str, Backend] = {}


def backend(name: str) -> Backend:
    """The backend called ``name``; ValueError names the known ones."""
    if name not in _KNOWN:
        raise ValueError("backend must be %s, not %r" % (" or ".join(BACKEND_NAMES), name))
    if name not in _made:
        module, cls = _KNOWN[name]
        _made[name] = getattr(importlib.import_module("%s.backends.%s" % (__package__, module)), cls)()
    return _made[name]
