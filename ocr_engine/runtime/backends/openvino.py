"""OpenVINO on the CPU, the second backend (``backend: openvino``): the same ``Predictor`` as Paddle's.

OpenVINO reads Paddle's ``.pdmodel`` programs and ONNX files as they are, so PP-OCRv4 runs from its Paddle export
and PP-OCRv6 from the bundled ONNX files, with no conversion. Inputs keep their dynamic batch and width: OpenVINO
compiles the model once and adapts its kernels to each new shape.
"""

import dataclasses
import functools
import os
import threading
from typing import Callable, List, Optional

import numpy as np

from ..predictor import InputShapes, ModelFiles, PredictorOptions, Read, output_names


@functools.lru_cache(maxsize=1)
def _core():
    """One OpenVINO Core per process: it holds the plugins and their settings."""
    try:
        import openvino
    except ImportError as err:
        raise RuntimeError(
            "backend openvino needs the openvino package: pip install -c constraints.txt '.[cpu]' "
            "(or pip install openvino), or set backend to paddle"
        ) from err
    return openvino.Core()


def check_openvino_options(use_gpu: bool, use_tensorrt: bool, precision: str) -> None:
    """Raise ValueError, in one sentence, for a setting backend openvino cannot honour."""
    if use_gpu or use_tensorrt:
        raise ValueError(
            "backend openvino runs on the CPU only: set use_gpu and use_tensorrt to false, or backend to paddle "
            "to use the GPU"
        )
    if precision not in ("auto", "fp32", "bf16", "int8"):
        raise ValueError("precision must be auto, fp32, bf16 or int8 with backend openvino, not %r" % precision)


def computes_bf16() -> bool:
    """Whether OpenVINO's CPU plugin computes in bf16 on this processor."""
    return "BF16" in _core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


def compile_config(options: PredictorOptions) -> dict:
    """The CPU plugin's settings for a model run as ``options`` say (what ``OpenVINOPredictor`` compiles with)."""
    return {
        "INFERENCE_NUM_THREADS": options.cpu_threads,
        "NUM_STREAMS": 1,
        "PERFORMANCE_HINT": "LATENCY",
        # Each gunicorn worker's OpenVINO would pin its threads to the same first cores, as if it had the
        # machine to itself: 2 workers x 1 thread then ran at 0.7x of Paddle's throughput, sharing one core.
        "ENABLE_CPU_PINNING": False,
        # On processors with bf16 units the plugin would otherwise choose bf16 by itself, and answers move. An INT8
        # model's float layers run in bf16 where the units are: its INT8 was measured against fp32 so.
        "INFERENCE_PRECISION_HINT": "bf16" if options.precision == "bf16" or (
            options.precision == "int8" and computes_bf16()) else "f32",
        # Kernels kept for input shapes already seen: faster on repeated shapes, but each entry holds memory.
        "CPU_RUNTIME_CACHE_CAPACITY": options.openvino_cache_capacity,
    }


class OpenVINOPredictor:
    """One model compiled by OpenVINO for the CPU. ``run`` takes a float32 NCHW batch and returns the model's
    outputs, as ``PaddlePredictor.run`` does.

    One infer request, one stream, ``cpu_threads`` threads, latency hint: a request is one client's images, and
    gunicorn workers give concurrency. Runs are serialised, like Paddle's predictors.
    """

    def __init__(self, files: ModelFiles, options: PredictorOptions, shapes: InputShapes):
        self.files = files
        self.options = options
        config = compile_config(options)
        core = _core()
        # A .pdmodel is read with the .pdiparams beside it, an INT8 .xml with its .bin; an ONNX file holds its
        # weights.
        self._compiled = core.compile_model(core.read_model(files.program), "CPU", config)
        self._request = self._compiled.create_infer_request()
        self._outputs = len(self._compiled.outputs)
        reported = [min(out.names) if out.names else "output_%d" % i for i, out in enumerate(self._compiled.outputs)]
        self.output_names = output_names(files, reported)
        self._lock = threading.Lock()
        # A run on the common shape proves the model loads and runs. Warming up on the largest input, as Paddle
        # must, left a PP-OCRv6 process 365 MB larger at start-up (1190 against 825 MB) and no faster.
        self.output_shapes = self.run(np.zeros(shapes.opt, dtype=np.float32),
                                      lambda outputs: [output.shape for output in outputs])

    def run(self, batch: np.ndarray, reader: Callable[[List[np.ndarray]], Read]) -> Read:
        """Run the model on ``batch`` (float32, N x C x H x W) and return what ``reader`` makes of its outputs."""
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        with self._lock:
            self._request.infer({0: batch})
            # The output tensors are the request's own memory, which its next run overwrites: read under the lock.
            # Not copied for every reader: a recogniser's probabilities are up to 100 MB a batch, and copying them
            # into fresh memory took 11% of its time (PP-OCRv6's INT8 recogniser, the photos' batches).
            return reader([self._request.get_output_tensor(i).data for i in range(self._outputs)])


class OpenVINOBackend:
    """OpenVINO on the CPU (``backend: openvino``)."""

    name = "openvino"
    program_files = ("inference.pdmodel", "model.pdmodel", "inference.onnx", "model.onnx")
    reads_onnx = True

    def checked(self, options: PredictorOptions) -> PredictorOptions:
        """The CPU only, fp32, bf16 (where the CPU has the units) or int8 (a model's INT8 version: ``runtime.int8``);
        auto until ``choice.for_model`` settles it per model."""
        check_openvino_options(options.use_gpu, options.use_tensorrt, options.precision)
        return dataclasses.replace(options, gpu_id=0)

    def unreadable(self, folder: str) -> Optional[str]:
        if any(os.path.isfile(os.path.join(folder, name)) for name in ("inference.json", "model.json")):
            return ("model folder %s holds a PIR program (.json), which backend openvino cannot read: export the model "
                    "to ONNX (paddle2onnx) as inference.onnx in that folder, or use backend paddle" % folder)
        return None

    def failure_hint(self, options: PredictorOptions) -> str:
        return ""

    def build(self, files: ModelFiles, options: PredictorOptions, shapes: InputShapes) -> OpenVINOPredictor:
        return OpenVINOPredictor(files, options, shapes)
