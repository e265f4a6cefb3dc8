"""Every option of the engine and the service, with its default: the one place a default is written.

Names and values are PaddleOCR's, from its own hubserving modules. A module's ``params.py`` may change a value for
that module alone, and ``config.json``'s ``init_args`` override both (``merge_params``). An unknown name is an
error, so a typo in a config file fails at start-up instead of being silently ignored.

The layer that uses an option reads it into a typed, frozen view with no defaults of its own:
``PredictorOptions`` (runtime), ``DetectorOptions``, ``ClassifierOptions``, ``RecognizerOptions`` (stages),
``PipelineOptions`` (pipeline) and ``InputLimits`` (serving).
"""

import os
from typing import Any, Dict, Mapping, Tuple

DEFAULTS: Dict[str, Any] = {
    # --- which models (ocr_engine.runtime.models): a bundled generation, PP-OCRv6 or PP-OCRv4, picks each stage's
    # model that its own name option leaves null. ocr_version PP-OCRv4 alone serves PP-OCRv4 at both stages.
    "ocr_version": "PP-OCRv6",
    # Each stage's bundled model by PaddleOCR 3.x's name: PP-OCRv4_mobile_det or PP-OCRv6_small_det,
    # PP-OCRv4_mobile_rec or PP-OCRv6_small_rec; each carries its own input normalisation and character list.
    # The default pair, PP-OCRv4's detector with PP-OCRv6's recogniser, was chosen by measurement: the same word F1
    # as PP-OCRv6 at both stages (0.941 against 0.943 over the corpus and photos), Chinese character F1 as good or
    # better on every subset, and faster (docs/models.md).
    "text_detection_model_name": "PP-OCRv4_mobile_det",
    "text_recognition_model_name": None,
    # Where models that come as ONNX files (PP-OCRv6) are kept once converted; None: ~/.cache/paddleocr-hubserving/
    # models (XDG_CACHE_HOME honoured). A folder converted ahead (OCR_PREPARED_MODELS) is looked in first.
    "model_cache_dir": None,
    # Your own exported models, which win over the bundled ones; None: the bundled model named above
    "det_model_dir": None,
    "rec_model_dir": None,
    "cls_model_dir": None,
    "rec_char_dict_path": None,
    # --- how predictors run (ocr_engine.runtime.predictor.PredictorOptions, checked by its backend)
    # paddle: Paddle Inference (CPU with oneDNN, GPU, TensorRT). openvino: OpenVINO on the CPU, 1.25-1.42x the
    # throughput there (docs/models.md, Runtimes); it reads .pdmodel and ONNX models, not PIR (.json) programs.
    "backend": "paddle",
    "use_gpu": False,
    "gpu_id": None,  # None: the first GPU that CUDA_VISIBLE_DEVICES makes visible
    "gpu_mem": 500,  # MB the GPU memory pool starts with
    "use_tensorrt": False,
    # fp32 | fp16 | int8 (TensorRT only) | bf16 (backend openvino, on CPUs with bf16 units; answers may change)
    "precision": "fp32",
    # oneDNN kernels, about 5x faster on x86 CPUs; paddle 3.3.1 cannot run PIR (.json) programs with them.
    "enable_mkldnn": True,
    # oneDNN compiles kernels per input shape and keeps them for this many shapes, shared by every predictor of a
    # thread. Recognition widths almost never repeat, so a larger cache mostly holds memory (about 30 MB a shape).
    "mkldnn_cache_capacity": 2,
    # backend openvino: entries of kernels kept for input shapes already seen (OpenVINO's CPU_RUNTIME_CACHE_CAPACITY).
    # Its own default, 5000, took a process past 2.3 GB over 175 different images; 200 stays under Paddle's memory
    # and keeps most of the speed (docs/models.md, Runtimes).
    "openvino_cache_capacity": 200,
    "cpu_threads": os.cpu_count() or 1,
    # Fold PP-LCNetV3's scalar affine layers into the convolutions next to them (ocr_engine.runtime.folding): the
    # same function with fewer passes over memory, about 1.6x faster recognition and 1.3x detection on CPU.
    "fold_affine_blocks": True,
    # Build predictors at start-up. Set false for gunicorn workers (use_multiprocess): the master process would
    # otherwise load every model, never run it, and fork it into each worker.
    "preload": True,
    # --- detection (DB)
    "det_limit_side_len": 960,
    "det_limit_type": "max",  # max: shrink the long side to the limit; min: grow the short side to it
    "det_db_thresh": 0.3,
    "det_db_box_thresh": 0.5,
    "det_db_unclip_ratio": 1.6,
    "use_dilation": False,
    "det_db_score_mode": "fast",  # fast | slow
    "det_max_candidates": 1000,
    # Images this many times longer than high (or high than long) are thin: banners, one-line crops. They are
    # detected at a scale set by their pixel count, so their text is not shrunk out of sight; images at most 64 px
    # high (or wide) get a margin first, since DB misses text cut tight at the border (stages/detection.py).
    "thin_image_detection": True,
    "thin_image_ratio": 4.0,
    # --- angle classification (0 / 180 degrees)
    "use_angle_cls": True,
    "cls_image_shape": "3, 48, 192",
    "cls_batch_num": 6,
    "cls_thresh": 0.9,
    "label_list": ["0", "180"],
    # Lines more than twice as long as the classifier's input (at its height) are classified on three windows
    # along them instead of squeezed whole into it, which flips long lines upside down at random.
    "cls_long_line_windows": True,
    # --- recognition (CTC)
    "rec_image_shape": "3, 48, 320",
    "rec_batch_num": 6,
    # The widest input (pixels at the model's height) a full batch is padded to. Wider lines go in smaller
    # batches, so no batch is larger than the one run at start-up; a single line wider than rec_batch_num times
    # this is squeezed to fit.
    "rec_max_width": 2304,
    "use_space_char": True,
    # --- the system pipeline
    "drop_score": 0.5,
    # Images at least this many times taller than wide are also read turned a quarter (see OCRSystem.__call__).
    "vertical_image_rotation": True,
    "vertical_image_ratio": 2.0,
    # When the angle classifier turns most of an image's lines, the page is upside down: answer its lines in the
    # page's reading order rather than the image's.
    "turned_page_order": True,
    # --- what one request may hold (ocr_engine.serving.request); a request over a limit is refused, naming it
    "max_images_per_request": 16,
    "max_image_bytes": 20 * 1024 * 1024,  # each image file, before base64
    # Checked from the image's header before it is decoded: a small file cannot unpack into gigabytes.
    "max_image_pixels": 64_000_000,
    # Seconds one request may run. A request still running then is stopped before its next model run and refused
    # in a sentence; gunicorn's worker timeout is raised above it, so that no worker is killed mid-request.
    "request_timeout": 300,
    # --- PDF documents (ocr_engine.serving.documents), read by ocr_system and ocr_det page by page
    # Pages are rendered at this resolution (smaller only where a page would pass max_image_pixels); boxes are in
    # pixels of the page at this resolution. 200: the one of 72, 100, 144, 200 at which PP-OCRv4 kept 98-100% of
    # the words on every test document (A4 and Letter at 8-12 pt, a receipt, a slide); at 144 it glued words
    # together on some (docs/api.md, PDF documents).
    "pdf_dpi": 200,
    # Answer a page that holds text (a born-digital PDF) from that text instead of reading its image: confidence
    # 1.0 and "source": "pdf_text" on each box. A page without text, or mostly covered by images (a scan, even one
    # with an earlier OCR's text on it), is read as usual.
    "pdf_text_layer": False,
    # --- the HTTP front (ocr_engine.serving.front); one per serving process, so the same in every module that sets it
    # buffered: an event loop reads each request whole before a model thread sees it, so slow and stalled clients
    # cost a connection, not the service. paddlehub: PaddleHub's own servers (Flask's development server, gunicorn's
    # sync workers), which one stalled client per process blocks; kept to measure against (docs/api.md).
    "http_front": "buffered",
    # Seconds a client may take over its request's headers, or stay silent inside its body, before it is answered
    # 408 and disconnected; an idle keep-alive connection is closed after as long.
    "client_timeout": 30,
    # The largest request body, refused with 413 from its Content-Length before it is read (a chunked body as it
    # arrives): just above what max_images_per_request x max_image_bytes take in base64, 16 x 20 MiB x 4/3 = 447.4 MB.
    "max_request_bytes": 448_000_000,
    # --- the PaddleX serving API (POST /ocr, ocr_engine.serving.paddlex): whether an answer holds the drawn result
    # and the input as base64 JPEGs (ocrImage, inputImage) when the request leaves visualize null; PaddleX's default.
    "visualize": True,
    # --- operating it (ocr_engine.serving.status): a port for /ready, /live and Prometheus /metrics, served by the
    # serving process (gunicorn's master), never a worker. None: no status server, no metrics. Set it in any module's
    # init_args, the same in each that sets it.
    "metrics_port": None,
}


def merge_params(*layers: Mapping[str, Any]) -> Dict[str, Any]:
    """Return ``DEFAULTS`` updated with each layer in turn (a module's params.py, then config.json's init_args).

    Raises ValueError naming every key that ``DEFAULTS`` does not know, with the known ones listed for the reader.
    """
    unknown = sorted({key for layer in layers for key in layer} - set(DEFAULTS))
    if unknown:
        raise ValueError(
            "unknown option(s) %s; known options are: %s" % (", ".join(unknown), ", ".join(sorted(DEFAULTS)))
        )
    merged = dict(DEFAULTS)
    for layer in layers:
        merged.update(layer)
    return merged


def parse_shape(shape: Any) -> Tuple[int, int, int]:
    """Turn PaddleOCR's "3, 48, 320" (or a list) into a tuple of ints (channels, height, width)."""
    if isinstance(shape, str):
        shape = shape.split(",")
    values = tuple(int(v) for v in shape)
    if len(values) != 3 or min(values) < 1:
        raise ValueError("an image shape is three positive integers, channels, height, width; got %r" % (shape,))
    return values
