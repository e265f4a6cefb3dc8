"""Where a request's time goes, for tools/benchmark.py (``--mode stages``): per stage, the model's own run against
everything around it (resizing, crops, DB post-processing, CTC decoding), on the photos of ``--images`` and on the
first page of a born-digital A4 PDF (rendered at pdf_dpi), in-process, the engine as served.

A stage's time is what the request's log line shows (``runtime.timing``); a model's is each ``StageModel.read``
call of that stage's model (``outputs`` reads through it: the run and the reading of its outputs), timed here by
wrapping the process's models (the engine is not changed to measure it).
Each image is read once before it is timed, so that kernel building for its shapes is not counted.
"""

import os
import statistics
import time
from collections import defaultdict
from typing import Any, Callable, Dict, List

import cv2
import numpy as np

# Each stage's model's seconds since last cleared, added to by the wrapped models (``_time_models``).
MODEL_SECONDS: Dict[str, float] = defaultdict(float)
# The order the stages run in a request, as the log line names them.
STAGE_ORDER = ("decode", "render", "orient", "detect", "classify", "recognise")


def _time_models() -> None:
    """Have every StageModel of this process add its runs' seconds to ``MODEL_SECONDS`` under its stage."""
    from ocr_engine.runtime.inference import _stage_models
    from ocr_engine.runtime.models import MODELS

    for model in _stage_models:
        if getattr(model, "_timed_here", False):
            continue
        bundled = MODELS.get(model.model.name)
        stage = bundled.task.stage if bundled is not None else model.model.name
        run = model.read

        def read(batch: np.ndarray, reader: Callable, run: Callable = run, stage: str = stage) -> Any:
            start = time.perf_counter()
            try:
                return run(batch, reader)
            finally:
                MODEL_SECONDS[stage] += time.perf_counter() - start

        model.read = read  # type: ignore[method-assign]
        model._timed_here = True


def _a4_pdf() -> bytes:
    """A born-digital A4 PDF of one page of the tests' 10 pt text (testkit.documents)."""
    from testkit.documents import sample_documents

    raw, _ = sample_documents()["A4 10pt, 2 pages"]
    return raw


def _decoded(data: bytes) -> np.ndarray:
    """An image file's pixels, timed as the server's ``decode``."""
    from ocr_engine.runtime.timing import timed

    with timed("decode"):
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _rendered(data: bytes) -> np.ndarray:
    """A PDF's first page as the server renders it (``render`` is timed by the renderer)."""
    from ocr_engine import DEFAULTS, merge_params, read_view
    from ocr_engine.serving.pdf import DocumentOptions, PdfInput

    document = PdfInput(data, "A4")
    try:
        return document.render(read_view(DocumentOptions, merge_params({})), DEFAULTS["max_image_pixels"])[0].image
    finally:
        document.close()


def run_stages(images: Dict[str, bytes], init_args: dict, rounds: int) -> None:
    """Print, per stage, the median milliseconds per image over ``rounds``: all of it, the model's, the rest, and
    the rest's share; for the photos together and for the PDF page."""
    from ocr_engine import OCRSystem, merge_params

    params = merge_params(init_args)
    ocr = OCRSystem.from_params(params)
    print("set | stage | ms an image | model ms | around ms | around share")
    _print_split("%d photos" % len(images), ocr, list(images.values()), _decoded, rounds)
    _print_split("A4 PDF page", ocr, [_a4_pdf()], _rendered, rounds)
    print("(%d rounds, medians; cpu_threads %s)" % (rounds, params["cpu_threads"] or os.cpu_count()))


def _print_split(name: str, ocr: Callable, files: List[bytes], pixels: Callable[[bytes], np.ndarray],
                 rounds: int) -> None:
    from ocr_engine.runtime.timing import collect_timings

    def read(data: bytes) -> Dict[str, float]:
        with collect_timings() as stages:
            ocr([pixels(data)])
        return stages

    for data in files:
        read(data)  # kernels built for its shapes, not timed
    _time_models()
    per_round: List[Dict[str, float]] = []
    for _ in range(rounds):
        MODEL_SECONDS.clear()
        stages: Dict[str, float] = defaultdict(float)
        for data in files:
            for stage, seconds in read(data).items():
                stages[stage] += seconds
        per_round.append({**{"all " + s: v for s, v in stages.items()},
                          **{"model " + s: v for s, v in MODEL_SECONDS.items()}})
    seen = {key.split(" ", 1)[1] for r in per_round for key in r if key.startswith("all ")}
    rows = [s for s in STAGE_ORDER if s in seen] + sorted(seen - set(STAGE_ORDER))
    split = [(stage, _median_ms(per_round, "all " + stage, len(files)), _median_ms(per_round, "model " + stage,
                                                                               len(files))) for stage in rows]
    split.append(("all", sum(whole for _, whole, _ in split), sum(model for _, _, model in split)))
    for stage, whole, model in split:
        print("%s | %s | %.1f | %.1f | %.1f | %.0f%%" % (name, stage, whole, model, whole - model,
                                                         100 * (whole - model) / whole if whole else 0))


def _median_ms(per_round: List[Dict[str, float]], key: str, files: int) -> float:
    return 1000 * statistics.median(r.get(key, 0.0) for r in per_round) / files
