"""The container's HEALTHCHECK: exit 0 when every module of the served config answers an image, 1 otherwise.

A module answers only once its models are loaded and have run, so "healthy" means ready to read text. Reads the
config named by OCR_CONFIG (its port and modules) and sends each module a small blank image over HTTP, as a client
would, with the first key of its ``api_keys_file`` when the config sets one; needs nothing but the standard
library. Rate-limited (``rate_limit_per_minute``), its key's checks count like any client's.
"""

import base64
import json
import os
import re
import struct
import sys
import urllib.request
import zlib


def blank_png(width: int = 64, height: int = 32) -> bytes:
    """A white RGB PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff" * (3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def check(config_path: str, timeout: float = 25.0) -> str:
    """Return "" when every module of the config answers with status "000", else what went wrong."""
    with open(config_path) as handle:
        config = json.load(handle)
    body = json.dumps({"images": [base64.b64encode(blank_png()).decode()]}).encode()
    headers = {"Content-Type": "application/json"}
    key = first_key(config)
    if key:
        headers["Authorization"] = "Bearer " + key
    for module in config["modules_info"]:
        url = "http://127.0.0.1:%d/predict/%s" % (int(config.get("port", 8866)), module)
        request = urllib.request.Request(url, body, headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer = json.load(response)
        except (OSError, ValueError) as err:
            return "%s: %s" % (module, err)
        if answer.get("status") != "000":
            return "%s answered status %s: %s" % (module, answer.get("status"), answer.get("msg"))
    return ""


def first_key(config: dict) -> str:
    """The first key in the ``api_keys_file`` a module of ``config`` sets ("" when none is set or it holds none):
    a line's ``KEY``, or the key of a ``NAME: KEY`` line, a byte-order mark left out."""
    for module in config["modules_info"].values():
        path = module.get("init_args", {}).get("api_keys_file")
        if path:
            try:
                with open(path, encoding="utf-8-sig") as handle:
                    keys = [line.strip() for line in handle if line.strip() and not line.strip().startswith("#")]
            except (OSError, ValueError):
                return ""
            named = re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\s*:\s*(\S+)$", keys[0]) if keys else None
            return named.group(1) if named else (keys[0] if keys else "")
    return ""


if __name__ == "__main__":
    problem = check(os.environ.get("OCR_CONFIG", "/app/default-config.json"))
    if problem:
        print("unhealthy: " + problem)
    sys.exit(1 if problem else 0)
