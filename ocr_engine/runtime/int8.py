"""The bundled models in INT8: quantised by NNCF's post-training quantisation, ahead of time (``prepare``, which the
container image and ``make install`` run), never at start-up, and found here by name when a model runs in INT8.

An INT8 model is an OpenVINO IR file (``.xml`` with its ``.bin``), named by its source model's content hash and
``QUANTISATION_VERSION``, in the prepared folder (``OCR_PREPARED_MODELS``) or the model cache, as conversions are
(``onnx_import``). Quantising needs calibration inputs, the batches the engine feeds the model on images the
project renders (``ocr_engine.calibration``); nothing here renders or runs the pipeline.
"""

import logging
import os
import shutil
import tempfile
import time
from typing import Optional, Sequence

import numpy as np

from .models import MODELS, bundled_path, first_program
from .onnx_import import file_sha256, search_dirs, writable_cache_dir
from .tasks import TABLE_STRUCTURE, TEXT_RECOGNITION

log = logging.getLogger(__name__)

# Raised when how models are quantised changes (settings, calibration), so that older INT8 files are not used.
QUANTISATION_VERSION = 3
# Models with attention blocks (SVTR's mixing blocks in the recognisers, SLANet's decoder) are quantised as NNCF's
# transformer type, which keeps the attention's softmax and normalisations out of INT8: quantised as plain CNNs,
# PP-OCRv6's recogniser read only 28% of held-out lines as fp32 did.
TRANSFORMERS = frozenset({TEXT_RECOGNITION, TABLE_STRUCTURE})
# Layers kept in floating point, by model (OpenVINO's names for them): in PP-OCRv6's recogniser, the first
# convolution (raw pixels in), the squeeze-and-excitation convolutions, and the head (the neck's last convolutions
# and the 18710-class projection). Quantised, they moved 15 of 266 held-out lines from fp32's reading; kept, 7
# (bf16: 3).
KEPT_IN_FLOAT = {
    "PP-OCRv6_small_rec": tuple("Conv.%d" % i for i in (0, 6, 7, 20, 21, 28, 29, 36, 37, 47, 48, 55, 56))
    + ("MatMul.12",),
}


def source_program(name: str) -> str:
    """The file OpenVINO reads for bundled model ``name``: its ONNX file, or the program of its Paddle folder."""
    path = bundled_path(MODELS[name].files)
    program = path if path.endswith(".onnx") else first_program(path, "openvino")
    if program is None:
        raise FileNotFoundError("bundled model %s has no program OpenVINO reads in %s" % (name, path))
    return program


def int8_file_name(name: str) -> str:
    """The file name of bundled model ``name``'s INT8 version: its name, the hash of its program and weights, and
    the quantisation's version."""
    program = source_program(name)
    digest = file_sha256(program)[:12]
    weights = os.path.splitext(program)[0] + ".pdiparams"
    if os.path.isfile(weights):
        digest += file_sha256(weights)[:12]
    return "%s-%s-int8-q%d.xml" % (name, digest, QUANTISATION_VERSION)


def find_int8(name: str, cache_dir: Optional[str] = None) -> Optional[str]:
    """The INT8 file of bundled model ``name`` in the first of ``search_dirs`` that holds it, or None."""
    if name not in MODELS:
        return None
    file_name = int8_file_name(name)
    for folder in search_dirs(cache_dir):
        path = os.path.join(folder, file_name)
        if os.path.isfile(path) and os.path.isfile(path[:-len(".xml")] + ".bin"):
            return path
    return None


def int8_missing(name: str, cache_dir: Optional[str] = None) -> str:
    """Why bundled model ``name`` has no INT8 file, in a sentence: where it was looked for, and what makes it."""
    return ("bundled model %s has no INT8 version in %s: make it with `python -m ocr_engine.prepare FOLDER` "
            "(`make install` does, into the model cache)" % (name, " or ".join(search_dirs(cache_dir))))


def quantize(name: str, batches: Sequence[np.ndarray], folder: Optional[str] = None) -> str:
    """Quantise bundled model ``name`` to INT8 with NNCF on ``batches`` (float32 NCHW, what the engine feeds it) and
    write it into ``folder`` (None: the model cache), unless it is there already. Returns the file's path."""
    folder = writable_cache_dir(folder)
    target = os.path.join(folder, int8_file_name(name))
    if os.path.isfile(target):
        return target
    import nncf
    import openvino

    start = time.perf_counter()
    model = openvino.Core().read_model(source_program(name))
    settings = {"model_type": nncf.ModelType.TRANSFORMER} if MODELS[name].task in TRANSFORMERS else {}
    if name in KEPT_IN_FLOAT:
        settings["ignored_scope"] = nncf.IgnoredScope(names=list(KEPT_IN_FLOAT[name]))
    quantised = nncf.quantize(model, nncf.Dataset(list(batches)), subset_size=len(batches), **settings)
    os.makedirs(folder, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".int8-", dir=folder)
    try:
        # Weights kept as they are quantised: compress_to_fp16 would round the float ones that remain.
        openvino.save_model(quantised, os.path.join(work, "model.xml"), compress_to_fp16=False)
        os.replace(os.path.join(work, "model.bin"), target[:-len(".xml")] + ".bin")
        os.replace(os.path.join(work, "model.xml"), target)  # last: an .xml is a finished quantisation
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("quantised %s to INT8 on %d batches in %.0f s: %s", name, len(batches), time.perf_counter() - start,
             target)
    return target
