"""What clients send: images as base64, one picture in every odd-but-valid file layout, and requests that must be
refused, with the words the client must get back.

Each layout encoder takes a BGR uint8 image of dark text on a light background and returns file bytes that a
correct decoder turns back into that picture (up to compression). The tests and tools/soak.py send these.
"""

import base64
import io
import os
import re
import struct
import zlib
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

from ocr_engine.formats import IMAGE_EXTENSIONS

# What an error message must never show a client: stack traces, exception class names, server paths, libraries.
INTERNALS = re.compile(r"Traceback|File \"|line \d+|\w+Error\b|Exception|/\w+/|site-packages|\bPIL\b|cv2|paddle", re.I)


def photo_paths(folder: Optional[str] = None) -> List[str]:
    """The photos directly in ``folder`` (default: the team's ../shared/ocr-images beside the repository when it
    is there, else tests/data), sorted by name."""
    if folder is None:
        from .server import REPO

        shared = os.path.join(os.path.dirname(REPO), "shared", "ocr-images")
        folder = shared if os.path.isdir(shared) else os.path.join(REPO, "tests", "data")
    names = sorted(name for name in os.listdir(folder) if name.lower().endswith(IMAGE_EXTENSIONS))
    return [os.path.join(folder, name) for name in names]


def _pil(image: np.ndarray) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]))


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def _grey(image: np.ndarray) -> np.ndarray:
    return np.asarray(_pil(image).convert("L"))


def grey_png(image: np.ndarray) -> bytes:
    return _save(_pil(image).convert("L"), "PNG")


def grey16_png(image: np.ndarray) -> bytes:
    return _save(Image.fromarray(_grey(image).astype(np.uint16) * 257), "PNG")


def palette_png(image: np.ndarray) -> bytes:
    return _save(_pil(image).convert("P", palette=Image.Palette.ADAPTIVE, colors=64), "PNG")


def cmyk_jpeg(image: np.ndarray) -> bytes:
    return _save(_pil(image).convert("CMYK"), "JPEG", quality=95)


def dark_on_transparent_png(image: np.ndarray) -> bytes:
    """Black text whose shape is only in the alpha channel: every pixel is black, the background transparent."""
    alpha = 255 - _grey(image)
    return _save(Image.fromarray(np.dstack([np.zeros_like(alpha)] * 3 + [alpha])), "PNG")


def light_on_transparent_png(image: np.ndarray) -> bytes:
    """White text on transparency: every pixel is white, so dropping the alpha channel leaves a blank page."""
    alpha = 255 - _grey(image)
    return _save(Image.fromarray(np.dstack([np.full_like(alpha, 255)] * 3 + [alpha])), "PNG")


def exif_rotated_jpeg(image: np.ndarray) -> bytes:
    """Pixels stored a quarter turn anticlockwise with EXIF orientation 6, as a phone held upright writes them."""
    stored = _pil(np.rot90(image, 1))
    exif = Image.Exif()
    exif[0x0112] = 6
    return _save(stored, "JPEG", quality=95, exif=exif.tobytes())


def two_frame_gif(image: np.ndarray) -> bytes:
    """An animated GIF whose first frame is the picture and whose second is blank."""
    first = _pil(image).convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    blank = Image.new("P", first.size, 0)
    return _save(first, "GIF", save_all=True, append_images=[blank], duration=100, loop=0)


def webp(image: np.ndarray) -> bytes:
    return _save(_pil(image), "WEBP", lossless=True)


def bmp(image: np.ndarray) -> bytes:
    return _save(_pil(image), "BMP")


def tiff(image: np.ndarray) -> bytes:
    return _save(_pil(image), "TIFF", compression="tiff_lzw")


ODD_LAYOUTS: Dict[str, Callable[[np.ndarray], bytes]] = {
    "greyscale PNG": grey_png,
    "16-bit greyscale PNG": grey16_png,
    "palette PNG": palette_png,
    "CMYK JPEG": cmyk_jpeg,
    "black on transparent PNG": dark_on_transparent_png,
    "white on transparent PNG": light_on_transparent_png,
    "EXIF-rotated JPEG": exif_rotated_jpeg,
    "animated GIF": two_frame_gif,
    "WebP": webp,
    "BMP": bmp,
    "TIFF": tiff,
}


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header announcing width x height 8-bit grey pixels, followed by a few compressed rows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def b64(raw: bytes) -> str:
    """File bytes as a request's ``images`` item."""
    return base64.b64encode(raw).decode("ascii")


def png(image: np.ndarray) -> bytes:
    """A BGR uint8 image as PNG file bytes."""
    return cv2.imencode(".png", image)[1].tobytes()


def encode(image: np.ndarray, ext: str = ".png") -> str:
    """A BGR uint8 image as a request's ``images`` item, in the file format of ``ext``."""
    ok, data = cv2.imencode(ext, image)
    if not ok:
        raise ValueError("OpenCV cannot write %s" % ext)
    return b64(data.tobytes())


def encode_file(path: str) -> str:
    """An image file as a request's ``images`` item."""
    with open(path, "rb") as handle:
        return b64(handle.read())


def bad_requests(image: np.ndarray):
    """(module, JSON body, the exact message the client must get back)."""
    good = b64(png(image))
    jpeg = cv2.imencode(".jpg", image)[1].tobytes()
    return [
        ("ocr_system", {"images": [good, "bm90IGFuIGltYWdl"]},
         "image 2 of 2: not a decodable image (no known image header, 12 bytes)"),
        ("ocr_system", {"images": [b64(png(image)[:2048])]},
         "image 1 of 1: not a decodable image (PNG header, truncated after 2 KB)"),
        ("ocr_det", {"images": [good, b64(jpeg[: len(jpeg) // 2])]},
         "image 2 of 2: not a decodable image (JPEG header, truncated after %d KB)" % (len(jpeg) // 2 // 1024)),
        ("ocr_rec", {"images": [b64(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")]},
         "image 1 of 1: is a PDF document; ocr_rec reads images of single lines, send documents to ocr_system (or "
         "ocr_det for the boxes alone)"),
        ("ocr_system", {"images": [good, b64(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")]},
         "image 2 of 2: is a PDF document that cannot be read (truncated, corrupt or without pages, 22 bytes)"),
        ("ocr_system", {"images": [b64(png_bomb())]},
         "image 1 of 1: is 100000 x 100000 pixels (10000.0 megapixels), over the limit of 64.0 megapixels "
         "(max_image_pixels)"),
        ("ocr_system", {"images": ["https://example.com/sign.png"]},
         "image 1 of 1: is a URL; the server never fetches URLs, send the image bytes base64-encoded"),
        ("ocr_cls", {"images": [good, "iVBOR%w0KGgo="]}, "image 2 of 2: is not valid base64 ('%' at character 6)"),
        ("ocr_system", {"images": [good, 7]}, "image 2 of 2: expected a base64 string, got a number"),
        ("ocr_system", {"images": [""]}, "image 1 of 1: is empty"),
        ("ocr_system", {"images": []}, "images is empty: send at least one base64 image"),
        ("ocr_system", {"images": good}, "images must be a list of base64 strings, got a string"),
        ("ocr_system", {"images": [good] * 17},
         "images holds 17 images, over the limit of 16 per request (max_images_per_request)"),
        ("ocr_system", {"image": [good]}, "unknown argument(s) image: this endpoint takes only images"),
        ("ocr_system", {}, 'images is missing: send {"images": [base64, ...]}'),
        ("ocr_system", {"images": [good], "paths": ["/etc/passwd"]},
         "paths is not accepted over HTTP: send the image bytes, base64-encoded, in images"),
        ("ocr_system", {"images": [good], "self": 1, "colour": "red"},
         "unknown argument(s) colour, self: this endpoint takes only images"),
        ("ocr_det", {"images": [good], "use_gpu": True},
         "use_gpu is true but this module runs on CPU; the device is chosen in config.json's init_args"),
        ("ocr_det", {"images": [good], "use_gpu": "yes"}, "use_gpu must be true or false, got a string"),
    ]


def form_body(boundary: str, texts: Sequence[Tuple[str, str]] = (),
              files: Sequence[Tuple[str, bytes]] = ()) -> bytes:
    """A ``multipart/form-data`` body as curl -F writes one: the (name, text) fields, then the (name, bytes) files,
    each sent as a file named ``upload``, between ``boundary`` lines."""
    mark = boundary.encode()
    parts = [b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (mark, name.encode(), text.encode())
             for name, text in texts]
    parts += [b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="upload"\r\n'
              b'Content-Type: application/octet-stream\r\n\r\n%s\r\n' % (mark, name.encode(), data)
              for name, data in files]
    return b"".join(parts) + b"--%s--\r\n" % mark
