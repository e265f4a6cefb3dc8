"""Send images to a running OCR hub module and show what it read.

    python tools/test_hubserving.py http://127.0.0.1:8866/predict/ocr_system path/to/image_or_folder
    python tools/test_hubserving.py --server_url URL --image_dir PATH [--visualize] [--output results.json]
    OCR_API_KEY=... python tools/test_hubserving.py URL PATH     # or --api-key KEY, for a server with keys on

Prints each image's time and result; --visualize draws boxes and texts into --vis_dir; --output writes every
result as one JSON file. Exits 1 if any image failed. Needs the standard library and this package's light modules
(ocr_engine.formats, ocr_engine.options: no paddle); --visualize needs Pillow and ocr_view (the web demo's
drawing).
"""

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import List, Optional

from ocr_engine.formats import DOCUMENT_EXTENSIONS, IMAGE_EXTENSIONS
from ocr_engine.options import DEFAULTS


def list_images(path: str) -> List[str]:
    """A file stands for itself; a folder for the image and PDF files directly inside it, sorted by name."""
    if os.path.isfile(path):
        return [path]
    if os.path.isdir(path):
        sent = IMAGE_EXTENSIONS + DOCUMENT_EXTENSIONS
        names = sorted(name for name in os.listdir(path) if name.lower().endswith(sent))
        return [os.path.join(path, name) for name in names]
    raise SystemExit("no such file or folder: %s" % path)


def request_ocr(url: str, image_path: str, timeout: float, api_key: Optional[str] = None) -> dict:
    """POST one image file to ``url`` (with ``api_key`` as a Bearer token when given) and return the server's JSON
    answer (status, msg, results), a refusal's included."""
    with open(image_path, "rb") as handle:
        payload = {"images": [base64.b64encode(handle.read()).decode("ascii")]}
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = "Bearer " + api_key
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as refused:  # 401, 429...: the server's sentence is in the body
        try:
            return json.loads(refused.read().decode("utf-8"))
        except ValueError:
            raise refused from None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="e.g. http://127.0.0.1:8866/predict/ocr_system")
    parser.add_argument("path", nargs="?", help="an image file or a folder of images")
    parser.add_argument("--server_url", help="same as the first positional argument")
    parser.add_argument("--image_dir", help="same as the second positional argument")
    parser.add_argument("--visualize", action="store_true", help="draw boxes and texts for each image")
    parser.add_argument("--vis_dir", default="./hubserving_result",
                        help="where --visualize writes (default %(default)s)")
    parser.add_argument("--output", help="write every result to this JSON file")
    parser.add_argument("--font_path", help="font for drawn text; default: a CJK font found by fontconfig")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default %(default)s)")
    parser.add_argument("--pdf_dpi", type=int, default=DEFAULTS["pdf_dpi"],
                        help="the server's pdf_dpi, to draw PDF pages where their boxes are (default %(default)s)")
    parser.add_argument("--api-key", default=os.environ.get("OCR_API_KEY"),
                        help="the server's API key, sent as Authorization: Bearer (default: $OCR_API_KEY)")
    args = parser.parse_args(argv)
    url, path = args.server_url or args.url, args.image_dir or args.path
    if not url or not path:
        parser.error("give the server URL and an image file or folder")

    if args.visualize:
        # The drawing is the web demo's (ocr_view, installed with this package); it needs Pillow, and pypdfium2
        # for PDF pages.
        from ocr_view.drawing import draw_answer, find_font, has_cjk

        font_path, font_draws_cjk = find_font(args.font_path)
    collected, failures, total = {}, 0, 0.0
    for image_path in list_images(path):
        start = time.time()
        try:
            answer = request_ocr(url, image_path, args.timeout, args.api_key)
        except (OSError, ValueError) as err:  # urllib's errors are OSErrors
            answer = {"status": "client", "msg": "request failed: %s" % err, "results": ""}
        elapsed = time.time() - start
        total += elapsed
        collected[image_path] = answer
        if answer.get("status") != "000":
            failures += 1
            print("%s: FAILED in %.3fs: %s" % (image_path, elapsed, answer.get("msg")))
            continue
        lines = answer["results"][0]
        print("%s: %.3fs, %d result(s)" % (image_path, elapsed, len(lines)))
        page = None
        for line in lines:
            if line.get("page") != page:  # a PDF's boxes come page by page
                page = line["page"]
                print("  page %d:" % page)
            print("    " + json.dumps(line, ensure_ascii=False))
        if args.visualize:
            if "text_region" not in (lines[0] if lines else {}):
                print("    (nothing to draw: no text regions in this answer)")
                continue
            with open(image_path, "rb") as handle:
                try:
                    drawn = draw_answer(handle.read(), lines, font_path, args.pdf_dpi)
                except ImportError as err:
                    print("    note: %s" % err)
                    continue
            if not font_draws_cjk and any(has_cjk(line.get("text", "")) for line in lines):
                print("    note: no CJK font found, Chinese is drawn as boxes (docs/api.md, Fonts; or --font_path)")
            os.makedirs(args.vis_dir, exist_ok=True)
            stem = os.path.splitext(os.path.basename(image_path))[0]
            for title, picture in drawn:
                target = os.path.join(args.vis_dir, stem + ("_" + title.replace(" ", "") if title else "") + ".jpg")
                picture.save(target, quality=90)
                print("    drawn to %s" % target)
    count = len(collected)
    if count:
        print("%d image(s), %d failed, average %.3fs per image" % (count, failures, total / count))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(collected, handle, ensure_ascii=False, indent=2)
        print("results written to %s" % args.output)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
