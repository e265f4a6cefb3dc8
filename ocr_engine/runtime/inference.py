"""The one place that builds predictors (Paddle Inference here, OpenVINO in ``openvino_runtime``), and the
process-wide registry that shares them.

Every stage of every hub module asks ``load_predictor`` for its model; a (model, options) pair is built once per
process, so ``hub serving start -m ocr_det ocr_rec ocr_system`` holds one detector and one recogniser in memory.
Both backends' predictors have the same interface (``run``, ``output_shape``): stages do not know which runs them.
"""

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from .deadline import check_deadline
from .folding import folded_model
from .models import ModelFiles, check_backend, find_model_files
from .timing import timed

log = logging.getLogger(__name__)

Shape = Tuple[int, ...]


class DeviceError(RuntimeError):
    """The configured device cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class PredictorOptions:
    """How every predictor of a module runs; the defaults are in ``ocr_engine.options.DEFAULTS``.

    Frozen so that it can key the registry. ``preload`` says when predictors are built, not how they run, so two
    modules that differ only in it share their predictors.
    """

    backend: str
    use_gpu: bool
    gpu_id: int
    gpu_mem: int
    use_tensorrt: bool
    precision: str
    enable_mkldnn: bool
    mkldnn_cache_capacity: int
    openvino_cache_capacity: int
    cpu_threads: int
    fold_affine_blocks: bool
    preload: bool = field(compare=False)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "PredictorOptions":
        """Read the runtime options of a merged params dict; resolves and checks the GPU when one is asked for,
        so build this once per module and hand it to every stage."""
        backend = check_backend(str(params["backend"]))
        precision = str(params["precision"]).lower()
        use_gpu, gpu_id, use_tensorrt = bool(params["use_gpu"]), params["gpu_id"], bool(params["use_tensorrt"])
        if backend == "openvino":
            from .openvino_runtime import check_openvino_options

            check_openvino_options(use_gpu, use_tensorrt, precision)
        elif precision not in ("fp32", "fp16", "int8"):
            raise ValueError("precision must be fp32, fp16 or int8 with backend paddle, not %r" % params["precision"])
        return cls(
            backend=backend,
            use_gpu=use_gpu,
            # Without preload (gunicorn workers) the master must not touch CUDA, or the forked workers cannot use
            # it: the devices are counted in the worker, when its first predictor is built.
            gpu_id=resolve_gpu_id(gpu_id, count_devices=bool(params["preload"])) if use_gpu else 0,
            gpu_mem=int(params["gpu_mem"]),
            use_tensorrt=use_gpu and use_tensorrt,
            precision=precision,
            enable_mkldnn=not use_gpu and bool(params["enable_mkldnn"]),
            mkldnn_cache_capacity=int(params["mkldnn_cache_capacity"]),
            openvino_cache_capacity=max(0, int(params["openvino_cache_capacity"])),
            cpu_threads=max(1, int(params["cpu_threads"])),
            fold_affine_blocks=bool(params["fold_affine_blocks"]),
            preload=bool(params["preload"]),
        )


def resolve_gpu_id(gpu_id: Optional[int], count_devices: bool = True) -> int:
    """Return the GPU index to run on, or raise DeviceError in one sentence saying what to change.

    Upstream reads ``os.environ["CUDA_VISIBLE_DEVICES"]`` and dies with a bare KeyError; here a missing CUDA build,
    a missing device name and an empty device list each get their own message. ``count_devices`` false leaves the
    device checks (``check_gpu_visible``), which start CUDA, for later.
    """
    import paddle

    if not paddle.device.is_compiled_with_cuda():
        raise DeviceError(
            "use_gpu is true but the installed paddlepaddle has no CUDA support: "
            "install paddlepaddle-gpu (pip install -c constraints.txt '.[gpu]') or set use_gpu to false"
        )
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if gpu_id is None and visible is None:
        raise DeviceError(
            "use_gpu is true but no GPU is named: start the server with CUDA_VISIBLE_DEVICES=0 "
            "(or the GPU to use), or set gpu_id in config.json"
        )
    index = 0 if gpu_id is None else int(gpu_id)
    if count_devices:
        check_gpu_visible(index)
    return index


def check_gpu_visible(index: int) -> None:
    """Raise DeviceError, in one sentence, unless GPU ``index`` is among the visible CUDA devices."""
    import paddle

    count = paddle.device.cuda.device_count()
    if count == 0:
        raise DeviceError(
            "use_gpu is true but no CUDA device is visible (CUDA_VISIBLE_DEVICES=%r): check nvidia-smi and the "
            "variable, or set use_gpu to false" % os.environ.get("CUDA_VISIBLE_DEVICES")
        )
    if not 0 <= index < count:
        raise DeviceError("gpu_id %d does not exist: %d GPU(s) are visible" % (index, count))


@dataclass(frozen=True)
class InputShapes:
    """The inputs a stage feeds: smallest, most common and largest in each dimension (TensorRT's dynamic shapes),
    and the one that needs the most memory, which every new predictor runs once (``max`` when not given)."""

    min: Shape
    opt: Shape
    max: Shape
    warm_up: Optional[Shape] = None


def build_config(files: ModelFiles, options: PredictorOptions, shapes: InputShapes):
    """Return a ``paddle.inference.Config`` for ``files`` run as ``options`` say (CPU, oneDNN, GPU or TensorRT)."""
    from paddle import inference

    folded = folded_model(files) if options.fold_affine_blocks else None
    if folded:
        config = inference.Config()
        config.set_model_buffer(folded[0], len(folded[0]), folded[1], len(folded[1]))
    else:
        config = inference.Config(files.program, files.params)
    if options.use_gpu:
        if not options.preload:  # the devices were not counted when the options were read (resolve_gpu_id)
            check_gpu_visible(options.gpu_id)
        config.enable_use_gpu(options.gpu_mem, options.gpu_id)
        if options.use_tensorrt and files.program.endswith(".json"):
            # Paddle's TensorRT subgraphs are built on legacy (.pdmodel) programs only; a PIR program (the converted
            # PP-OCRv6 models, paddle 3 exports) would need paddle.tensorrt.convert ahead of time.
            log.warning("TensorRT is not applied to %s, a PIR program: it runs on the GPU's own kernels", files.program)
        elif options.use_tensorrt:
            _enable_tensorrt(config, options, shapes)
    else:
        config.disable_gpu()
        config.set_cpu_math_library_num_threads(options.cpu_threads)
        if options.enable_mkldnn:
            config.enable_mkldnn()
            # Each new input shape compiles new oneDNN kernels; a bounded cache keeps memory flat under varied input.
            config.set_mkldnn_cache_capacity(options.mkldnn_cache_capacity)
            # oneDNN compiles a fully connected kernel for every row count, and the recogniser's rows are its batch's
            # columns, new in almost every batch; paddle's own fc kernel calls MKL's sgemm, which compiles nothing.
            # Recognition of new shapes runs about 10% faster; outputs move by under 1e-5.
            for fc_pass in ("fc_onednn_pass", "fc_act_onednn_fuse_pass"):
                config.delete_pass(fc_pass)
        else:
            config.disable_mkldnn()
    if not files.program.endswith(".json"):
        # paddle 3.3 fails to create a predictor for a PIR (.json) program with memory optimisation on
        # ("Not find predictor_id ... memory_optimize_pass"), so only legacy programs get it.
        config.enable_memory_optim()
    config.switch_ir_optim(True)
    config.switch_use_feed_fetch_ops(False)
    config.disable_glog_info()
    return config


def _enable_tensorrt(config, options: PredictorOptions, shapes: InputShapes) -> None:
    from paddle import inference

    precision = {
        "fp32": inference.PrecisionType.Float32,
        "fp16": inference.PrecisionType.Half,
        "int8": inference.PrecisionType.Int8,
    }[options.precision]
    # TensorRT subgraphs are built on the legacy program representation.
    config.enable_new_ir(False)
    config.enable_tensorrt_engine(
        workspace_size=1 << 30,
        max_batch_size=shapes.max[0],
        min_subgraph_size=15,
        precision_mode=precision,
        use_static=False,
        use_calib_mode=False,
    )
    # PaddleOCR's exported models all name their image input "x".
    config.set_trt_dynamic_shape_info({"x": list(shapes.min)}, {"x": list(shapes.max)}, {"x": list(shapes.opt)})


class PaddlePredictor:
    """One model loaded in Paddle Inference. ``run`` takes a float32 NCHW batch and returns the model's first output.

    paddle.inference predictors are not safe to run from two threads at once, so runs are serialised here:
    a threaded server stays correct, and a process-per-worker server never waits on the lock.
    """

    def __init__(self, files: ModelFiles, options: PredictorOptions, shapes: InputShapes):
        from paddle import inference

        self.files = files
        self.options = options
        self._predictor = inference.create_predictor(build_config(files, options, shapes))
        self._input = self._predictor.get_input_handle(self._predictor.get_input_names()[0])
        self._output = self._predictor.get_output_handle(self._predictor.get_output_names()[0])
        self._lock = threading.Lock()
        # paddle's allocator keeps every block it grows, and grows new ones whenever an input is larger than any
        # before it: under varied inputs that adds up to gigabytes. Running the largest input first makes every
        # later one fit in what is already held, so memory stays where it is after this run.
        self.output_shape = self.run(np.zeros(shapes.warm_up or shapes.max, dtype=np.float32)).shape

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Run the model on ``batch`` (float32, N x C x H x W) and return its output as a numpy array."""
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        with self._lock:
            self._input.reshape(list(batch.shape))
            self._input.copy_from_cpu(batch)
            self._predictor.run()
            return self._output.copy_to_cpu()


_registry: Dict[tuple, Any] = {}
_registry_pid = os.getpid()
_registry_lock = threading.Lock()


def load_predictor(files: ModelFiles, options: PredictorOptions, shapes: InputShapes):
    """Return the process's predictor for (``files``, ``options``), building it on first use with the backend
    ``options`` name: a ``PaddlePredictor`` or an ``OpenVINOPredictor``."""
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
                if options.backend == "openvino":
                    from .openvino_runtime import OpenVINOPredictor

                    predictor = _registry[key] = OpenVINOPredictor(files, options, shapes)
                else:
                    predictor = _registry[key] = PaddlePredictor(files, options, shapes)
        return predictor


class ModelRunError(RuntimeError):
    """A model loaded but cannot run as configured; the message names the model and what to change."""


class StageModel:
    """A stage's model: its files, how it runs, and the shared predictor it runs on.

    The predictor is looked up in the registry on every run rather than kept, so that a forked worker builds its
    own instead of using its parent's.
    """

    def __init__(self, model_path: str, options: PredictorOptions, shapes: InputShapes):
        """``model_path`` is an exported model folder, or an ONNX file for OpenVINO (``models.ModelChoice.path``);
        with ``options.preload`` the predictor is built and run now."""
        self.files = find_model_files(model_path, options.backend)
        self.options = options
        self.shapes = shapes
        _stage_models.append(self)
        if options.preload:
            self.warm_up()

    def warm_up(self) -> None:
        """Load the predictor (which runs it once on its largest input), so that a model that cannot run fails at
        start-up rather than on a client's request."""
        try:
            load_predictor(self.files, self.options, self.shapes)
        except Exception as err:
            paddle_onednn = self.options.backend == "paddle" and self.options.enable_mkldnn
            hint = " (try enable_mkldnn false for this model)" if paddle_onednn else ""
            first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ModelRunError("model %s cannot run%s: %s" % (self.files.program, hint, first_line)) from err

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Run the model on a float32 NCHW batch and return its first output. Raises DeadlinePassed, before
        running, when the request being served has run out of time (``deadline``)."""
        check_deadline()
        return load_predictor(self.files, self.options, self.shapes).run(batch)

    def warm_output_shape(self) -> Tuple[int, ...]:
        """The shape of the output the start-up run gave (building the predictor if no run has yet)."""
        return load_predictor(self.files, self.options, self.shapes).output_shape


# Every StageModel built in this process, or in the parent it was forked from: what ``warm_up_all`` loads.
_stage_models: List[StageModel] = []


def warm_up_all() -> int:
    """Load (and so run once) the predictor of every StageModel built so far: a forked worker (gunicorn, preload
    false) calls this before it takes its first request. Returns how many models that makes; a model already loaded
    in this process costs nothing."""
    for model in _stage_models:
        model.warm_up()
    return len({(model.files, model.options) for model in _stage_models})
