"""Ours against the upstream pipeline, side by side in one run: throughput, latency, memory and agreement.

    .venv/bin/python tools/benchmark.py [--images DIR] [--rounds N]
        [--mode inprocess|http|both|models|pdf|tables|layout|jobs|stages]
        [--concurrency N] [--workers N] [--threads N] [--reference-workers N] [--reference-threads N]

The reference is paddleocr 2.10's TextSystem built as PaddleOCR's hubserving ocr_system module builds it, on the
same bundled PP-OCRv4 models (tools/reference). In-process, each image goes through the reference and then ours,
image by image. Over HTTP, both are `hub install`ed into a temporary HUB_HOME and served by `hub serving start`
(one process, or gunicorn workers), and the rounds alternate between them. Both run with oneDNN unless
--no-mkldnn. Peak RSS is sampled every 0.2 s over each server's whole process session."""

import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import tempfile
import threading
import time
from typing import Callable, Dict, List, Optional, Sequence

import cv2
import numpy as np

from testkit.inputs import b64, photo_paths
from testkit.rendering import CHINESE_LINES, ENGLISH_LINES, cjk_font, latin_font, render_lines
from testkit.server import REPO, HubServer, install_modules, single_module_config

REFERENCE_DIR = os.path.join(REPO, "tools", "reference")

Reader = Callable[[np.ndarray], List[str]]  # one image in, the texts read out


# --------------------------------------------------------------------------- images


def load_images(folder: str) -> Dict[str, bytes]:
    """The encoded bytes of every photo directly in ``folder`` (testkit's lister), by file name."""
    images = {}
    for path in photo_paths(folder):
        with open(path, "rb") as handle:
            images[os.path.basename(path)] = handle.read()
    return images


def generated_images() -> Dict[str, bytes]:
    """The tests' rendered lines, for machines without ../shared/ocr-images."""
    samples = {"english.png": render_lines(ENGLISH_LINES, latin_font())[0]}
    if cjk_font():
        samples["chinese.png"] = render_lines(CHINESE_LINES, cjk_font())[0]
    return {name: cv2.imencode(".png", image)[1].tobytes() for name, image in samples.items()}


# --------------------------------------------------------------------------- measuring


class Tally:
    """Latencies, texts and memory of one contender."""

    def __init__(self, name: str):
        self.name = name
        self.latencies: List[float] = []
        self.wall = 0.0
        self.texts: Dict[str, List[str]] = {}
        self.rss_by_round: List[float] = []
        self.peak_rss = 0.0
        # Images per second of each round: the first sees every input shape for the first time, later rounds
        # repeat them, which a backend that keeps kernels per shape (OpenVINO) turns into speed.
        self.round_rates: List[float] = []
        # Over HTTP: seconds from `hub serving start` to answering, the server's RSS then, and each image's
        # latencies in the order sent (the first request after ready against the same image later).
        self.ready_seconds = 0.0
        self.ready_rss = 0.0
        self.by_image: Dict[str, List[float]] = collections.defaultdict(list)

    def end_round(self, images: int, wall: float) -> None:
        self.round_rates.append(images / wall if wall else 0.0)

    def first_request(self) -> str:
        """The first request's ms and the median of the same image's later requests, as "first (later)"."""
        if not self.by_image:
            return "-"
        first = next(iter(self.by_image.values()))
        later = "%.0f" % (1000 * np.median(first[1:])) if len(first) > 1 else "-"
        return "%.0f (%s)" % (1000 * first[0], later)

    def row(self) -> List[str]:
        lat = np.array(self.latencies)
        return [
            self.name,
            "%.2f" % (len(lat) / self.wall),
            " ".join("%.2f" % r for r in self.round_rates) or "-",
            "%.0f" % (1000 * np.percentile(lat, 50)),
            "%.0f" % (1000 * np.percentile(lat, 95)),
            "%.0f" % (self.peak_rss / 2**20) if self.peak_rss else "-",
            " ".join("%.0f" % (r / 2**20) for r in self.rss_by_round) or "-",
            "%.1f" % self.ready_seconds if self.ready_seconds else "-",
            "%.0f" % (self.ready_rss / 2**20) if self.ready_rss else "-",
            self.first_request(),
        ]


def agreement(reference: Dict[str, List[str]], ours: Dict[str, List[str]]) -> float:
    """Share of the reference's lines that ours read with identical text (each line matched once)."""
    same = total = 0
    for name, ref_lines in reference.items():
        ours_left = collections.Counter(ours.get(name, []))
        for text in ref_lines:
            total += 1
            if ours_left[text] > 0:
                ours_left[text] -= 1
                same += 1
    return same / total if total else 1.0


def own_rss() -> float:
    with open("/proc/self/statm") as handle:
        return float(int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))


# --------------------------------------------------------------------------- in-process


def inprocess_readers(mkldnn: bool, reference_threads: int, init_args: dict) -> Dict[str, Reader]:
    from reference.ocr_system_reference.reference import build_text_system  # tools/reference

    from hubserving.ocr_system.params import read_params
    from ocr_engine import OCRSystem, merge_params

    reference = build_text_system(enable_mkldnn=mkldnn, cpu_threads=reference_threads or None)
    # The served module's own params.py, so that in-process measures what `hub serving` runs.
    ours = OCRSystem.from_params(merge_params(read_params(), init_args, {"enable_mkldnn": mkldnn}))
    return {
        "reference": lambda image: [text for text, _ in reference(image)[1]],
        "ours": lambda image: [line.text for line in ours([image])[0]],
    }


def run_inprocess(images: Dict[str, bytes], rounds: int, mkldnn: bool, reference_threads: int,
                  init_args: dict) -> List[Tally]:
    readers = inprocess_readers(mkldnn, reference_threads, init_args)
    tallies = {name: Tally(name + " in-process") for name in readers}
    decoded = {name: cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) for name, data in images.items()}
    for _ in range(rounds):
        walls = dict.fromkeys(readers, 0.0)
        for name, image in decoded.items():
            for who, read in readers.items():  # interleaved image by image
                start = time.perf_counter()
                tallies[who].texts[name] = read(image)
                elapsed = time.perf_counter() - start
                tallies[who].latencies.append(elapsed)
                tallies[who].wall += elapsed
                walls[who] += elapsed
        for who, wall in walls.items():
            tallies[who].end_round(len(decoded), wall)
    # Both live in this one process, so its memory is not either's alone.
    print("in-process RSS after %d rounds (both pipelines together): %.0f MB" % (rounds, own_rss() / 2**20))
    return list(tallies.values())


# --------------------------------------------------------------------------- over HTTP


def start_server(module: str, init_args: dict, workers: int, hub_home: str, workdir: str, name: str = "") -> HubServer:
    """`hub serving start` one module: one process when ``workers`` is 0, else that many gunicorn workers. Its
    config and log are ``name`` (default: the module's) .json and .log in ``workdir``."""
    config = single_module_config(module, init_args, workers)
    return HubServer.with_config(config, hub_home, workdir, name or module).wait_ready()


def read_texts(server: HubServer, module: str, data: bytes) -> List[str]:
    """The lines ``module`` reads in one image file, in order."""
    answer = server.predict(module, [b64(data)], timeout=600)
    if answer["status"] != "000":
        raise RuntimeError("%s answered %s" % (module, answer["msg"]))
    return [line["text"] for line in answer["results"][0]]


def http_round(server: HubServer, module: str, tally: Tally, images: Dict[str, bytes], concurrency: int,
               read: Optional[Callable[[bytes], List[str]]] = None) -> None:
    """Each of ``concurrency`` clients sends every image once (to /predict/``module``, or through ``read``); RSS is
    sampled while they run."""
    peak, done = [0.0], threading.Event()
    read = read or (lambda data: read_texts(server, module, data))

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], server.rss())
            done.wait(0.2)

    def client(_):
        for name, data in images.items():
            start = time.perf_counter()
            tally.texts[name] = read(data)
            tally.latencies.append(time.perf_counter() - start)
            tally.by_image[name].append(tally.latencies[-1])

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client, range(concurrency)))
    elapsed = time.perf_counter() - start
    tally.wall += elapsed
    tally.end_round(len(images) * concurrency, elapsed)
    done.set()
    sampler.join()
    tally.peak_rss = max(tally.peak_rss, peak[0])
    tally.rss_by_round.append(server.rss())


def run_http(images: Dict[str, bytes], rounds: int, concurrency: int, mkldnn: bool, args) -> List[Tally]:
    workdir = tempfile.mkdtemp(prefix="ocr_benchmark_")
    hub_home = os.path.join(workdir, "hub_home")
    install_modules(hub_home, [os.path.join(REPO, "hubserving", "ocr_system"),
                               os.path.join(REFERENCE_DIR, "ocr_system_reference")])
    ours_threads = args.threads or max(1, (os.cpu_count() or 1) // max(1, args.workers))
    # Gunicorn workers load their own models after the fork; the master process should hold none.
    ours_args = dict(json.loads(args.init_args), enable_mkldnn=mkldnn, cpu_threads=ours_threads,
                     preload=args.workers == 0)
    if args.baseline == "upstream":
        modules = {"reference": "ocr_system_reference", "ours": "ocr_system"}
        reference_args = {"enable_mkldnn": mkldnn}
        if args.reference_threads:
            reference_args["cpu_threads"] = args.reference_threads
        # PaddleOCR sets cpu_threads only together with oneDNN; otherwise paddle's default applies.
        reference_threads = (args.reference_threads or 10) if mkldnn else "paddle's default"
    else:  # ours with other init_args (a generation name is short for its ocr_version), set up as ours is
        modules = {"reference": "ocr_system", "ours": "ocr_system"}
        reference_args = dict(ours_args, **baseline_args(args.baseline))
        reference_threads = reference_args["cpu_threads"]
    servers, started = {}, {}
    for name, module, init_args, workers in (("reference", modules["reference"], reference_args,
                                              args.reference_workers),
                                             ("ours", modules["ours"], ours_args, args.workers)):
        start = time.perf_counter()
        servers[name] = start_server(module, init_args, workers, hub_home, workdir, name)
        started[name] = (time.perf_counter() - start, servers[name].rss())
        if init_args.get("api_keys_file"):  # keys on: this client sends the file's first key, as a client would
            from ocr_engine.serving.access import KeyFile

            key = KeyFile(init_args["api_keys_file"]).keys()[0][0].decode("utf-8")
            servers[name].headers = {"Authorization": "Bearer " + key}
    ours_given = json.loads(args.init_args)
    setups = {
        "reference": "%s%s x %s threads" % (
            "" if args.baseline == "upstream" or not describe(baseline_args(args.baseline))
            else describe(baseline_args(args.baseline)) + ", ",
            _processes(args.reference_workers), reference_threads),
        "ours": "%s%s x %d threads" % (describe(ours_given) + ", " if ours_given else "", _processes(args.workers),
                                        ours_threads),
    }
    tallies = {name: Tally("%s http, %s, %d client(s)" % (name, setups[name], concurrency)) for name in servers}
    for name, (seconds, rss) in started.items():
        tallies[name].ready_seconds, tallies[name].ready_rss = seconds, rss
    try:
        for _ in range(rounds):
            for name, server in servers.items():  # interleaved round by round
                http_round(server, modules[name], tallies[name], images, concurrency)
    finally:
        for server in servers.values():
            server.stop()
    return list(tallies.values())


def run_paddlex(images: Dict[str, bytes], rounds: int, concurrency: int, args) -> List[Tally]:
    """PaddleX 3.7.2's basic serving against ours, both on the bundled PP-OCRv4 models, both through POST /ocr with
    the same body (tools/paddlex_reference.py); rounds alternate. Then the differential check: each image's
    prunedResult from both, field by field (names, types, nesting), and their texts."""
    from paddlex_reference import PaddleXServer, compare_answers, reference_body

    from ocr_engine.runtime.models import pinned_generation
    from testkit.server import post_for_status

    workdir = tempfile.mkdtemp(prefix="ocr_benchmark_paddlex_")
    hub_home = os.path.join(workdir, "hub_home")
    install_modules(hub_home, [os.path.join(REPO, "hubserving", "ocr_system")])
    threads = args.threads or os.cpu_count() or 1
    ours_args = dict(pinned_generation("PP-OCRv4"), **json.loads(args.init_args))
    ours_args.update(enable_mkldnn=args.mkldnn, cpu_threads=threads, preload=args.workers == 0)
    answers: Dict[str, Dict[str, dict]] = {"paddlex": {}, "ours": {}}
    with_words: Dict[str, Dict[str, dict]] = {"paddlex": {}, "ours": {}}

    def reader(name: str, url: str, limit: Optional[int], kept: Dict[str, Dict[str, dict]] = answers,
               **extra) -> Callable[[bytes], List[str]]:
        def read(data: bytes) -> List[str]:
            status, answer = post_for_status(url + "/ocr", reference_body(b64(data), limit, **extra), timeout=600)
            if status != 200:
                raise RuntimeError("%s answered %d: %s" % (name, status, answer.get("errorMsg")))
            kept[name][hashlib.sha1(data).hexdigest()] = answer
            return answer["result"]["ocrResults"][0]["prunedResult"]["rec_texts"]

        return read

    with PaddleXServer(workdir, threads) as paddlex, \
            start_server("ocr_system", ours_args, args.workers, hub_home, workdir, "ours") as ours:
        contenders = {
            "paddlex": (paddlex, reader("paddlex", paddlex.url, args.paddlex_limit),
                        "PaddleX 3.7.2 /ocr, PP-OCRv4, oneDNN off (its workaround), %s, %d threads" % (
                            "textDetLimitSideLen %d max" % args.paddlex_limit if args.paddlex_limit
                            else "its detection defaults", threads)),
            "ours": (ours, reader("ours", ours.url, None), "ours /ocr, %s, %s x %d threads" % (
                ours_args["ocr_version"], _processes(args.workers), threads)),
        }
        tallies = {name: Tally("%s, %d client(s)" % (title, concurrency)) for name, (_, _, title) in contenders.items()}
        for _ in range(rounds):
            for name, (server, read, _) in contenders.items():
                http_round(server, "", tallies[name], images, concurrency, read)
        for name, (server, _, _) in contenders.items():  # once more with word boxes, for the check alone
            read = reader(name, server.url, args.paddlex_limit if name == "paddlex" else None, with_words,
                          returnWordBox=True)
            for data in images.values():
                read(data)
    names = {hashlib.sha1(data).hexdigest(): name for name, data in images.items()}
    print(compare_answers(answers["paddlex"], answers["ours"], names))
    print("with returnWordBox: " + compare_answers(with_words["paddlex"], with_words["ours"], names))
    return [tallies["paddlex"], tallies["ours"]]


def baseline_args(baseline: str) -> dict:
    """--baseline as init_args: a JSON object as it is, a generation name as the options pinning it."""
    from ocr_engine.runtime.models import pinned_generation

    return json.loads(baseline) if baseline.lstrip().startswith("{") else pinned_generation(baseline)


def describe(init_args: dict) -> str:
    return ", ".join(str(value) for value in init_args.values() if value is not None)


def _processes(workers: int) -> str:
    return "%d workers" % workers if workers else "1 process"


# --------------------------------------------------------------------------- one model on each runtime

# The inputs each stage's model is timed on: a page and a photo for the detector, a batch of short and of long
# lines for the recogniser, the classifier's batch, and the structure models' fixed inputs (their stages' sizes).
MODEL_INPUTS = {"det": [(1, 3, 960, 736), (1, 3, 640, 480)], "rec": [(6, 3, 48, 320), (6, 3, 48, 1200)],
                "cls": [(6, 3, 48, 192)], "layout": [(1, 3, 800, 608)], "table": [(1, 3, 488, 488)],
                "doc_ori": [(1, 3, 224, 224)]}
# Stages whose model takes one input shape: timed on no other.
FIXED_SHAPES = ("cls", "layout", "table", "doc_ori")


def _unseen(shape: tuple, step: int) -> tuple:
    """``shape`` widened by ``step`` sizes of 32 columns (and, for a detector, rows): a shape no runtime has run."""
    batch, channels, height, width = shape
    return (batch, channels, height + 32 * step if height > 48 else height, width + 32 * step)


def _timed(run: Callable[[], object], times: List[float]) -> None:
    start = time.perf_counter()
    run()
    times.append(1000 * (time.perf_counter() - start))


def run_models(init_args: dict, threads: int, repeats: int) -> None:
    """Each model ``init_args`` serve (the default pair, or a generation's) and the structure models, on Paddle
    Inference (oneDNN, folded and converted as served), ONNX Runtime (for an ONNX file) and OpenVINO in fp32, bf16
    where the CPU has bf16 units and INT8 where the model's INT8 version is prepared (``ocr_engine.prepare``), same
    input, same threads; prints each one's median and best of ``repeats`` runs on a shape it has run, and its
    median over 3 shapes it has not (kernels built for them included; not for a model of one input shape). The
    runtimes take turns in blocks of runs, not run by run: each runtime's threads keep spinning for a while after a
    run, which would slow the other's next run. A recogniser's time includes taking each column's best class and
    probability, all its decoder reads: from the probabilities, or from a graph that gives them."""
    from ocr_engine import PredictorOptions, merge_params, runtime_options
    from ocr_engine.runtime import MODELS, InputShapes, StageModel
    from ocr_engine.runtime.choice import this_machine
    from ocr_engine.runtime.inference import copied
    from ocr_engine.runtime.int8 import find_int8
    from ocr_engine.runtime.models import ModelChoice, bundled_path, stage_model_name
    from ocr_engine.stages.recognition import best_columns

    params = merge_params(init_args)

    def options(backend: str, precision: str) -> PredictorOptions:
        return runtime_options(merge_params({"cpu_threads": threads, "preload": False, "backend": backend,
                                             "precision": precision}))

    runtimes = {"paddle": options("paddle", "fp32"), "openvino": options("openvino", "fp32")}
    if this_machine().bf16_units:
        runtimes["openvino bf16"] = options("openvino", "bf16")
    runtimes["openvino int8"] = options("openvino", "int8")
    print("CPU: %s, %s bf16 units, %s INT8 units, %d threads" % (
        cpu_name(), "with" if this_machine().bf16_units else "without",
        "with" if this_machine().int8_units else "without", threads))
    print("model | input | %s | paddle / fastest openvino | new shapes: %s" % (
        " | ".join("%s ms" % name for name in ["paddle", "onnxruntime"] + list(runtimes)[1:]),
        " | ".join("%s ms" % name for name in runtimes)))
    print("(median (best) of %d runs; new shapes: the median of 3 first runs; int8 -: no INT8 version prepared)"
          % repeats)
    for stage, shapes in MODEL_INPUTS.items():
        model_name = stage_model_name(params, stage)
        choice = ModelChoice(model_name, params["model_cache_dir"], None)
        source = bundled_path(MODELS[model_name].files)
        ort_session = _ort_session(source, threads) if source.endswith(".onnx") else None
        # A recogniser's run is read as the service reads it: its best columns, taken from the runtime's memory.
        needed = best_columns if stage == "rec" else copied
        these = {name: runtime for name, runtime in runtimes.items()
                 if runtime.precision != "int8" or find_int8(model_name, params["model_cache_dir"])}
        for shape in shapes:
            fixed = InputShapes(min=shape, opt=shape, max=shape)
            models = {name: StageModel(choice, runtime, fixed) for name, runtime in these.items()}
            batch = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
            runs = {name: (lambda m=model, b=batch, n=needed: m.read(b, n)) for name, model in models.items()}
            if ort_session is not None:
                feed = {ort_session.get_inputs()[0].name: batch}
                names = [output.name for output in ort_session.get_outputs()]
                runs["onnxruntime"] = lambda f=feed, session=ort_session, n=needed, o=names: n(
                    dict(zip(o, session.run(None, f))))
            times: Dict[str, List[float]] = {name: [] for name in runs}
            for run in runs.values():
                run()  # the first run builds the predictor and its kernels; not timed
            for _ in range(2):
                for name, run in runs.items():
                    for _ in range((repeats + 1) // 2):
                        _timed(run, times[name])
            new: Dict[str, List[float]] = {name: [] for name in models}
            for step in () if stage in FIXED_SHAPES else (1, 2, 3):
                unseen = np.random.default_rng(step).uniform(-1, 1, _unseen(shape, step)).astype(np.float32)
                for name, model in models.items():
                    _timed(lambda m=model, b=unseen, n=needed: m.read(b, n), new[name])
            median = {name: float(np.median(t)) for name, t in times.items()}
            cells = ["%.0f (%.0f)" % (median[name], min(times[name])) if name in times else "-"
                     for name in ["paddle", "onnxruntime"] + list(runtimes)[1:]]
            fastest = min(median[name] for name in these if name != "paddle")
            print("%s | %s | %s | %.2fx | %s" % (
                model_name, "x".join(map(str, shape)), " | ".join(cells), median["paddle"] / fastest,
                " | ".join("%.0f" % float(np.median(new[name])) if new.get(name) else "-" for name in runtimes)))


def cpu_name() -> str:
    """The processor's model name, as /proc/cpuinfo gives it (elsewhere what platform says), for the figures it is
    printed beside."""
    import platform

    from ocr_engine.runtime.choice import cpuinfo_value

    return cpuinfo_value("model name") or platform.processor() or platform.machine()


def _ort_session(path: str, threads: int):
    import onnxruntime

    settings = onnxruntime.SessionOptions()
    settings.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(path, settings, providers=["CPUExecutionProvider"])


def run_pdf(init_args: dict, threads: int) -> None:
    """Per page of each test document (testkit.documents.sample_documents): the time to render it at pdf_dpi,
    to read it, and to answer it from its text layer instead, and how many of its words the reading got right
    (words as drawn, spaces included). In-process, the engine as served; each page is read once before it is
    timed, so that kernel building for its shapes is not counted."""
    from collections import Counter

    from ocr_engine import DEFAULTS, OCRSystem, merge_params, read_view
    from ocr_engine.serving.pdf import DocumentOptions, PdfInput
    from testkit.documents import sample_documents

    params = merge_params(dict({"cpu_threads": threads}, **init_args))
    ocr, options = OCRSystem.from_params(params), read_view(DocumentOptions, params)
    layer = DocumentOptions(options.pdf_dpi, True)
    photos = [os.path.join(REPO, "tests", "data", name) for name in ("french.jpg", "chinese.jpg")]
    print("pdf_dpi %d, %d threads" % (options.pdf_dpi, threads))
    print("document | page | pixels | render ms | OCR ms | text layer ms | words read right")
    for name, (raw, drawn) in sample_documents(photos).items():
        document = PdfInput(raw, name)
        start = time.perf_counter()
        pages = document.render(options, DEFAULTS["max_image_pixels"])
        render = 1000 * (time.perf_counter() - start) / len(pages)
        start = time.perf_counter()
        document.render(layer, DEFAULTS["max_image_pixels"])
        from_layer = 1000 * (time.perf_counter() - start) / len(pages)
        document.close()
        for number, (page, lines) in enumerate(zip(pages, drawn), 1):
            ocr([page.image])
            start = time.perf_counter()
            read = ocr([page.image])[0]
            seconds = 1000 * (time.perf_counter() - start)
            right = "-"
            if lines:
                want, got = Counter(" ".join(lines).split()), Counter(" ".join(x.text for x in read).split())
                right = "%.1f%%" % (100.0 * sum((want & got).values()) / sum(want.values()))
            print("%s | %d | %dx%d | %.0f | %.0f | %.0f | %s" % (name, number, page.image.shape[1],
                                                                 page.image.shape[0], render, seconds, from_layer,
                                                                 right))


# --------------------------------------------------------------------------- report


def print_table(tallies: Sequence[Tally]) -> None:
    header = ["contender", "images/s", "by round", "p50 ms", "p95 ms", "peak RSS MB", "RSS after each round, MB",
              "start to ready s", "RSS at ready MB", "first request ms (same image later)"]
    rows = [header] + [t.row() for t in tallies]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))


def print_ratios(reference: Tally, ours: Tally) -> None:
    ref_lat, our_lat = np.array(reference.latencies), np.array(ours.latencies)
    line = "%s against %s: throughput %.2fx (first round %.2fx), p50 latency %.2fx, agreement %.1f%% of %d " \
        "reference lines" % (
        ours.name,
        reference.name,
        (len(our_lat) / ours.wall) / (len(ref_lat) / reference.wall),
        ours.round_rates[0] / reference.round_rates[0],
        np.percentile(our_lat, 50) / np.percentile(ref_lat, 50),
        100 * agreement(reference.texts, ours.texts),
        sum(len(v) for v in reference.texts.values()),
    )
    if reference.peak_rss and ours.peak_rss:
        line += ", peak RSS %.2fx" % (ours.peak_rss / reference.peak_rss)
    print(line)


def main() -> None:
    default_images = os.path.join(os.path.dirname(REPO), "shared", "ocr-images")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", default=default_images if os.path.isdir(default_images) else None,
                        help="folder of images (default: ../shared/ocr-images, else the tests' generated images)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1, help="clients at once over HTTP")
    parser.add_argument("--mode", choices=["inprocess", "http", "both", "models", "pdf", "tables", "layout", "jobs",
                                           "stages"],
                        default="both",
                        help="models: each model of --init-args' ocr_version on Paddle, ONNX Runtime and OpenVINO; "
                             "stages: per stage, the model's time against the time around it "
                             "(tools/stage_benchmark.py); "
                             "pdf: render and OCR time per page of test documents, with --init-args' pdf_dpi; "
                             "tables: ours against upstream's ppstructure TableSystem, with TEDS; layout: "
                             "/layout-parsing per page (tools/structure_benchmark.py); jobs: pages a second through "
                             "the job API, and its cost beside synchronous requests (tools/job_benchmark.py)")
    parser.add_argument("--pages", type=int, default=100, help="--mode jobs: the document's pages")
    parser.add_argument("--no-mkldnn", dest="mkldnn", action="store_false", help="plain CPU kernels for both")
    parser.add_argument("--workers", type=int, default=0, help="ours over HTTP: gunicorn workers (0: one process)")
    parser.add_argument("--threads", type=int, default=0, help="ours: threads per predictor (default cores/workers)")
    parser.add_argument("--reference-workers", type=int, default=0, help="the reference's gunicorn workers")
    parser.add_argument("--init-args", default="{}", help='JSON init_args for ours, e.g. {"ocr_version": "PP-OCRv6"}')
    parser.add_argument("--baseline", default="upstream",
                        help="what ours is measured against over HTTP: upstream (PaddleOCR's pipeline, the default), "
                             "ours on a model generation, e.g. PP-OCRv4, or ours with other init_args, e.g. "
                             "'{\"backend\": \"paddle\"}'")
    parser.add_argument("--reference", choices=["hubserving", "paddlex"], default="hubserving",
                        help="paddlex: PaddleX 3.7.2's basic serving (PaddleOCR 3.x) against ours through /ocr, on "
                             "PP-OCRv4, with a differential check of both answers (builds .venv-paddlex once)")
    parser.add_argument("--paddlex-limit", type=int, default=0,
                        help="--reference paddlex: ask PaddleX for textDetLimitSideLen N with limit type max, as ours "
                             "resizes (default: PaddleX's own detection defaults)")
    parser.add_argument("--reference-threads", type=int, default=0,
                        help="the reference's cpu_threads (default: PaddleOCR's own default, 10)")
    args = parser.parse_args()

    if args.mode == "jobs":
        import job_benchmark

        print("CPU: %s, %d cores" % (cpu_name(), os.cpu_count() or 1))
        job_benchmark.run_jobs(args.pages)
        return
    if args.mode in ("tables", "layout"):
        import structure_benchmark

        print("CPU: %s, %d cores" % (cpu_name(), os.cpu_count() or 1))
        if args.mode == "tables":
            structure_benchmark.run_tables(json.loads(args.init_args), max(3, args.rounds), args.reference_threads)
        else:
            structure_benchmark.run_layout(json.loads(args.init_args), max(3, args.rounds))
        return
    if args.mode == "stages":
        import stage_benchmark

        print("CPU: %s, %d cores" % (cpu_name(), os.cpu_count() or 1))
        stage_benchmark.run_stages(load_images(args.images) if args.images else generated_images(),
                                   json.loads(args.init_args), args.rounds)
        return
    if args.mode == "pdf":
        run_pdf(json.loads(args.init_args), args.threads or os.cpu_count() or 1)
        return
    if args.mode == "models":
        run_models(json.loads(args.init_args), args.threads or os.cpu_count() or 1, max(2, args.rounds))
        return
    images = load_images(args.images) if args.images else generated_images()
    source = args.images or "the tests' generator"
    from ocr_engine.runtime.choice import this_machine

    print("%d images from %s, %d rounds, oneDNN %s, %d cores of %s, %s bf16 units" % (
        len(images), source, args.rounds, "on" if args.mkldnn else "off", os.cpu_count(), cpu_name(),
        "with" if this_machine().bf16_units else "without"))
    pairs = []
    if args.mode in ("inprocess", "both"):
        init_args = json.loads(args.init_args)
        pairs.append(run_inprocess(images, args.rounds, args.mkldnn, args.reference_threads, init_args))
    if args.mode in ("http", "both") and args.reference == "paddlex":
        pairs.append(run_paddlex(images, args.rounds, args.concurrency, args))
    elif args.mode in ("http", "both"):
        pairs.append(run_http(images, args.rounds, args.concurrency, args.mkldnn, args))
    print()
    print_table([t for pair in pairs for t in pair])
    print()
    for reference, ours in pairs:
        print_ratios(reference, ours)


if __name__ == "__main__":
    main()
