"""Turning what a client sent into images the pipeline can read, or into an error a client can act on."""

import base64
import binascii
import os
import re
from typing import Any, List, Sequence

import cv2
import numpy as np

_DATA_URL = re.compile(r"^data:image/[A-Za-z0-9.+-]+;base64,")


class InputError(ValueError):
    """The client's input cannot be used. ``str()`` is one plain sentence that is safe to send back."""


def decode_image(data: Any, label: str) -> np.ndarray:
    """Decode one base64 image (a ``data:image/...;base64,`` prefix is accepted) into a BGR uint8 array.

    ``label`` names the image in errors, e.g. "image 2 of 3". Raises InputError saying what is wrong.
    """
    if not isinstance(data, str):
        raise InputError("%s: expected a base64 string, got %s" % (label, _json_type(data)))
    text = _DATA_URL.sub("", data.strip(), count=1)
    if not text:
        raise InputError("%s: is empty" % label)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("%s: is not valid base64" % label) from None
    return _decode_bytes(raw, label)


def decode_images(images: Any) -> List[np.ndarray]:
    """Decode a request's ``images``: a non-empty list of base64 strings. Raises InputError naming the bad item."""
    if not isinstance(images, list):
        raise InputError("images must be a list of base64 strings, got %s" % _json_type(images))
    if not images:
        raise InputError("images is empty: send at least one base64 image")
    return [decode_image(item, "image %d of %d" % (i + 1, len(images))) for i, item in enumerate(images)]


def read_image_files(paths: Sequence[str]) -> List[np.ndarray]:
    """Read image files for in-process ``predict(paths=...)`` calls; never reachable over HTTP."""
    images = []
    for path in paths:
        if not os.path.isfile(path):
            raise InputError("%s is not a file" % path)
        with open(path, "rb") as handle:
            images.append(_decode_bytes(handle.read(), path))
    return images


def check_arrays(images: Sequence[Any]) -> List[np.ndarray]:
    """Check in-process ``predict(images=...)`` input: BGR uint8 arrays (H x W x 3); greyscale is widened."""
    checked = []
    for i, image in enumerate(images):
        label = "image %d of %d" % (i + 1, len(images))
        if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise InputError("%s: expected a uint8 numpy array of H x W x 3 (BGR)" % label)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        elif image.shape[2] != 3:
            raise InputError("%s: expected 3 colour channels (BGR), got %d" % (label, image.shape[2]))
        if min(image.shape[:2]) == 0:
            raise InputError("%s: has no pixels" % label)
        checked.append(image)
    return checked


def _decode_bytes(raw: bytes, label: str) -> np.ndarray:
    if not raw:
        raise InputError("%s: is empty" % label)
    try:
        image = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        image = None
    if image is None:
        raise InputError("%s: is not a decodable image (%d bytes)" % (label, len(raw)))
    return image


def _json_type(value: Any) -> str:
    names = {str: "a string", list: "a list", dict: "an object", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
