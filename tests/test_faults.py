"""Concurrent callers: the modules answer each request as if it were alone, whether the server runs threads
(a Python caller's own threaded server) or processes (configs/cpu_multiprocess.json), with bad requests mixed in."""

import concurrent.futures
import json
import os
import subprocess

import numpy as np

from testkit.inputs import ODD_LAYOUTS, b64, encode
from testkit.rendering import squash
from testkit.server import BIN, hub_env

THREADED_CALLER = r"""
import base64, concurrent.futures, json, sys
import paddlehub as hub
module = hub.Module(name="ocr_system")
bodies = json.load(sys.stdin)
def call(body):
    try:
        return {"results": module.serving_method(**body)}
    except Exception as err:
        return {"error": str(err)}
serial = [call(body) for body in bodies]
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    threaded = list(pool.map(call, bodies * 3))
json.dump({"serial": serial, "threaded": threaded}, sys.stdout)
"""


def mixed_bodies(image: np.ndarray) -> list:
    tall = np.vstack([image] * 3)
    return [
        {"images": [encode(image)]},
        {"images": ["bm90IGFuIGltYWdl"]},
        {"images": [b64(ODD_LAYOUTS["palette PNG"](tall))]},
        {"images": [encode(image), encode(np.zeros((1, 1, 3), np.uint8))]},
        {"images": [encode(image)], "colour": "red"},
    ]


def test_threads_calling_one_module_get_the_answers_of_serial_calls(hub_home, english, tmp_path):
    image, placed = english
    bodies = mixed_bodies(image)
    result = subprocess.run([os.path.join(BIN, "python"), "-c", THREADED_CALLER], input=json.dumps(bodies),
                            env=hub_env(hub_home), cwd=str(tmp_path), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout)
    serial, threaded = answers["serial"], answers["threaded"]
    lines = [squash(p.text) for p in placed]
    assert [squash(line["text"]) for line in serial[0]["results"][0]] == lines
    assert serial[1] == {"error": "image 1 of 1: not a decodable image (no known image header, 12 bytes)"}
    assert [squash(line["text"]) for line in serial[2]["results"][0]] == lines * 3
    assert serial[3]["results"][1] == [] and serial[4]["error"].startswith("unknown argument(s) colour")
    assert threaded == serial * 3


def test_processes_serve_mixed_good_and_bad_requests_concurrently(multiprocess_server, english):
    image, placed = english
    bodies = mixed_bodies(image) * 4

    def post(body):
        return multiprocess_server.predict("ocr_system", body.pop("images"), **body)

    serial = [post(dict(body)) for body in bodies[:5]]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda body: post(dict(body)), bodies))
    assert answers == serial * 4
    assert [squash(line["text"]) for line in serial[0]["results"][0]] == [squash(p.text) for p in placed]
    assert [answer["status"] for answer in serial] == ["000", "101", "000", "000", "101"]
