"""Every option of the engine and the service: one typed schema, the one place each option's kind, default, doc
line and allowed values are written (``OPTIONS``), and the one rule that reads a value (``Option.read``).

Names and values are PaddleOCR's, from its own hubserving modules. A module's ``params.py`` may change a value for
that module alone, and ``config.json``'s ``init_args`` override both (``merge_params``), which reads every value
at the edge: an unknown name, or a value of the wrong kind, stops start-up in a sentence, and every layer after
reads typed values. The rule is JSON's types, with no guessing: an integer option takes a JSON integer (not "16",
not 16.0, not true), a number option any JSON number, a boolean option true or false.

Options marked ``process`` belong to the whole serving process (the HTTP front): set them in any one module's
``init_args``, and the modules that leave them out take that value. ``docs/options.md``'s table is this schema
printed (``python -m ocr_engine.options``), and a unit test keeps the two the same.

Standard library only, so that the client and setup read it without paddle.
"""

import os
from dataclasses import dataclass, field, fields
from typing import Any, Dict, Mapping, Optional, Tuple, Type, TypeVar

KINDS = ("bool", "int", "float", "str", "shape", "labels", "strings")


def parse_shape(shape: Any) -> Tuple[int, int, int]:
    """Turn PaddleOCR's "3, 48, 320" (or a list) into a tuple of ints (channels, height, width)."""
    if isinstance(shape, str):
        shape = shape.split(",")
    values = tuple(int(v) for v in shape)
    if len(values) != 3 or min(values) < 1:
        raise ValueError("an image shape is three positive integers, channels, height, width; got %r" % (shape,))
    return values


@dataclass(frozen=True)
class Option:
    """One option: its name, kind (``KINDS``), default, one line saying what it does, and what it accepts."""

    name: str
    kind: str
    default: Any
    doc: str
    nullable: bool = False
    low: Optional[float] = None
    high: Optional[float] = None
    choices: Tuple[str, ...] = ()
    process: bool = False  # one value for the whole serving process
    shown_default: Optional[str] = None  # the table's default, where the value depends on the machine
    values: Optional[str] = None  # how errors name what it accepts, where the kind's words say too little

    def read(self, value: Any) -> Any:
        """``value`` as this option holds it (a shape as a tuple of ints, labels as a tuple of strings), or
        ValueError naming the option and what it accepts."""
        if value is None and (self.nullable or self.default is None):
            return None
        if self.kind == "bool" and isinstance(value, bool):
            return value
        if self.kind == "int" and isinstance(value, int) and not isinstance(value, bool) and self._within(value):
            return value
        if self.kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and self._within(value):
            return float(value)
        if self.kind == "str" and isinstance(value, str):
            if self.choices and value not in self.choices:
                raise ValueError("%s must be %s, not %r" % (self.name, _either(self.choices), value))
            return value
        if self.kind == "shape":
            return parse_shape(value)
        if self.kind == "labels" and isinstance(value, (list, tuple)) and value:
            return tuple(str(label) for label in value)
        if self.kind == "strings" and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ValueError("%s must be %s, got %r" % (self.name, self.accepts(), value))

    def _within(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def accepts(self) -> str:
        """What the option accepts, in words: "a positive integer", "a number from 0 to 1 or null"..."""
        if self.values:
            words = self.values
        elif self.kind == "bool":
            words = "true or false"
        elif self.kind == "int":
            named: Dict[Tuple[Optional[float], Optional[float]], str] = {
                (1, None): "a positive integer", (0, None): "a non-negative integer"}
            words = named.get(
                (self.low, self.high), "an integer from %s to %s" % (_num(self.low), _num(self.high)))
        elif self.kind == "float":
            words = ("a number from %s to %s" % (_num(self.low), _num(self.high)) if self.high is not None
                     else "a number of at least %s" % _num(self.low) if self.low is not None else "a number")
        elif self.kind == "str":
            words = _either(self.choices) if self.choices else "a string"
        else:
            words = {"labels": "a non-empty list", "strings": "a list of strings"}.get(
                self.kind, "three positive integers")
        return words + (" or null" if self.nullable or self.default is None else "")


def _either(choices: Tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]


def _num(value: Optional[float]) -> str:
    return "%g" % value if value is not None else "any"


OPTIONS: Tuple[Option, ...] = (
    # --- which models (ocr_engine.runtime.models): a bundled generation, PP-OCRv6 or PP-OCRv4, picks each stage's
    # model that its own name option leaves null. ocr_version PP-OCRv4 alone serves PP-OCRv4 at both stages.
    Option("ocr_version", "str", "PP-OCRv6",
           "the bundled generation, `PP-OCRv6` or `PP-OCRv4`: the model of each stage whose name below is null"),
    # Each stage's bundled model by PaddleOCR 3.x's name: PP-OCRv4_mobile_det or PP-OCRv6_small_det,
    # PP-OCRv4_mobile_rec or PP-OCRv6_small_rec; each carries its own input normalisation and character list.
    # The default pair, PP-OCRv4's detector with PP-OCRv6's recogniser, was chosen by measurement: the same word F1
    # as PP-OCRv6 at both stages (0.941 against 0.943 over the corpus and photos), Chinese character F1 as good or
    # better on every subset, and faster (docs/models.md).
    Option("text_detection_model_name", "str", "PP-OCRv4_mobile_det",
           "the bundled detector, `PP-OCRv4_mobile_det` or `PP-OCRv6_small_det`; null: `ocr_version`'s", nullable=True),
    Option("text_recognition_model_name", "str", None,
           "the bundled recogniser, `PP-OCRv4_mobile_rec` or `PP-OCRv6_small_rec`; null: `ocr_version`'s",
           nullable=True),
    # Where models that come as ONNX files (PP-OCRv6) are kept once converted; None: ~/.cache/paddleocr-hubserving/
    # models (XDG_CACHE_HOME honoured). A folder converted ahead (OCR_PREPARED_MODELS) is looked in first.
    Option("model_cache_dir", "str", None,
           "where models that come as ONNX files (PP-OCRv6) are kept once converted; null: "
           "`~/.cache/paddleocr-hubserving/models`; a folder converted ahead (`OCR_PREPARED_MODELS`) is looked in "
           "first",
           nullable=True),
    # Your own exported models, which win over the bundled ones; None: the bundled model named above
    Option("det_model_dir", "str", None,
           "your exported detector's folder, which wins over the bundled one", nullable=True),
    Option("rec_model_dir", "str", None,
           "your exported recogniser's folder, which wins over the bundled one", nullable=True),
    Option("cls_model_dir", "str", None,
           "your exported angle classifier's folder, which wins over the bundled one", nullable=True),
    Option("rec_char_dict_path", "str", None,
           "the recogniser's character list; null: its export's `inference.yml`, else the bundled model's",
           nullable=True),
    # --- how predictors run (ocr_engine.runtime.predictor.PredictorOptions, checked by its backend)
    # auto: the runtime measured fastest for each model with the same answers (ocr_engine.runtime.choice, where the
    # rule is written): OpenVINO on an x86 CPU, Paddle Inference on the GPU and for what OpenVINO cannot read.
    Option("backend", "str", "auto",
           "`auto` (each model on the runtime measured fastest for it: OpenVINO on x86 CPUs, Paddle Inference on the "
           "GPU and for PIR exports), `paddle` (Paddle Inference: CPU with oneDNN, GPU, TensorRT) or `openvino` (CPU "
           "only); see docs/models.md",
           choices=("auto", "paddle", "openvino")),
    Option("use_gpu", "bool", False, "run on the GPU (backend paddle)"),
    # None: the first GPU that CUDA_VISIBLE_DEVICES makes visible
    Option("gpu_id", "int", None,
           "GPU index among the visible ones; null: the first that `CUDA_VISIBLE_DEVICES` shows", nullable=True, low=0),
    # MB the GPU memory pool starts with
    Option("gpu_mem", "int", 500, "MB the GPU memory pool starts with", low=1),
    Option("use_tensorrt", "bool", False, "TensorRT subgraphs on the GPU, for `.pdmodel` programs"),
    # auto: the rule in runtime/choice.py (INT8 or bf16 where measured to read as fp32 does, docs/models.md)
    Option("precision", "str", "auto",
           "`auto` (on OpenVINO: INT8 for the models measured to pay where the CPU has VNNI or AMX-INT8 units, else "
           "bf16 where it has bf16 units, else fp32), `fp32`, `bf16` (OpenVINO, on CPUs with bf16 units), `int8` "
           "(OpenVINO, every bundled model's prepared INT8 version; or TensorRT), or `fp16` with TensorRT",
           choices=("auto", "fp32", "bf16", "fp16", "int8")),
    # oneDNN kernels, about 5x faster on x86 CPUs; paddle 3.3.1 cannot run PIR (.json) programs with them.
    Option("enable_mkldnn", "bool", True,
           "oneDNN kernels for models Paddle Inference runs on the CPU (about 5x faster than plain kernels on x86)"),
    # oneDNN compiles kernels per input shape and keeps them for this many shapes, shared by every predictor of a
    # thread. Recognition widths almost never repeat, so a larger cache mostly holds memory (about 30 MB a shape).
    Option("mkldnn_cache_capacity", "int", 2,
           "input shapes oneDNN keeps compiled kernels for, about 30 MB each", low=0),
    # backend openvino: entries of kernels kept for input shapes already seen (OpenVINO's CPU_RUNTIME_CACHE_CAPACITY),
    # an entry per layer and shape. Its own default, 5000, took a process past 2.3 GB over 175 different images; at
    # 200 the INT8 recogniser, with more layers, rebuilt its kernels on every batch and served slower than bf16
    # (0.87x); at 1000 it served at 1.02x bf16's throughput and 0.82x its p50 (docs/models.md, INT8).
    Option("openvino_cache_capacity", "int", 1000,
           "backend openvino: entries of kernels kept for input shapes already seen", low=0),
    Option("cpu_threads", "int", os.cpu_count() or 1,
           "threads per predictor (0 counts as 1)", low=0, shown_default="all cores"),
    # Fold PP-LCNetV3's scalar affine layers into the convolutions next to them (ocr_engine.runtime.folding): the
    # same function with fewer passes over memory, about 1.6x faster recognition and 1.3x detection on CPU.
    Option("fold_affine_blocks", "bool", True,
           "fold PP-LCNetV3's scalar affine layers into the convolutions next to them: the same function, fewer "
           "memory passes"),
    # Build predictors at start-up. Set false for gunicorn workers (use_multiprocess): the master process would
    # otherwise load every model, never run it, and fork it into each worker.
    Option("preload", "bool", True,
           "build and warm up predictors at start-up; false for gunicorn workers, so that the master holds no models"),
    # --- detection (DB)
    Option("det_limit_side_len", "int", 960,
           "the detector's resize: the long side at most (max) or the short side at least (min) this", low=1),
    # max: shrink the long side to the limit; min: grow the short side to it
    Option("det_limit_type", "str", "max",
           "`max`, `min` or `resize_long` (the long side exactly this)", choices=("max", "min", "resize_long")),
    Option("det_db_thresh", "float", 0.3, "DB's pixel threshold", low=0, high=1),
    Option("det_db_box_thresh", "float", 0.5, "DB's box score threshold", low=0, high=1),
    Option("det_db_unclip_ratio", "float", 1.6, "how much DB grows each box", low=0),
    Option("use_dilation", "bool", False, "dilate DB's map before boxes are found"),
    # fast | slow
    Option("det_db_score_mode", "str", "fast",
           "how DB scores a box: `fast` (its rectangle) or `slow` (its polygon)", choices=("fast", "slow")),
    Option("det_max_candidates", "int", 1000, "the most boxes DB considers in one image", low=1),
    # Images this many times longer than high (or high than long) are thin: banners, one-line crops. They are
    # detected at a scale set by their pixel count, so their text is not shrunk out of sight; images at most 64 px
    # high (or wide) get a margin first, since DB misses text cut tight at the border (stages/detection.py).
    Option("thin_image_detection", "bool", True,
           "detect thin images (banners, one-line crops) at a scale set by their pixel count, with a margin when at "
           "most 64 px high"),
    Option("thin_image_ratio", "float", 4.0,
           "how many times longer than high (or the reverse) an image is to count as thin", low=1),
    # --- angle classification (0 / 180 degrees)
    Option("use_angle_cls", "bool", True, "ocr_system turns upside-down lines before recognition"),
    Option("cls_image_shape", "shape", "3, 48, 192", "the angle classifier's input: channels, height, width"),
    Option("cls_batch_num", "int", 6, "lines per angle classifier batch", low=1),
    Option("cls_thresh", "float", 0.9,
           "the confidence above which a line classified as turned is turned", low=0, high=1),
    Option("label_list", "labels", ["0", "180"], "the angle classifier's labels"),
    # Lines more than twice as long as the classifier's input (at its height) are classified on three windows
    # along them instead of squeezed whole into it, which flips long lines upside down at random.
    Option("cls_long_line_windows", "bool", True,
           "classify a line more than twice the classifier's input long on three windows along it, not squeezed whole"),
    # --- recognition (CTC)
    Option("rec_image_shape", "shape", "3, 48, 320", "the recogniser's input: channels, height, width"),
    Option("rec_batch_num", "int", 6, "lines per recognition batch", low=1),
    # The widest input (pixels at the model's height) a full batch is padded to. Wider lines go in smaller
    # batches, so no batch is larger than the one run at start-up; a single line wider than rec_batch_num times
    # this is squeezed to fit.
    Option("rec_max_width", "int", 2304,
           "the widest input (px at the model's height) a full recognition batch is padded to", low=1),
    Option("use_space_char", "bool", True, "the recogniser reads spaces"),
    # --- the system pipeline
    Option("drop_score", "float", 0.5, "ocr_system leaves out lines read with less confidence", low=0, high=1),
    # Images at least this many times taller than wide are also read turned a quarter (see OCRSystem.__call__).
    Option("vertical_image_rotation", "bool", True,
           "ocr_system also reads a tall image turned a quarter, keeping the reading with more confidently read text"),
    Option("vertical_image_ratio", "float", 2.0,
           "how many times taller than wide an image is to be read turned too", low=1),
    # When the angle classifier turns most of an image's lines, the page is upside down: answer its lines in the
    # page's reading order rather than the image's.
    Option("turned_page_order", "bool", True,
           "when most of an image's lines were upside down, answer them in the upright page's reading order"),
    # --- document structure (ocr_engine.structure: the structure_* modules, /layout-parsing, /table-recognition)
    Option("layout_model_dir", "str", None,
           "your exported layout detector's folder (PicoDet, CDLA's 10 classes), which wins over the bundled one",
           nullable=True),
    Option("table_model_dir", "str", None,
           "your exported table structure model's folder (SLANet), which wins over the bundled SLANet_plus",
           nullable=True),
    Option("doc_orientation_model_dir", "str", None,
           "your exported page orientation classifier's folder (0/90/180/270), which wins over the bundled one",
           nullable=True),
    # PaddleOCR 2.x's ppstructure defaults for the layout detector.
    Option("layout_score_threshold", "float", 0.5, "the layout detector's region score threshold", low=0, high=1),
    Option("layout_nms_threshold", "float", 0.5,
           "the overlap above which two layout regions of one class are one", low=0, high=1),
    # Off by default, as in PaddleX's pipelines when a request leaves it null: a page turned a quarter is rare, and
    # the classifier costs a model run per page.
    Option("use_doc_orientation_classify", "bool", False,
           "turn each page upright (0, 90, 180 or 270 degrees) before reading it; `/ocr` and `/layout-parsing` "
           "requests may set it"),
    # --- what one request may hold (ocr_engine.serving.sent); a request over a limit is refused, naming it
    Option("max_images_per_request", "int", 16, "images in one request, each PDF page counting as one", low=1),
    # each image file, before base64
    Option("max_image_bytes", "int", 20 * 1024 * 1024,
           "bytes of each image file, checked from the base64 length before decoding", low=1),
    # Checked from the image's header before it is decoded: a small file cannot unpack into gigabytes.
    Option("max_image_pixels", "int", 64_000_000,
           "pixels of each image, checked from its header before decoding", low=1),
    # Every image and PDF page of one request together, counted from headers and page sizes before any is decoded
    # or rendered: what a request holds in memory at once. 16 phone photos of 12 megapixels fit (192 MP), 16 pages
    # of 64 MP (a small PDF of huge pages, about 3 GB decoded) do not.
    Option("max_request_pixels", "int", 200_000_000,
           "pixels of all the images and PDF pages of one request together, checked before any is decoded", low=1),
    # Seconds one request may run. A request still running then is stopped before its next model run and refused
    # in a sentence; gunicorn's worker timeout is raised above it, so that no worker is killed mid-request.
    Option("request_timeout", "int", 300,
           "seconds one request may run before it is stopped in a sentence; gunicorn's worker timeout is raised above "
           "it",
           low=1),
    # --- PDF documents (ocr_engine.serving.pdf), read by ocr_system and ocr_det page by page
    # Pages are rendered at this resolution (smaller only where a page would pass max_image_pixels); boxes are in
    # pixels of the page at this resolution. 200: the one of 72, 100, 144, 200 at which PP-OCRv4 kept 98-100% of
    # the words on every test document (A4 and Letter at 8-12 pt, a receipt, a slide); at 144 it glued words
    # together on some (docs/api.md, PDF documents).
    Option("pdf_dpi", "int", 200,
           "the resolution PDF pages are rendered at (ocr_system, ocr_det); boxes are in its pixels", low=1, high=1200),
    # Answer a page that holds text (a born-digital PDF) from that text instead of reading its image: confidence
    # 1.0 and "source": "pdf_text" on each box. A page without text, or mostly covered by images (a scan, even one
    # with an earlier OCR's text on it), is read as usual.
    Option("pdf_text_layer", "bool", False,
           "answer a page that holds text from that text (confidence 1.0, `\"source\": \"pdf_text\"`)"),
    # --- the HTTP front (ocr_engine.serving.front); one per serving process, so the same in every module that sets it
    # buffered: an event loop reads each request whole before a model thread sees it, so slow and stalled clients
    # cost a connection, not the service. paddlehub: PaddleHub's own servers (Flask's development server, gunicorn's
    # sync workers), which one stalled client per process blocks; kept to measure against (docs/api.md).
    Option("http_front", "str", "buffered",
           "`buffered`: the HTTP front reads each request whole before a model thread sees it; `paddlehub`: "
           "PaddleHub's own servers, to measure against",
           choices=("buffered", "paddlehub"), process=True),
    # Seconds a client may take over its request's headers, or stay silent inside its body, before it is answered
    # 408 and disconnected; an idle keep-alive connection is closed after as long.
    Option("client_timeout", "int", 30,
           "seconds a client may take over its headers, or stay silent in its body, before it gets 408",
           low=1, process=True),
    # After client_timeout, a body must have come at this many bytes a second on average (Apache mod_reqtimeout's
    # MinRate, whose default this is): a phone on 2G sends 10-20 times more, and a trickle of one byte every few
    # seconds, which held a connection for as long as it kept on, is cut within the grace.
    Option("min_body_rate", "int", 500,
           "bytes a second a request body must average once `client_timeout` has passed, else 408", low=1,
           process=True),
    # The largest request body, refused with 413 from its Content-Length before it is read (a chunked body as it
    # arrives): just above what max_images_per_request x max_image_bytes take in base64, 16 x 20 MiB x 4/3 = 447.4 MB.
    Option("max_request_bytes", "int", 448_000_000,
           "the largest request body; a larger Content-Length gets 413 before the body is read", low=1, process=True),
    # --- who may use the server (ocr_engine.serving.access): off by default, one set per serving process
    # Keys live in their own file, never in config.json (which ends up in version control); it is re-read when it
    # changes, so keys are added or revoked without a restart.
    Option("api_keys_file", "str", None,
           "a file of API keys, one per line; clients send `Authorization: Bearer KEY` (re-read when it changes); "
           "null: no keys", nullable=True, process=True),
    Option("cors_origins", "strings", [],
           "browser origins allowed to call the server (CORS), e.g. `[\"https://app.example.com\"]`", process=True),
    # Counted per serving process: each gunicorn worker counts its own. GETs (the demo's assets, probes) are free.
    Option("rate_limit_per_minute", "int", None,
           "POST requests one key (with keys off: one client address) may make per minute, per serving process; "
           "past it 429 with `Retry-After`; null: no limit", nullable=True, low=1, process=True),
    # --- the PaddleX serving API (POST /ocr, ocr_engine.serving.paddlex): whether an answer holds the drawn result
    # and the input as base64 JPEGs (ocrImage, inputImage) when the request leaves visualize null; PaddleX's default.
    Option("visualize", "bool", True,
           "whether `POST /ocr` answers hold `ocrImage` and `inputImage` when the request leaves `visualize` null"),
    # --- whole documents as jobs (ocr_engine.serving.jobs: PaddleOCR's official job API, /api/v2/ocr/jobs). The store
    # is a SQLite file and the jobs' files in this folder, relative to the server's working directory: every process
    # on the machine that names it shares its jobs and reads their pages.
    Option("jobs_dir", "str", "jobs",
           "the folder of the job store (a SQLite file) and the jobs' files; relative paths from the server's "
           "working directory", process=True),
    # Several machines share one store in PostgreSQL: jobs, pages, files and the links' secret. Its URL holds a
    # password, so the Kubernetes config takes it from a Secret (the JOBS_DATABASE_URL environment variable).
    Option("jobs_database", "str", None,
           "a PostgreSQL URL (`postgresql://user:password@host/db`) for a job store every replica shares, in place "
           "of `jobs_dir`'s SQLite; `env:NAME` reads it from that environment variable; null: `jobs_dir`",
           nullable=True, process=True),
    # A job's fileUrl is fetched only under these prefixes (the operator's own storage, say): a server that fetched
    # any URL would let a client make it reach inside its network.
    Option("job_fetch_prefixes", "strings", [],
           "URL prefixes a job's `fileUrl` may be fetched from (e.g. `[\"https://files.example.com/scans/\"]`); "
           "any other `fileUrl` gets 400", process=True),
    Option("job_max_pages", "int", 1000, "the most pages one job may read (the hosted API's limit)", low=1,
           process=True),
    Option("job_max_upload_bytes", "int", 50 * 1024 * 1024,
           "the largest file a job may be submitted with (the hosted API's 50 MB); larger gets 413", low=1,
           process=True),
    Option("job_retention_hours", "float", 24.0,
           "hours a job's status, result and files are kept after it ends; then they are deleted", low=0.001,
           process=True),
    Option("jobs_per_key", "int", 100,
           "jobs one key (with keys off: everyone) may have waiting or running at once; past it 429", low=1,
           process=True),
    # --- operating it (ocr_engine.serving.status): a port for /ready, /live and Prometheus /metrics, served by the
    # serving process (gunicorn's master), never a worker. None: no status server, no metrics. Set it in any module's
    # init_args, the same in each that sets it.
    Option("metrics_port", "int", None,
           "a port for `/ready`, `/live` and Prometheus `/metrics`, answered by the serving process; null: none",
           nullable=True, low=1, high=65535, process=True, values="a TCP port number (1-65535)"),
    # Loopback by default: /metrics names every key and counts every request, for the operator's eyes. In a
    # container or a pod, set 0.0.0.0 for the probes and Prometheus to reach it (the Kubernetes config does).
    Option("metrics_host", "str", "127.0.0.1",
           "the address the status port listens on; `0.0.0.0` where probes or Prometheus reach it from outside",
           process=True),
)
BY_NAME: Dict[str, Option] = {option.name: option for option in OPTIONS}
# The defaults as merge_params gives them (a shape as a tuple): what every layer reads when nothing is set.
DEFAULTS: Dict[str, Any] = {option.name: option.read(option.default) for option in OPTIONS}
PROCESS_OPTIONS: Tuple[str, ...] = tuple(option.name for option in OPTIONS if option.process)


def merge_params(*layers: Mapping[str, Any]) -> Dict[str, Any]:
    """Return ``DEFAULTS`` updated with each layer in turn (a module's params.py, then config.json's init_args),
    every value read by its option (``Option.read``).

    Raises ValueError naming every key that ``DEFAULTS`` does not know, with the known ones listed for the reader,
    or the first value an option does not accept.
    """
    unknown = sorted({key for layer in layers for key in layer} - set(DEFAULTS))
    if unknown:
        raise ValueError(
            "unknown option(s) %s; known options are: %s" % (", ".join(unknown), ", ".join(sorted(DEFAULTS)))
        )
    merged = dict(DEFAULTS)
    for layer in layers:
        merged.update(layer)
    return {name: BY_NAME[name].read(value) for name, value in merged.items()}


V = TypeVar("V")


def when(switch: str) -> Any:
    """A view's field that holds its option's value only while the boolean option ``switch`` is on, else None
    (``thin_image_ratio`` with ``thin_image_detection``)."""
    return field(metadata={"when": switch})


def read_view(view: Type[V], params: Mapping[str, Any], **given: Any) -> V:
    """The typed view ``view`` (a dataclass) of a merged params dict (``merge_params`` checked every value): each
    field takes the option of its name, or of its name after the view's ``OPTION_PREFIX`` where such an option
    exists (the classifier's ``thresh`` is ``cls_thresh``, its ``label_list`` itself); a field made with ``when``
    is None while its switch is off. ``given`` fills the fields no option holds (a model choice)."""
    prefix = getattr(view, "OPTION_PREFIX", "")
    values = dict(given)
    for item in fields(view):  # type: ignore[arg-type]
        if item.name in given or not item.init:
            continue
        name = prefix + item.name if prefix + item.name in BY_NAME else item.name
        if name not in BY_NAME:
            raise TypeError("%s.%s is no option: pass it to read_view" % (view.__name__, item.name))
        switch = item.metadata.get("when")
        values[item.name] = params[name] if switch is None or params[switch] else None
    return view(**values)


def markdown_table() -> str:
    """The options as docs/options.md's table: name, default, and the doc line with what it accepts."""
    rows = ["| option | default | meaning |", "| --- | --- | --- |"]
    for option in OPTIONS:
        if option.shown_default:
            default = option.shown_default
        elif option.default is None:
            default = "null"
        elif isinstance(option.default, bool):
            default = str(option.default).lower()
        elif isinstance(option.default, list):
            default = ", ".join(str(item) for item in option.default) or "[]"
        else:
            default = str(option.default)
        whole = " One value for the whole server." if option.process else ""
        rows.append("| `%s` | %s | %s (%s).%s |" % (option.name, default, option.doc, option.accepts(), whole))
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
