"""``backend: auto`` and ``precision: auto``, the defaults: which runtime and precision run each model. The rule is
written here once, and docs/models.md (Runtimes) gives the measurements behind it; nothing is benchmarked at
start-up.

- On the GPU: Paddle Inference (TensorRT where the options ask for it), fp32 unless a precision is set.
- On an x86-64 CPU: OpenVINO, which ran each bundled model 1.0-1.7x as fast as Paddle Inference with oneDNN in
  fp32 (1.9-3.3x in bf16) and read the corpus and the photos with the same text in fp32. A model OpenVINO cannot
  read (a PIR export, or a program it fails to compile) runs on Paddle Inference instead, and the log says why, in
  a line.
- On any other CPU, or without the openvino package: Paddle Inference (OpenVINO is not measured there).
- ``precision: auto``: bf16 for a model on OpenVINO where the CPU has bf16 units (AVX512_BF16 or AMX), measured to
  read as well as fp32 (``BF16_BY_DEFAULT``); fp32 everywhere else.

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


@dataclass(frozen=True)
class Machine:
    """What the rule reads of the machine: an x86-64 processor, bf16 units, and the openvino package."""

    x86: bool
    bf16_units: bool
    openvino: bool


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


@functools.lru_cache(maxsize=1)
def this_machine() -> Machine:
    """This machine, read once per process (from /proc/cpuinfo, so that a gunicorn master starts no runtime)."""
    return Machine(
        x86=platform.machine().lower() in ("x86_64", "amd64"),
        bf16_units=has_bf16_units(cpu_flags()),
        openvino=importlib.util.find_spec("openvino") is not None,
    )


def auto_precision(backend_name: str, machine: Machine) -> str:
    """What ``precision: auto`` means for a model on ``backend_name``: bf16 on OpenVINO with bf16 units, else fp32."""
    if backend_name == "openvino" and machine.bf16_units and BF16_BY_DEFAULT:
        return "bf16"
    return "fp32"


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
        if options.precision == AUTO:
            options = dataclasses.replace(options, precision=auto_precision(options.backend, machine))
        return backend(options.backend).checked(options)
    if options.precision not in (AUTO, "fp32", "bf16"):
        raise ValueError("precision %s needs TensorRT on the GPU (use_gpu, use_tensorrt); on the CPU it is auto, "
                         "fp32 or bf16" % options.precision)
    return dataclasses.replace(options, gpu_id=0, use_tensorrt=False)


def for_model(options: PredictorOptions, model_dir: Optional[str], machine: Optional[Machine] = None,
              instead_of: Optional[str] = None) -> Tuple[PredictorOptions, str]:
    """The options one model runs with, every field concrete, and why, in words for the log: ``options`` as
    ``settled`` left them, for the model in ``model_dir`` (None: a bundled model). ``instead_of`` is why the
    runtime ``auto`` chose first cannot run the model: Paddle Inference is chosen instead."""
    machine = machine or this_machine()
    if options.backend != AUTO:
        return options, "configured"
    name, why = ("paddle", instead_of) if instead_of else cpu_backend(model_dir, machine)
    precision = options.precision
    if precision == AUTO:
        precision = auto_precision(name, machine)
    elif precision == "bf16" and name == "paddle":
        raise ValueError("precision bf16 runs on OpenVINO only, and model %s runs on Paddle Inference (%s): set "
                         "precision to auto or fp32" % (model_dir, why))
    chosen = backend(name).checked(dataclasses.replace(options, backend=name, precision=precision))
    bf16 = "; bf16: the CPU has bf16 units" if chosen.precision == "bf16" else ""
    return chosen, "backend auto: %s%s" % (why, bf16)
