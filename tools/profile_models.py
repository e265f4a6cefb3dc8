"""Where each model's time goes, op by op: Paddle Inference's profiler on the program as served, and OpenVINO's
per-layer counters on the same input and threads, in the precision the service picks on this CPU (its INT8 file
where that is INT8) or the one ``--precision`` names.

    .venv/bin/python tools/profile_models.py [--version PP-OCRv6] [--runs 10] [--top 12] [--threads 2]
        [--precision auto|fp32|bf16|int8]

For each stage of the generation it prints the top ops of each runtime: calls per run, ms per run and share of
the total. Paddle's profiler slows every op, so compare shares across runtimes, and absolute times only within
one; tools/benchmark.py --mode models gives the unprofiled times. Paddle prints its report when a predictor is
destroyed, from C++, so each Paddle profile runs in a child process whose output is read here.
"""

import argparse
import collections
import os
import re
import subprocess
import sys
from typing import Dict, List, Tuple

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

INPUTS = {"det": (1, 3, 640, 480), "rec": (6, 3, 48, 320)}
# An event line of paddle's report: name, calls, total ms, then min, max, average and ratio.
_EVENT = re.compile(r"^(?:thread0::)?((?:onednn_op|pd_op|builtin)\S*)\s+(\d+)\s+([\d.]+)\s", re.M)

Profile = List[Tuple[str, float, float]]  # (op, calls per run, ms per run), largest first


def _paddle_child(version: str, stage: str, runs: int, threads: int) -> None:
    """In the child: build the stage's predictor as served, with paddle's profiler on, and run it ``runs`` + 1
    times; the report is printed when the process ends."""
    from paddle import inference

    from ocr_engine import merge_params, runtime_options
    from ocr_engine.runtime import InputShapes, generation
    from ocr_engine.runtime.backends.paddle import build_config
    from ocr_engine.runtime.models import find_model_files, resolve_model_dir

    shape = INPUTS[stage]
    options = runtime_options(merge_params({"cpu_threads": threads, "preload": False, "backend": "paddle"}))
    files = find_model_files(resolve_model_dir(generation(version)[stage]), "paddle")
    config = build_config(files, options, InputShapes(min=shape, opt=shape, max=shape))
    config.enable_profile()
    predictor = inference.create_predictor(config)
    batch = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    handle = predictor.get_input_handle(predictor.get_input_names()[0])
    for _ in range(runs + 1):
        handle.reshape(list(shape))
        handle.copy_from_cpu(batch)
        predictor.run()


def paddle_profile(version: str, stage: str, runs: int, threads: int) -> Profile:
    """Paddle's report for ``stage``, per run. The profiler cannot leave the first run out, which builds the
    kernels, so its cost is spread over the ``runs`` + 1 runs counted."""
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", stage, "--version", version, "--runs", str(runs),
         "--threads", str(threads)],
        capture_output=True, text=True, timeout=900, cwd=REPO,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise SystemExit("profiling %s on paddle failed:\n%s" % (stage, output[-3000:]))
    report = output[output.index("Event Summary"):] if "Event Summary" in output else ""
    seen: Dict[str, Tuple[float, float]] = {}
    for name, calls, total in _EVENT.findall(report):
        if name not in seen:  # the first table merges every thread; later ones repeat it per thread
            seen[name] = (int(calls) / (runs + 1), float(total) / (runs + 1))
    return sorted(((name, calls, ms) for name, (calls, ms) in seen.items()), key=lambda row: -row[2])


def openvino_profile(version: str, stage: str, runs: int, threads: int, precision: str) -> Tuple[str, Profile]:
    """OpenVINO's per-layer counters for ``stage`` as the openvino backend compiles it in ``precision`` (auto: what
    the service picks on this CPU, INT8 included), summed by layer type and kernel, averaged over ``runs`` runs
    after one untimed run. Returns the precision that ran and the profile."""
    import openvino

    from ocr_engine import merge_params, runtime_options
    from ocr_engine.runtime import InputShapes, StageModel, generation
    from ocr_engine.runtime.backends.openvino import compile_config
    from ocr_engine.runtime.models import ModelChoice

    params = merge_params({"cpu_threads": threads, "preload": False, "backend": "openvino", "precision": precision})
    shape = INPUTS[stage]
    # Settled as the service settles it: the precision auto picks, and the INT8 file where that is INT8.
    model = StageModel(ModelChoice(generation(version)[stage], params["model_cache_dir"], None),
                       runtime_options(params), InputShapes(min=shape, opt=shape, max=shape))
    core = openvino.Core()
    compiled = core.compile_model(core.read_model(model.files.program), "CPU",
                                  dict(compile_config(model.options), PERF_COUNT=True))
    request = compiled.create_infer_request()
    batch = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    request.infer({0: batch})
    totals: Dict[str, List[float]] = collections.defaultdict(lambda: [0.0, 0.0])
    for _ in range(runs):
        request.infer({0: batch})
        for layer in request.profiling_info:
            if layer.status.name == "EXECUTED":
                key = "%s %s" % (layer.node_type, layer.exec_type)
                totals[key][0] += 1.0 / runs
                totals[key][1] += layer.real_time.total_seconds() * 1000 / runs
    return model.options.precision, sorted(((name, calls, ms) for name, (calls, ms) in totals.items()),
                                           key=lambda row: -row[2])


def print_profile(title: str, rows: Profile, top: int) -> None:
    total = sum(ms for _, _, ms in rows) or 1.0
    print("%s: %.1f ms per run over all ops" % (title, total))
    print("op | calls per run | ms per run | share")
    for name, calls, ms in rows[:top]:
        print("%s | %.1f | %.2f | %.1f%%" % (name, calls, ms, 100 * ms / total))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default="PP-OCRv6", help="the model generation (ocr_version)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "int8"),
                        help="OpenVINO's precision (auto: what the service picks on this CPU)")
    parser.add_argument("--child", choices=sorted(INPUTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _paddle_child(args.version, args.child, args.runs, args.threads)
        return
    for stage, shape in INPUTS.items():
        where = "%s %s, %d threads" % (stage, "x".join(map(str, shape)), args.threads)
        print_profile("paddle, %s %s" % (args.version, where),
                      paddle_profile(args.version, stage, args.runs, args.threads), args.top)
        precision, rows = openvino_profile(args.version, stage, args.runs, args.threads, args.precision)
        print_profile("openvino %s, %s %s" % (precision, args.version, where), rows, args.top)


if __name__ == "__main__":
    main()
