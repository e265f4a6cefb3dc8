"""What a client sent over HTTP, checked: ``/predict``'s arguments by name and type, the limits every request is
held to, and each file's base64.

Each check raises InputError with one sentence that names the argument or the image ("image 2 of 3") and what is
wrong with it, so the client can fix the request; the first problem found fails the whole request, because an
answer that silently left an image out would look like an image without text.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from .errors import InputError
from .images import describe_size

_DATA_URL = re.compile(r"^data:image/[A-Za-z0-9.+-]+;base64,")
_URL = re.compile(r"^(https?|ftp|file|s3|gs)://", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=_-]")


@dataclass(frozen=True)
class InputLimits:
    """How much one request may hold and how long it may run, over HTTP or in-process; each limit is an option of
    the same name (defaults in ``options.DEFAULTS``)."""

    max_images_per_request: int
    max_image_bytes: int
    max_image_pixels: int
    max_request_pixels: int
    request_timeout: int  # seconds


@dataclass(frozen=True)
class Declared:
    """What the wire says a file is (``pdf``), in the wire's own words for the sentence when its bytes disagree:
    ``words`` ("fileType is 0 (a PDF document)") and ``fix`` (what to send instead)."""

    pdf: bool
    words: str
    fix: str


@dataclass(frozen=True)
class SentFile:
    """One file as a client sent it: the JSON value (base64 text, checked here), how sentences name it ("image 2 of
    3", "file"), and what the wire says it is (None: told from its bytes alone)."""

    data: Any
    label: str
    declared: Optional[Declared] = None


def predict_files(arguments: Mapping[str, Any], use_gpu: bool) -> List[SentFile]:
    """The files of a ``/predict/<module>`` request's JSON arguments, named "image N of M", in the order sent.

    Known arguments: ``images`` (required, a non-empty list) and ``use_gpu`` (which PaddleHub's GPU worker adds; it
    must match the device the module was started on). ``paths`` and anything else are refused by name.
    """
    if "paths" in arguments:
        raise InputError("paths is not accepted over HTTP: send the image bytes, base64-encoded, in images")
    unknown = sorted(set(arguments) - {"images", "use_gpu"})
    if unknown:
        raise InputError("unknown argument(s) %s: this endpoint takes only images" % ", ".join(unknown))
    if "use_gpu" in arguments:
        check_device(arguments["use_gpu"], use_gpu)
    images = arguments.get("images")
    if images is None:
        raise InputError('images is missing: send {"images": [base64, ...]}')
    if not isinstance(images, list):
        raise InputError("images must be a list of base64 strings, got %s" % json_type(images))
    if not images:
        raise InputError("images is empty: send at least one base64 image")
    return [SentFile(item, "image %d of %d" % (i + 1, len(images))) for i, item in enumerate(images)]


def check_device(requested: Any, use_gpu: bool) -> None:
    """Refuse a ``use_gpu`` that is not a boolean or asks for the device this module does not run on."""
    if not isinstance(requested, bool):
        raise InputError("use_gpu must be true or false, got %s" % json_type(requested))
    if requested != use_gpu:
        raise InputError(
            "use_gpu is %s but this module runs on %s; the device is chosen in config.json's init_args"
            % ("true" if requested else "false", "GPU" if use_gpu else "CPU")
        )


def check_pages(inputs: int, pages: Dict[str, int], limits: InputLimits) -> None:
    """Refuse a request whose images and PDF pages together are more than ``max_images_per_request``, naming each
    PDF's page count (never reading only the first pages)."""
    total = inputs - len(pages) + sum(pages.values())
    if total > limits.max_images_per_request:
        named = ", ".join("%s is a PDF of %d pages" % (label, count) for label, count in pages.items())
        raise InputError(
            "the request holds %d images counting each PDF page as one (%s), over the limit of %d per request "
            "(max_images_per_request): send the pages in several requests" % (total, named,
                                                                              limits.max_images_per_request))


def check_request_pixels(pixels: int, limits: InputLimits) -> None:
    """Refuse a request whose images and PDF pages together hold more than ``max_request_pixels``."""
    if pixels > limits.max_request_pixels:
        raise InputError(
            "the request's images and PDF pages hold %.1f megapixels together, over the limit of %.1f per request "
            "(max_request_pixels): send them in several requests" % (pixels / 1e6, limits.max_request_pixels / 1e6))


def check_count(count: int, limits: InputLimits) -> None:
    """Refuse a request of more images than ``max_images_per_request``."""
    if count > limits.max_images_per_request:
        raise InputError(
            "images holds %d images, over the limit of %d per request (max_images_per_request)"
            % (count, limits.max_images_per_request)
        )


def file_bytes(item: Any, label: str, max_bytes: int) -> bytes:
    """A sent file's bytes: an uploaded one's as they came (a multipart form), within the same size limit as base64
    text, which is decoded (``decode_base64``)."""
    if not isinstance(item, bytes):
        return decode_base64(item, label, max_bytes)
    if not item:
        raise InputError("%s: is empty" % label)
    _check_size(len(item), label, max_bytes)
    return item


def _check_size(size: int, label: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise InputError(
            "%s: is %s, over the limit of %s per image (max_image_bytes)"
            % (label, describe_size(size), describe_size(max_bytes))
        )


def decode_base64(item: Any, label: str, max_bytes: int) -> bytes:
    """One ``images`` item (base64, standard or URL-safe, line breaks and a ``data:image/...;base64,`` prefix
    allowed) to the image file's bytes. The size limit is checked from the length, before decoding."""
    if not isinstance(item, str):
        raise InputError("%s: expected a base64 string, got %s" % (label, json_type(item)))
    if _URL.match(item.strip()):
        raise InputError("%s: is a URL; the server never fetches URLs, send the image bytes base64-encoded" % label)
    text = _WHITESPACE.sub("", _DATA_URL.sub("", item.strip(), count=1))
    if not text:
        raise InputError("%s: is empty" % label)
    _check_size(len(text) * 3 // 4, label, max_bytes)
    bad = _NOT_BASE64.search(text)
    if bad:
        raise InputError("%s: is not valid base64 (%r at character %d)" % (label, bad.group(), bad.start() + 1))
    text = text.rstrip("=")
    if "=" in text:
        raise InputError("%s: is not valid base64 ('=' at character %d)" % (label, text.index("=") + 1))
    if len(text) % 4 == 1:
        raise InputError("%s: is not valid base64 (its length, %d characters, cannot be base64)" % (label, len(text)))
    try:
        # Either alphabet, with or without padding: clients differ, and the bytes are the same.
        return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InputError("%s: is not valid base64" % label) from None


def json_type(value: Any) -> str:
    """How a JSON value is called in an error message: "a number", "an object", "null"..."""
    names = {str: "a string", list: "a list", dict: "an object", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
