"""Image bytes in, a BGR uint8 array out: every format and pixel layout a client may send, or a plain error.

Pillow reads the header first, so the pixel limit is checked before anything is decoded, and then decodes the
odd layouts OpenCV would get wrong or refuse: 16-bit greyscale, palettes, CMYK, transparency, EXIF rotation.
Pillow's own decompression-bomb guard would refuse first, in its own words: a serving process turns it off at
start-up (``process.configure_process``), since ``max_image_pixels`` does the same job and names itself.
"""

import io
import os
from typing import Any, List, Sequence

import numpy as np
from PIL import Image, ImageOps

from ..formats import sniff_format
from .errors import InputError

# Only these decoders are ever run on client bytes; Pillow's others (EPS runs Ghostscript, for one) are never tried.
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "PPM")


def header_pixels(raw: bytes) -> int:
    """The pixels an encoded image declares in its header, without decoding it (0 when it has no readable
    header: decoding it says why)."""
    try:
        width, height = Image.open(io.BytesIO(raw), formats=FORMATS).size
    except Exception:  # noqa: BLE001 - any failure is decode_image_bytes's to put in words
        return 0
    return max(0, width) * max(0, height)


def decode_image_bytes(raw: bytes, label: str, max_pixels: int) -> np.ndarray:
    """Decode an encoded image into a BGR uint8 array (H x W x 3).

    ``label`` names the image in errors ("image 2 of 3"). Raises InputError when the bytes are not an image of a
    supported format, are truncated or corrupt, or (from the header alone) hold more than ``max_pixels`` pixels.
    """
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
        raise ValueError("max_pixels must be a positive integer, got %r" % (max_pixels,))
    if not raw:
        raise InputError("%s: is empty" % label)
    kind = sniff_format(raw)
    try:
        image = Image.open(io.BytesIO(raw), formats=FORMATS)
    except Exception:
        if kind and kind not in FORMATS:
            raise InputError("%s: is %s, not an image; send one of %s" % (label, kind, ", ".join(FORMATS))) from None
        found = ("%s header, unreadable" % kind) if kind else "no known image header"
        raise InputError("%s: not a decodable image (%s, %s)" % (label, found, describe_size(len(raw)))) from None
    width, height = image.size
    if width < 1 or height < 1:
        raise InputError("%s: has no pixels (%d x %d)" % (label, width, height))
    check_pixels(label, width, height, max_pixels)
    try:
        upright = ImageOps.exif_transpose(image)
        assert upright is not None  # exif_transpose returns an image unless asked to turn it in place
        return to_bgr(upright)
    except Exception as err:
        # Pillow's words for a cut-off file vary by format; any of them means the end of the data was reached.
        words = str(err).lower()
        cut = isinstance(err, EOFError) or any(w in words for w in ("truncated", "broken data stream", "eof"))
        problem = ("truncated after %s" if cut else "corrupt image data, %s") % describe_size(len(raw))
        raise InputError("%s: not a decodable image (%s header, %s)" % (label, image.format or kind, problem)) from None


def to_bgr(image: Image.Image) -> np.ndarray:
    """Turn a Pillow image of any mode into BGR uint8; transparency is composited (see ``composite_alpha``)."""
    if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        grey = np.asarray(image).astype(np.float64)
        # 16-bit greyscale arrives as integers up to 65535: scale it into 8 bits rather than clip it to white.
        top = grey.max() if grey.size else 0
        grey = grey * (255.0 / 65535.0) if top > 255 else grey
        return np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
    if image.mode in ("RGBA", "LA", "La", "PA", "RGBa") or (image.mode == "P" and image.has_transparency_data):
        return composite_alpha(np.asarray(image.convert("RGBA")))
    rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def composite_alpha(rgba: np.ndarray) -> np.ndarray:
    """RGBA uint8 in, BGR uint8 out: transparent pixels take the background that contrasts with what is visible.

    Text drawn on a transparent canvas is often black (logos, scans) or white (overlays); the pixels hidden
    under alpha 0 are arbitrary, commonly black. A white background keeps dark text readable and a black one
    keeps light text readable, so the background is chosen against the mean brightness of the visible pixels.
    """
    if rgba.size == 0 or rgba[:, :, 3].min() == 255:
        return np.ascontiguousarray(rgba[:, :, 2::-1])
    alpha = rgba[:, :, 3:].astype(np.float32) / 255.0
    rgb = rgba[:, :, :3].astype(np.float32)
    brightness = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    visible = float(alpha.sum())
    mean = float((brightness * alpha[:, :, 0]).sum() / visible) if visible > 0 else 0.0
    background = 255.0 if mean < 128 else 0.0
    out = rgb * alpha + background * (1.0 - alpha)
    return np.ascontiguousarray(np.clip(out + 0.5, 0, 255).astype(np.uint8)[:, :, ::-1])


def check_pixels(label: str, width: int, height: int, max_pixels: int) -> None:
    """Refuse an image of more than ``max_pixels`` pixels, saying how large it is and which option limits it."""
    if width * height > max_pixels:
        raise InputError(
            "%s: is %d x %d pixels (%s), over the limit of %s (max_image_pixels)"
            % (label, width, height, _megapixels(width * height), _megapixels(max_pixels))
        )


def read_image_files(paths: Sequence[str], max_bytes: int, max_pixels: int) -> List[np.ndarray]:
    """Read image files for in-process ``predict(paths=...)`` calls, each within the byte and pixel limits;
    never reachable over HTTP."""
    images = []
    for path in paths:
        if not os.path.isfile(path):
            raise InputError("%s is not a file" % path)
        size = os.path.getsize(path)
        if size > max_bytes:
            raise InputError(
                "%s: is %s, over the limit of %s per image (max_image_bytes)"
                % (path, describe_size(size), describe_size(max_bytes))
            )
        with open(path, "rb") as handle:
            images.append(decode_image_bytes(handle.read(), path, max_pixels))
    return images


def check_arrays(images: Sequence[Any], max_pixels: int) -> List[np.ndarray]:
    """Check in-process ``predict(images=...)`` input: BGR uint8 arrays (H x W x 3) of at most ``max_pixels``
    pixels each; greyscale is widened."""
    checked = []
    for i, image in enumerate(images):
        label = "image %d of %d" % (i + 1, len(images))
        if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise InputError("%s: expected a uint8 numpy array of H x W x 3 (BGR)" % label)
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        elif image.shape[2] != 3:
            raise InputError("%s: expected 3 colour channels (BGR), got %d" % (label, image.shape[2]))
        if min(image.shape[:2]) == 0:
            raise InputError("%s: has no pixels" % label)
        check_pixels(label, image.shape[1], image.shape[0], max_pixels)
        checked.append(image)
    return checked


def describe_size(count: int) -> str:
    """A byte count in words: "512 bytes", "12 KB", "3.4 MB"."""
    if count < 1024:
        return "%d bytes" % count
    if count < 1024 * 1024:
        return "%d KB" % (count // 1024)
    return "%.1f MB" % (count / (1024.0 * 1024.0))


def _megapixels(count: int) -> str:
    return "%.1f megapixels" % (count / 1e6) if count >= 100_000 else "%d pixels" % count
