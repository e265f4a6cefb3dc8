"""Paddle Inference, the default backend: CPU with oneDNN (MKLDNN), GPU, and TensorRT on the GPU.

It reads exported Paddle programs: paddle 3's PIR ``inference.json`` and the legacy ``.pdmodel``, each beside its
``.pdiparams``; a bundled ONNX model reaches it converted (``onnx_import``). Every option this backend reads and
every check it makes is here.
"""

import dataclasses
import logging
import os
import threading
from typing import Callable, List, Optional

import numpy as np

from ..folding import folded_model
from ..predictor import InputShapes, ModelFiles, PredictorOptions, Read, output_names

log = logging.getLogger("ocr_engine.runtime.inference")

PRECISIONS = ("fp32", "fp16", "int8")


class DeviceError(RuntimeError):
    """The configured device cannot be used; the message says why and how to fix it."""


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


def build_config(files: ModelFiles, options: PredictorOptions, shapes: InputShapes):
    """Return a ``paddle.inference.Config`` for ``files`` run as ``options`` say (CPU, oneDNN, GPU or TensorRT)."""
    from paddle import inference

    folded = folded_model(files) if options.fold_affine_blocks else None
    if folded:
        config = inference.Config()
        # paddle's stubs say str; the program and weights are bytes, which it reads as they are.
        config.set_model_buffer(folded[0], len(folded[0]), folded[1], len(folded[1]))  # type: ignore[arg-type]
    else:
        config = inference.Config(files.program, files.params or "")
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
    """One model loaded in Paddle Inference. ``run`` takes a float32 NCHW batch and returns the model's outputs.

    paddle.inference predictors are not safe to run from two threads at once, so runs are serialised here:
    a threaded server stays correct, and a process-per-worker server never waits on the lock.
    """

    def __init__(self, files: ModelFiles, options: PredictorOptions, shapes: InputShapes):
        from paddle import inference

        self.files = files
        self.options = options
        self._predictor = inference.create_predictor(build_config(files, options, shapes))
        self._input = self._predictor.get_input_handle(self._predictor.get_input_names()[0])
        reported = self._predictor.get_output_names()
        self._outputs = [self._predictor.get_output_handle(name) for name in reported]
        self.output_names = output_names(files, reported)
        self._lock = threading.Lock()
        # paddle's allocator keeps every block it grows, and grows new ones whenever an input is larger than any
        # before it: under varied inputs that adds up to gigabytes. Running the largest input first makes every
        # later one fit in what is already held, so memory stays where it is after this run.
        warm_up = np.zeros(shapes.warm_up or shapes.max, dtype=np.float32)
        self.output_shapes = self.run(warm_up, lambda outputs: [output.shape for output in outputs])

    def run(self, batch: np.ndarray, reader: Callable[[List[np.ndarray]], Read]) -> Read:
        """Run the model on ``batch`` (float32, N x C x H x W) and return what ``reader`` makes of its outputs
        (copies: paddle hands out no views of its own memory)."""
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        with self._lock:
            self._input.reshape(list(batch.shape))
            self._input.copy_from_cpu(batch)
            self._predictor.run()
            return reader([output.copy_to_cpu() for output in self._outputs])


class PaddleBackend:
    """Paddle Inference (``backend: paddle``)."""

    name = "paddle"
    program_files = ("inference.json", "inference.pdmodel", "model.json", "model.pdmodel")
    reads_onnx = False

    def checked(self, options: PredictorOptions) -> PredictorOptions:
        """A known precision; TensorRT only on the GPU and oneDNN only on the CPU; the GPU resolved."""
        if options.precision not in PRECISIONS:
            raise ValueError("precision must be fp32, fp16 or int8 with backend paddle, not %r" % options.precision)
        return dataclasses.replace(
            options,
            # Without preload (gunicorn workers) the master must not touch CUDA, or the forked workers cannot use
            # it: the devices are counted in the worker, when its first predictor is built.
            gpu_id=resolve_gpu_id(options.gpu_id, count_devices=options.preload) if options.use_gpu else 0,
            use_tensorrt=options.use_gpu and options.use_tensorrt,
            enable_mkldnn=not options.use_gpu and options.enable_mkldnn,
        )

    def unreadable(self, folder: str) -> Optional[str]:
        return None

    def failure_hint(self, options: PredictorOptions) -> str:
        return " (try enable_mkldnn false for this model)" if options.enable_mkldnn else ""

    def build(self, files: ModelFiles, options: PredictorOptions, shapes: InputShapes) -> PaddlePredictor:
        return PaddlePredictor(files, options, shapes)
