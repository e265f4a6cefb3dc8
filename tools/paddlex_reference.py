"""PaddleX 3.7.2's own basic serving (``paddlex --serve``, PaddleOCR 3.x's server) on this package's bundled
PP-OCRv4 models, for tools/benchmark.py --reference paddlex: the same images to PaddleX's /ocr and ours, side by
side in one run, and a differential check of what each answers.

PaddleX lives in a venv of its own (``.venv-paddlex``, built on first use, about 1.5 GB): it needs paddleocr-free
paddlex with its OCR and serving extras. Two things make it run here:
- each model folder gets the ``inference.yml`` PaddleX reads a model by (``write_model_folder``);
- paddle 3.3.1's oneDNN fails PaddleX's first prediction (``ConvertPirAttribute2RuntimeAttribute not support``), so
  it runs with ``PADDLE_PDX_ENABLE_MKLDNN_BYDEFAULT=False``: plain CPU kernels, the one way it answers.
No model is downloaded: the pipeline config names local folders, and the document preprocessor is off.
"""

import os
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

from testkit.server import REPO, free_port, get_text

VENV = os.path.join(REPO, ".venv-paddlex")
REQUIREMENTS = ["paddlex[ocr-core,serving]==3.7.2", "paddlepaddle==3.3.1"]
# PaddleX's OCR pipeline defaults for detection (configs/pipelines/OCR.yaml), kept as they ship.
DETECTION = {"limit_side_len": 64, "limit_type": "min", "max_side_limit": 4000, "thresh": 0.3, "box_thresh": 0.6,
             "unclip_ratio": 1.5}


def ensure_venv() -> str:
    """The Python of PaddleX's venv, built with ``REQUIREMENTS`` when it is not there yet."""
    python = os.path.join(VENV, "bin", "python")
    marker = os.path.join(VENV, ".installed")
    if not os.path.exists(marker):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q"] + REQUIREMENTS, check=True)
        open(marker, "w").close()
    return python


def _yaml(value: Any, indent: int = 0) -> str:
    """Enough YAML for a model's inference.yml and a pipeline config: dicts, lists, scalars (JSON is YAML)."""
    import json

    pad = "  " * indent
    if isinstance(value, dict):
        return "".join("%s%s:%s" % (pad, key, ("\n" + _yaml(item, indent + 1)) if isinstance(item, (dict, list))
                                     and item else " %s\n" % json.dumps(item, ensure_ascii=False))
                       for key, item in value.items())
    return "".join("%s- %s\n" % (pad, json.dumps(item, ensure_ascii=False)) for item in value)


def write_model_folder(folder: str, name: str, stage: str) -> str:
    """A folder PaddleX can load the bundled model ``name`` (PP-OCRv4_mobile_det or _rec) from: its program and
    weights linked in, and an ``inference.yml`` naming the model, its pre- and post-processing as PaddleOCR exports
    write them, and (recogniser) its character list."""
    from ocr_engine.runtime.models import bundled_model, resolve_model_dir
    from ocr_engine.stages.recognition import character_list_file

    model = bundled_model(name, stage)
    source = resolve_model_dir(name)
    os.makedirs(folder, exist_ok=True)
    for file in os.listdir(source):
        target = os.path.join(folder, file)
        if not os.path.exists(target):
            os.symlink(os.path.join(source, file), target)
    if stage == "det":
        config = {
            "Global": {"model_name": name},
            "PreProcess": {"transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"DetResizeForTest": None},
                {"NormalizeImage": {"mean": list(model.mean), "std": list(model.std), "scale": 1 / 255,
                                    "order": "hwc"}},
                {"ToCHWImage": None},
                {"KeepKeys": {"keep_keys": ["image", "shape"]}},
            ]},
            "PostProcess": {"name": "DBPostProcess", "thresh": 0.3, "box_thresh": 0.6, "max_candidates": 1000,
                            "unclip_ratio": 1.5},
        }
    else:
        with open(character_list_file(None, name), encoding="utf-8") as handle:
            characters = [line.rstrip("\r\n") for line in handle]
        config = {
            "Global": {"model_name": name},
            "PreProcess": {"transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"RecResizeImg": {"image_shape": [3, 48, 320]}},
                {"KeepKeys": {"keep_keys": ["image"]}},
            ]},
            "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
        }
    with open(os.path.join(folder, "inference.yml"), "w", encoding="utf-8") as handle:
        handle.write(_yaml(config))
    return folder


def write_pipeline(workdir: str) -> str:
    """PaddleX's OCR pipeline config on the bundled PP-OCRv4 detector and recogniser: no document preprocessing,
    no text-line orientation model (PaddleX's is another network than this package's classifier, so the
    benchmark turns ours off too), PaddleX's own detection defaults."""
    config = {
        "pipeline_name": "OCR",
        "text_type": "general",
        "use_doc_preprocessor": False,
        "use_textline_orientation": False,
        "SubModules": {
            "TextDetection": dict({"module_name": "text_detection", "model_name": "PP-OCRv4_mobile_det",
                                   "model_dir": write_model_folder(os.path.join(workdir, "det"),
                                                                   "PP-OCRv4_mobile_det", "det")}, **DETECTION),
            "TextRecognition": {"module_name": "text_recognition", "model_name": "PP-OCRv4_mobile_rec",
                                "model_dir": write_model_folder(os.path.join(workdir, "rec"), "PP-OCRv4_mobile_rec",
                                                                "rec"),
                                "batch_size": 6, "score_thresh": 0.0},
        },
    }
    path = os.path.join(workdir, "OCR.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(_yaml(config))
    return path


class PaddleXServer:
    """``paddlex --serve --pipeline OCR.yaml`` on a free port; a ``with`` block waits for /health and stops it."""

    def __init__(self, workdir: str, threads: int):
        ensure_venv()
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(workdir, "paddlex.log")
        env = dict(os.environ, PADDLE_PDX_ENABLE_MKLDNN_BYDEFAULT="False", PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK="True",
                   OMP_NUM_THREADS=str(threads), PADDLE_PDX_CPU_NUM_THREADS=str(threads), PYTHONUNBUFFERED="1")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [os.path.join(VENV, "bin", "paddlex"), "--serve", "--pipeline", write_pipeline(workdir), "--port",
                 str(self.port), "--host", "127.0.0.1"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def __enter__(self) -> "PaddleXServer":
        deadline = time.time() + 600
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("paddlex exited:\n" + self.log()[-3000:])
            if get_text(self.url + "/health", timeout=2)[0] == 200:
                return self
            time.sleep(1)
        self.stop()
        raise RuntimeError("paddlex did not answer /health in 600 s:\n" + self.log()[-3000:])

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def rss(self) -> float:
        from testkit.server import process_tree_rss

        return process_tree_rss(self.process.pid)

    def stop(self) -> None:
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def shape_of(value: Any) -> Any:
    """A value's type and shape, not its content: "int", "float", "str", [shape of items...] for a list (one
    entry per distinct item shape), {key: shape} for a dict. Two answers with the same fields, types and nesting
    have the same shape."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"  # JSON has one number type; PaddleX writes 0.5 and 1 alike
    if isinstance(value, str):
        return "str"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return {key: shape_of(item) for key, item in sorted(value.items())}
    shapes: List[Any] = []
    for item in value:
        shape = shape_of(item)
        if shape not in shapes:
            shapes.append(shape)
    return shapes


def differences(theirs: Dict[str, Any], ours: Dict[str, Any], path: str = "") -> List[str]:
    """Where two ``prunedResult`` shapes (``shape_of``) differ: a field one lacks, or a type or nesting that
    differs. Empty when they agree; list shapes that are empty on one side agree with any."""
    found = []
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for key in sorted(set(theirs) | set(ours)):
            if key not in ours:
                found.append("%s%s: only PaddleX has it" % (path, key))
            elif key not in theirs:
                found.append("%s%s: only ours has it" % (path, key))
            else:
                found.extend(differences(theirs[key], ours[key], "%s%s." % (path, key)))
    elif isinstance(theirs, list) and isinstance(ours, list):
        if theirs and ours and theirs != ours:
            for a, b in zip(theirs, ours):
                found.extend(differences(a, b, path + "[]."))
    elif theirs != ours:
        found.append("%s: PaddleX %s, ours %s" % (path.rstrip("."), theirs, ours))
    return found


def reference_body(file_b64: str, limit_side_len: Optional[int] = None, **extra: Any) -> dict:
    """The request both servers get: an image, no visualisation, no text-line orientation (PaddleX's pipeline here
    has none), ``extra`` fields, and optionally PaddleX asked for ours' detection resize (limit_side_len, max)."""
    body = dict({"file": file_b64, "fileType": 1, "visualize": False, "useTextlineOrientation": False}, **extra)
    if limit_side_len:
        body.update(textDetLimitSideLen=limit_side_len, textDetLimitType="max")
    return body


def compare_answers(theirs: Dict[str, dict], ours: Dict[str, dict], names: Dict[str, str]) -> str:
    """The differential check's report over every image both answered (answers by image key, ``names`` naming
    the keys): differences of the envelope's, ``ocrResults``' and ``dataInfo``'s fields, of each ``prunedResult``
    field's type and nesting (``differences``), the images whose ``dataInfo`` or texts differ, and how many lines
    of PaddleX's ours read alike."""
    found: Dict[str, List[str]] = {}
    same_texts, same_lines, lines = [], 0, 0
    for key in sorted(set(theirs) & set(ours)):
        a, b = theirs[key], ours[key]
        name = names.get(key, key)
        pairs = [(shape_of({k: v for k, v in a.items() if k != "result"}),
                  shape_of({k: v for k, v in b.items() if k != "result"}), "envelope."),
                 (shape_of(a["result"]["dataInfo"]), shape_of(b["result"]["dataInfo"]), "dataInfo."),
                 (shape_of(a["result"]["ocrResults"][0]), shape_of(b["result"]["ocrResults"][0]), "ocrResults[].")]
        for mine, yours, where in pairs:
            for difference in differences(mine, yours, where):
                found.setdefault(difference, []).append(name)
        if a["result"]["dataInfo"] != b["result"]["dataInfo"]:
            found.setdefault("dataInfo values differ", []).append(name)
        texts_a = a["result"]["ocrResults"][0]["prunedResult"]["rec_texts"]
        texts_b = b["result"]["ocrResults"][0]["prunedResult"]["rec_texts"]
        if texts_a == texts_b:
            same_texts.append(name)
        left = list(texts_b)
        for text in texts_a:
            lines += 1
            if text in left:
                left.remove(text)
                same_lines += 1
    compared = len(set(theirs) & set(ours))
    report = ["differential check, %d images answered by both:" % compared]
    if not found:
        report.append("- every field of the envelope, dataInfo and prunedResult has the same name, type and nesting")
    for difference, images in sorted(found.items()):
        report.append("- %s (%d image(s): %s)" % (difference, len(images), ", ".join(images[:4])))
    report.append("- texts identical on %d of %d images; %d of PaddleX's %d lines read alike by ours" % (
        len(same_texts), compared, same_lines, lines))
    return "\n".join(report)
