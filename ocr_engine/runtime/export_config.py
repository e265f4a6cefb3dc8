"""What an official PaddleOCR export says about its own model, in the ``inference.yml`` beside the program:
the detector's input normalisation and the recogniser's character list. With it, a downloaded model (PP-OCRv5,
PP-OCRv6, ...) needs no hand-written settings.

The file is PaddleOCR's ``dump_infer_config``: ``PreProcess.transform_ops`` is the evaluation transforms, a list
of one-key mappings such as ``{"NormalizeImage": {"mean": [...], "std": [...], "scale": "1./255."}}``, and
``PostProcess`` holds ``character_dict``, the recogniser's characters in class order.
"""

import hashlib
import os
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

CONFIG_FILE = "inference.yml"


class ExportConfigError(ValueError):
    """An inference.yml that cannot be read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ExportConfig:
    """The parts of an inference.yml the engine uses; None where the file does not say."""

    mean: Optional[Tuple[float, float, float]]
    std: Optional[Tuple[float, float, float]]
    characters: Optional[Tuple[str, ...]]


def read_export_config(model_dir: Optional[str]) -> Optional[ExportConfig]:
    """The export config of the model in ``model_dir``, or None when the folder has no inference.yml."""
    if not model_dir:
        return None
    path = os.path.join(os.path.abspath(os.path.expanduser(model_dir)), CONFIG_FILE)
    if not os.path.isfile(path):
        return None
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            config = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ExportConfigError("%s cannot be read: %s" % (path, str(err).splitlines()[0])) from None
    normalise = _transform(config, "NormalizeImage") or {}
    characters = (config.get("PostProcess") or {}).get("character_dict")
    if characters is not None and not (isinstance(characters, list) and all(isinstance(c, str) for c in characters)):
        raise ExportConfigError("%s: PostProcess.character_dict is not a list of characters" % path)
    return ExportConfig(
        mean=_triple(path, normalise, "mean"),
        std=_triple(path, normalise, "std"),
        characters=tuple(characters) if characters else None,
    )


def character_file(characters: Sequence[str], cache_dir: str, name: Optional[str] = None) -> str:
    """A character list as the file the CTC decoder reads (one per line), written once into ``cache_dir`` as
    ``name`` (default: named by the list's SHA-256)."""
    text = "\n".join(characters) + "\n"
    path = os.path.join(cache_dir, name or "keys-%s.txt" % hashlib.sha256(text.encode("utf-8")).hexdigest()[:16])
    if not os.path.isfile(path):
        os.makedirs(cache_dir, exist_ok=True)
        partial = "%s.%d" % (path, os.getpid())
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(partial, path)
    return path


def _transform(config: dict, name: str) -> Optional[dict]:
    for op in (config.get("PreProcess") or {}).get("transform_ops") or []:
        if isinstance(op, dict) and name in op:
            return op[name] or {}
    return None


def _triple(path: str, settings: dict, key: str) -> Optional[Tuple[float, float, float]]:
    value: Any = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 3:
        raise ExportConfigError("%s: NormalizeImage.%s is not three numbers: %r" % (path, key, value))
    scale = settings.get("scale", "1./255.")
    if str(scale).replace(" ", "") not in ("1./255.", "1/255", "0.00392156862745098", "1.0/255.0"):
        # The engine scales pixels to 0-1 before normalising; another scale would need its own arithmetic.
        raise ExportConfigError("%s: NormalizeImage.scale %r is not 1/255" % (path, scale))
    return tuple(float(v) for v in value)  # type: ignore[return-value]
