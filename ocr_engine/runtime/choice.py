"""``backend: auto`` and ``precision: auto``, the defaults: which runtime and precision run each model. The rule is
written here once, and docs/models.md (Runtimes) gives the measurements behind it; nothing is benchmarked at
start-up.

- On the GPU: Paddle Inference (TensorRT where the options ask for it), fp32 unless a precision is set.
- On an x86-64 CPU: OpenVINO, which ran each bundled model 1.0-1.7x as fast as Paddle Inference with oneDNN in
  fp32 (1.9-3.3x in bf16) and read the corpus and the photos with the same text in fp32. A model OpenVINO cannot
  read (a PIR export, or a program it fails to compile) runs on Paddle Inference instead, and the log says why, in
  a line.
- On any other CPU, or without the openvino package: Paddle Inference (OpenVINO is not measured there).
- ``precision: auto``: INT8 for a bundled model in ``INT8_BY_DEFAULT`` on OpenVINO where the CPU has INT8 units
  (VNNI or AMX-INT8) and its INT8 version is prepared (``int8``); else bf16 where the CPU has bf16 units (AVX512_BF16
  or AMX), measured to read as well as fp32 (``BF16_BY_DEFAULT``); fp32 everywhere else. An INT8 model runs what
  stays in floating point in bf16 where the units are.

``settled`` resolves what is the same for every model of a module (the GPU, an explicit backend); ``for_model``
resolves the rest once a stage knows its model.
"""

import dataclasses
import functools
import importlib.util
import platform
from dataclasses import dataclass
from typing import Any, FrozenSet, Mapping, Optional, Tuple

from .models import first_program
from .predictor import PredictorOptions, backend

AUTO = "auto"
# Whether precision auto means bf16 where the units are: the accuracy of bf16 against fp32 over the corpus and the
# real photos (docs/models.md, Precision) decides it, by the rule written there.
BF16_BY_DEFAULT = True
# The bundled models precision auto runs in INT8 on a CPU with INT8 units, and why each other one does not: measured
# by tools/benchmark.py --mode models and tools/accuracy.py against fp32 (docs/models.md, INT8), by the rule written
# there. A model not named here has not been measured in INT8.
INT8_BY_DEFAULT = frozenset({"PP-OCRv6_small_rec"})
NOT_INT8: Mapping[str, str] = {
    "PP-OCRv4_mobile_det": "in INT8 it split vertical columns fp32 reads whole",
    "ch_ppocr_mobile_v2.0_cls": "measured slower in INT8 than in bf16",
    "picodet_lcnet_x1_0_fgd_layout_cdla": "measured slower in INT8 than in bf16",
    "SLANet_plus": "the same tables in INT8, and no faster a table than in bf16",
    "text_image_orientation": "no faster in INT8 than in bf16",
}


@dataclass(frozen=True)
class Machine:
    """What the rule reads of the machine: an x86-64 processor, bf16 units, and the openvino package."""

    x86: bool
    bf16_units: bool
    openvino: bool
    int8_units: bool = False


def cpuinfo_value(key: str, cpuinfo: str = "/proc/cpuinfo") -> Optional[str]:
    """The first processor's ``key`` line in Linux's cpuinfo (``flags``, ``model name``); None elsewhere."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith(key):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return None


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> FrozenSet[str]:
    """The processor's feature flags as Linux lists them (``avx512_bf16``, ``amx_bf16``, ...); empty elsewhere."""
    return frozenset((cpuinfo_value("flags", cpuinfo) or "").split())


def has_bf16_units(flags: FrozenSet[str]) -> bool:
    """Whether a CPU with these flags computes in bf16: AVX512_BF16 or AMX's bf16 tiles, what OpenVINO uses."""
    return "avx512_bf16" in flags or "amx_bf16" in flags


def has_int8_units(flags: FrozenSet[str]) -> bool:
    """Whether a CPU with these flags has INT8 dot-product units, what makes OpenVINO's INT8 kernels pay: VNNI
    (AVX-512 or AVX) or AMX's INT8 tiles."""
    return bool(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})


@functools.lru_cache(maxsize=1)
def this_machine() -> Machine:
    """This machine, read once per process (from /proc/cpuinfo, so that a gunicorn master starts no runtime)."""
    return Machine(
        x86=platform.machine().lower() in ("x86_64", "amd64"),
        bf16_units=has_bf16_units(cpu_flags()),
        openvino=importlib.util.find_spec("openvino") is not None,
        int8_units=has_int8_units(cpu_flags()),
    )


def _reasons(*parts: str) -> str:
    """The log's reasons for a choice, those given, in one clause."""
    return "; ".join(part for part in parts if part)


def auto_precision(backend_name: str, machine: Machine, model: Optional[str] = None,
                   int8_ready: bool = False) -> Tuple[str, str]:
    """What ``precision: auto`` means for bundled model ``model`` (None: a user's) on ``backend_name``, and why, in
    words for the log: INT8 where the rule chose it for the model, the CPU has INT8 units and the model's INT8
    version is prepared (``int8_ready``); else bf16 on OpenVINO with bf16 units; else fp32."""
    if backend_name != "openvino":
        return "fp32", ""
    not_int8 = ""
    if model in INT8_BY_DEFAULT and machine.int8_units:
        if int8_ready:
            return "int8", "int8: the CPU has INT8 units and the model read as in fp32, faster, in INT8"
        not_int8 = "not int8: its INT8 version is not prepared (python -m ocr_engine.prepare)"
    elif model in INT8_BY_DEFAULT:
        not_int8 = "not int8: the CPU has no INT8 units (VNNI, AMX)"
    elif model is not None and model in NOT_INT8:
        not_int8 = "not int8: " + NOT_INT8[model]
    if machine.bf16_units and BF16_BY_DEFAULT:
        return "bf16", _reasons("bf16: the CPU has bf16 units", not_int8)
    return "fp32", not_int8


def cpu_backend(model_dir: Optional[str], machine: Machine) -> Tuple[str, str]:
    """The runtime for a model on the CPU under ``backend: auto`` (``model_dir`` None: a bundled model, which
    OpenVINO reads), and why, in words for the log."""
    if not machine.x86:
        return "paddle", "OpenVINO is not measured on %s processors" % platform.machine()
    if not machine.openvino:
        return "paddle", "the openvino package is not installed (pip install -c constraints.txt '.[cpu]')"
    if model_dir and first_program(model_dir, "openvino") is None:
        return "paddle", "its folder holds no program OpenVINO reads (%s), as a PIR export does not" % ", ".join(
            backend("openvino").program_files)
    return "openvino", "the fastest runtime measured for it on x86 CPUs"


def runtime_options(params: Mapping[str, Any]) -> PredictorOptions:
    """The runtime options of a merged params dict (``options.merge_params`` checked their kinds), ``settled``:
    build this once per module and hand it to every stage, whose ``StageModel`` settles the rest per model."""
    from ..options import read_view

    return settled(read_view(PredictorOptions, params))


def settled(options: PredictorOptions, machine: Optional[Machine] = None) -> PredictorOptions:
    """``options`` with everything that is the same for every model resolved and checked: the GPU (Paddle
    Inference), an explicit backend with its precision. ``backend: auto`` on the CPU stays auto for ``for_model``,
    with its precision checked. ValueError, in one sentence, for what cannot run."""
    machine = machine or this_machine()
    options = dataclasses.replace(options, cpu_threads=max(1, options.cpu_threads))  # 0 counts as one thread
    if options.backend == AUTO and options.use_gpu:
        options = dataclasses.replace(options, backend="paddle")
    # From the processor's flags, not OpenVINO's plugin: a gunicorn master settles options before it forks, and
    # must start no runtime threads.
    if options.precision == "bf16" and not machine.bf16_units and not options.use_gpu:
        raise ValueError("precision bf16 needs a CPU with bf16 units, which this one lacks: set precision to auto "
                         "or fp32")
    if options.backend != AUTO:
        if options.precision == AUTO and options.backend != "openvino":
            options = dataclasses.replace(options, precision="fp32")
        return backend(options.backend).checked(options)
    if options.precision not in (AUTO, "fp32", "bf16", "int8"):
        raise ValueError("precision %s needs TensorRT on the GPU (use_gpu, use_tensorrt); on the CPU it is auto, "
                         "fp32, bf16 or int8" % options.precision)
    return dataclasses.replace(options, gpu_id=0, use_tensorrt=False)


def for_model(options: PredictorOptions, model_dir: Optional[str], machine: Optional[Machine] = None,
              instead_of: Optional[str] = None, model: Optional[str] = None,
              int8_ready: bool = False) -> Tuple[PredictorOptions, str]:
    """The options one model runs with, every field concrete, and why, in words for the log: ``options`` as
    ``settled`` left them, for the model in ``model_dir`` (None: bundled model ``model``, whose INT8 version is
    prepared when ``int8_ready``). ``instead_of`` is why the runtime ``auto`` chose first cannot run the model:
    Paddle Inference is chosen instead."""
    machine = machine or this_machine()
    if options.backend != AUTO and options.precision != AUTO:
        return options, "configured"
    if options.backend != AUTO:
        precision, why = auto_precision(options.backend, machine, None if model_dir else model, int8_ready)
        return dataclasses.replace(options, precision=precision), _reasons("configured", why)
    name, why = ("paddle", instead_of) if instead_of else cpu_backend(model_dir, machine)
    precision = options.precision
    if precision == AUTO:
        precision, precision_why = auto_precision(name, machine, None if model_dir else model, int8_ready)
        why = _reasons(why, precision_why)
    elif precision in ("bf16", "int8") and name == "paddle":
        raise ValueError("precision %s runs on OpenVINO only, and model %s runs on Paddle Inference (%s): set "
                         "precision to auto or fp32" % (precision, model_dir, why))
    chosen = backend(name).checked(dataclasses.replace(options, backend=name, precision=precision))
    return chosen, "backend auto: %s" % why
