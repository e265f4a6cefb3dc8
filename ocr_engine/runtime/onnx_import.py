"""ONNX model files into Paddle Inference models, once per file: rewritten for oneDNN (``onnx_rewrite``),
converted with X2Paddle, and cached by the ONNX file's SHA-256 and the rewrites' version.

The PP-OCRv6 models come as ONNX files inside the rapidocr wheel. Nothing is downloaded: conversion runs on the
file the wheel installed, the first time a process needs it, under a file lock so that gunicorn workers starting
together convert it once, or ahead of time into a prepared folder (``prepare``, what the container image does).
A recogniser's character list, kept in the ONNX metadata, is written into the cache once
(``onnx_character_file``), without conversion, for either backend.
"""

import fcntl
import functools
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from typing import List, Optional

from .onnx_rewrite import REWRITE_VERSION, rewrite_for_onednn
from .predictor import OUTPUT_NAMES_FILE

log = logging.getLogger(__name__)

# What a converted folder holds once complete; written last, so a folder without it is an interrupted conversion.
_DONE = "converted.ok"


# A folder of models converted ahead of time (``python -m ocr_engine.prepare``): the container image
# converts at build time and sets this, so that it serves from a read-only folder and converts nothing at start.
PREPARED_MODELS_ENV = "OCR_PREPARED_MODELS"


def default_cache_dir() -> str:
    """Where converted models are kept when ``model_cache_dir`` is not set: the user's cache folder."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "paddleocr-hubserving", "models")


def writable_cache_dir(cache_dir: Optional[str] = None) -> str:
    """``cache_dir`` (None: ``default_cache_dir()``) as an absolute path; where new conversions are written."""
    return os.path.abspath(os.path.expanduser(cache_dir or default_cache_dir()))


def search_dirs(cache_dir: Optional[str] = None) -> List[str]:
    """Where a finished conversion is looked for, first found first: the prepared folder (``OCR_PREPARED_MODELS``)
    when set, then the cache folder."""
    prepared = os.environ.get(PREPARED_MODELS_ENV)
    return ([os.path.abspath(prepared)] if prepared else []) + [writable_cache_dir(cache_dir)]


def file_sha256(path: str) -> str:
    """The file's SHA-256, hashed once per process for an unchanged file (each stage that resolves a model asks)."""
    stat = os.stat(path)
    return _sha256(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _hashed_stem(onnx_path: str) -> str:
    """``onnx_path``'s stem and the start of its content hash: what its cached files are named by."""
    return "%s-%s" % (os.path.splitext(os.path.basename(onnx_path))[0], file_sha256(onnx_path)[:16])


def converted_name(onnx_path: str) -> str:
    """The folder name of ``onnx_path``'s conversion: its hashed stem and the rewrites' version."""
    return "%s-r%d" % (_hashed_stem(onnx_path), REWRITE_VERSION)


def _found(name: str, cache_dir: Optional[str], marker: str = "") -> Optional[str]:
    """``name`` in the first of ``search_dirs`` that holds it (with ``marker`` inside it, for a folder), or None."""
    for folder in search_dirs(cache_dir):
        path = os.path.join(folder, name)
        if os.path.isfile(os.path.join(path, marker) if marker else path):
            return path
    return None


def paddle_model_dir(onnx_path: str, cache_dir: Optional[str] = None) -> str:
    """Return a folder holding ``model.json`` + ``model.pdiparams`` converted from ``onnx_path``: a finished one
    found in ``search_dirs``, else one converted now into the cache folder. Nothing is written when one is found."""
    name = converted_name(onnx_path)
    found = _found(name, cache_dir, _DONE)
    if found:
        return found
    cache_dir = writable_cache_dir(cache_dir)
    os.makedirs(cache_dir, exist_ok=True)
    target = os.path.join(cache_dir, name)
    with open(target + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isfile(os.path.join(target, _DONE)):  # another process may have finished meanwhile
            _convert(onnx_path, target)
    return target


def _convert(onnx_path: str, target: str) -> None:
    import onnx

    log.info("converting %s to a Paddle model in %s (once)", onnx_path, target)
    work = tempfile.mkdtemp(prefix=".convert-", dir=os.path.dirname(target))
    try:
        model = onnx.load(onnx_path)
        changed = rewrite_for_onednn(model)
        log.info("rewrote %s for oneDNN: %s", os.path.basename(onnx_path), changed)
        rewritten = os.path.join(work, "rewritten.onnx")
        onnx.save(model, rewritten)
        # X2Paddle in its own process: it switches paddle into static mode and prints a great deal.
        result = subprocess.run(
            [sys.executable, "-m", "x2paddle.convert", "--framework=onnx", "--model=" + rewritten,
             "--save_dir=" + os.path.join(work, "x2paddle")],
            capture_output=True, text=True, timeout=1800,
        )
        exported = os.path.join(work, "x2paddle", "inference_model")
        if result.returncode != 0 or not os.path.isfile(os.path.join(exported, "model.json")):
            tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
            raise RuntimeError("converting %s failed: %s" % (onnx_path, " | ".join(tail)))
        with open(os.path.join(exported, OUTPUT_NAMES_FILE), "w", encoding="utf-8") as names:
            names.write("".join(output.name + "\n" for output in model.graph.output))
        open(os.path.join(exported, _DONE), "w").close()
        if os.path.isdir(target):
            shutil.rmtree(target)  # an interrupted earlier conversion
        os.rename(exported, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def onnx_character_file(onnx_path: str, cache_dir: Optional[str] = None) -> str:
    """The recogniser's character list carried in ``onnx_path``'s metadata, as a file: one found in
    ``search_dirs``, else written once into the cache folder. Needs no conversion, so both backends read it."""
    import onnx

    from .export_config import character_file

    # Named by the ONNX file's hash, so that a later start finds it without loading the model again.
    name = _hashed_stem(onnx_path) + "-keys.txt"
    found = _found(name, cache_dir)
    if found:
        return found
    keys = _character_list(onnx.load(onnx_path))
    if keys is None:
        raise ValueError("%s carries no character list (metadata key 'character'): set rec_char_dict_path" % onnx_path)
    return character_file(keys, writable_cache_dir(cache_dir), name)


def _character_list(model) -> Optional[list]:
    """The recogniser's characters from the ONNX metadata key ``character`` (one per line), or None."""
    for prop in model.metadata_props:
        if prop.key == "character":
            return prop.value.splitlines()
    return None
