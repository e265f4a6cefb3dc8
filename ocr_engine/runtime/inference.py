"""The process-wide registry that shares predictors, and the stage's handle on its model (``StageModel``).

Every stage of every hub module asks ``load_predictor`` for its model; a (model, options) pair is built once per
process, so ``hub serving start -m ocr_det ocr_rec ocr_system`` holds one detector and one recogniser in memory.
The backend the options name builds it (``backends``); stages see only the ``Predictor`` interface.
"""

import logging
import os
import threading
from typing import Callable, Dict, List, Optional, Set, Tuple

import numpy as np

from .choice import AUTO, for_model
from .deadline import check_deadline
from .int8 import find_int8, int8_missing
from .models import ModelChoice, ModelNotFoundError, find_model_files
from .predictor import InputShapes, ModelFiles, Predictor, PredictorOptions, Read, backend
from .timing import timed

log = logging.getLogger(__name__)


_registry: Dict[tuple, Predictor] = {}
_registry_pid = os.getpid()
_registry_lock = threading.Lock()


def load_predictor(files: ModelFiles, options: PredictorOptions, shapes: InputShapes) -> Predictor:
    """Return the process's predictor for (``files``, ``options``), building it on first use with the backend
    ``options`` name."""
    global _registry_pid
    # Input shapes change the predictor only when TensorRT builds engines for them.
    key = (files, options, shapes if options.use_tensorrt else None)
    with _registry_lock:
        if _registry_pid != os.getpid():
            # A forked worker (gunicorn) must not use predictors whose threads and device state belong to its parent.
            _registry.clear()
            _registry_pid = os.getpid()
        predictor = _registry.get(key)
        if predictor is None:
            log.info("loading model %s (%s)", files.program, options)
            with timed("load"):
                predictor = _registry[key] = backend(options.backend).build(files, options, shapes)
        return predictor


class ModelRunError(RuntimeError):
    """A model loaded but cannot run as configured; the message names the model and what to change."""


class StageModel:
    """A stage's model: its files, how it runs, and the shared predictor it runs on.

    The runtime and precision that ``auto`` leaves open are settled here, per model (``choice.for_model``), and
    logged once per process. The predictor is looked up in the registry on every run rather than kept, so that a
    forked worker builds its own instead of using its parent's.
    """

    def __init__(self, model: ModelChoice, options: PredictorOptions, shapes: InputShapes,
                 check_output: Optional[Callable[[Dict[str, Tuple[int, ...]]], None]] = None):
        """``model`` is a bundled model or a user's folder (``models.ModelChoice``), run as ``options`` say once
        ``auto`` is settled for it; with ``options.preload`` the predictor is built and run now. ``check_output``,
        given the warm-up run's outputs' shapes by name, raises when the stage cannot use the model (a recogniser's
        character list that does not match): so such a model fails when it loads, at start-up with preload or
        before a worker's first request."""
        self.model = model
        self.requested = options
        self.shapes = shapes
        self.check_output = check_output
        # Looked up (the model's files hashed) only where the choice can run a bundled model in INT8.
        int8_ready = (not model.model_dir and options.precision == AUTO and options.backend in (AUTO, "openvino")
                      and find_int8(model.name, model.model_cache_dir) is not None)
        self._settle(for_model(options, model.model_dir, model=model.name, int8_ready=int8_ready))
        _stage_models.append(self)
        if options.preload:
            self.warm_up()

    def _settle(self, chosen: Tuple[PredictorOptions, str]) -> None:
        self.options, why = chosen
        self.files = _model_files(self.model, self.options)
        key = (self.files, self.options)
        if key not in _announced:
            _announced.add(key)
            log.info("model %s runs on %s %s (%s)", self.model.model_dir or self.model.name, self.options.backend,
                     self.options.precision, why)

    def warm_up(self) -> None:
        """Load the predictor (which runs it once on its largest input), so that a model that cannot run fails at
        start-up rather than on a client's request. A model ``backend: auto`` put on OpenVINO that OpenVINO cannot
        load runs on Paddle Inference instead."""
        try:
            predictor = load_predictor(self.files, self.options, self.shapes)
        except Exception as err:
            if self.requested.backend == AUTO and self.options.backend != "paddle":
                self._settle(for_model(self.requested, self.model.model_dir, model=self.model.name,
                                       instead_of="%s cannot load it: %s" % (self.options.backend, first_line(err))))
                return self.warm_up()
            hint = backend(self.options.backend).failure_hint(self.options)
            raise ModelRunError("model %s cannot run%s: %s" % (self.files.program, hint, first_line(err))) from err
        if self.check_output is not None:
            self.check_output(dict(zip(predictor.output_names, predictor.output_shapes)))

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Run the model on a float32 NCHW batch and return its first output (``outputs``, for models that have
        more than one)."""
        return next(iter(self.outputs(batch).values()))

    def outputs(self, batch: np.ndarray) -> Dict[str, np.ndarray]:
        """Run the model on a float32 NCHW batch and return its outputs by name (``predictor.output_names``), in
        its order (``read``, keeping them all)."""
        return self.read(batch, copied)

    def read(self, batch: np.ndarray, reader: Callable[[Dict[str, np.ndarray]], Read]) -> Read:
        """Run the model on a float32 NCHW batch and return what ``reader`` makes of its outputs by name
        (``predictor.output_names``): given in the runtime's memory, valid only while ``reader`` runs, so that a
        reader keeping little of large outputs (the recogniser's best class per column) copies no more. Raises
        DeadlinePassed, before running, when the request being served has run out of time (``deadline``)."""
        check_deadline()
        predictor = load_predictor(self.files, self.options, self.shapes)
        return predictor.run(batch, lambda outputs: reader(dict(zip(predictor.output_names, outputs))))


def copied(outputs: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """A run's outputs by name, copied out of the runtime's memory: the reader (``StageModel.read``) that keeps them
    all."""
    return {name: np.array(value) for name, value in outputs.items()}


def _model_files(model: ModelChoice, options: PredictorOptions) -> ModelFiles:
    """What the backend loads for ``model`` run as ``options`` say: in INT8, the bundled model's prepared INT8 file
    (``int8``); else its files as they come."""
    if options.precision == "int8" and not options.use_tensorrt:
        if model.model_dir:
            raise ValueError("precision int8 on the CPU runs the bundled models' INT8 versions, and %s is a model "
                             "folder of your own: set precision to auto, fp32 or bf16" % model.model_dir)
        found = find_int8(model.name, model.model_cache_dir)
        if found is None:
            raise ModelNotFoundError(int8_missing(model.name, model.model_cache_dir))
        return ModelFiles(program=found, params=None)
    return find_model_files(model.path(options.backend), options.backend)


def first_line(err: Exception) -> str:
    """The first line of an error's message, for a one-line log or error (its type's name when it has none)."""
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


# The (files, options) pairs whose runtime this process has logged.
_announced: Set[Tuple[ModelFiles, PredictorOptions]] = set()
# Every StageModel built in this process, or in the parent it was forked from: what ``warm_up_all`` loads.
_stage_models: List[StageModel] = []


def warm_up_all() -> int:
    """Load (and so run once) the predictor of every StageModel built so far: a forked worker (gunicorn, preload
    false) calls this before it takes its first request. Returns how many models that makes; a model already loaded
    in this process costs nothing."""
    for model in _stage_models:
        model.warm_up()
    return len({(model.files, model.options) for model in _stage_models})
