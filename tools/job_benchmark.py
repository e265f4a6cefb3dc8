"""Job API timings for tools/benchmark.py (``--mode jobs``): pages a second for one PDF of ``--pages`` pages (12
lines of sample text each, A5) read as a job with PP-OCRv6 and with PP-StructureV3, on one process
(configs/cpu.json) and on two gunicorn workers (configs/cpu_multiprocess.json); the same pages as synchronous
``POST /layout-parsing`` requests, one page each, one after another (what the job path costs beside them); and
``POST /ocr``'s median latency on a small image, idle and while an OCR job of the same PDF runs (interactive
requests first). Each through ``tools/ocr_batch.py``'s client, on one machine, one run each.
"""

import base64
import os
import statistics
import tempfile
import threading
import time
from typing import Dict, List

import requests
from ocr_batch import Batch

from ocr_engine.serving.pdf import PdfInput
from testkit.documents import sample_lines, text_pdf
from testkit.inputs import encode
from testkit.rendering import ENGLISH_LINES, latin_font, render_lines
from testkit.server import HubServer, install_modules, shipped_config

A5 = (420, 595)


def document(pages: int) -> bytes:
    return text_pdf([sample_lines(12, seed=page) for page in range(pages)], size=11, page_size=A5)


def job_seconds(url: str, model: str, path: str) -> float:
    started = time.perf_counter()
    Batch(url, "benchmark", model, {"visualize": False}, None, lambda *_: None).read(path)
    return time.perf_counter() - started


def sync_seconds(url: str, data: bytes, pages: int) -> float:
    """Each page as a one-page PDF to ``POST /layout-parsing``, one after another (cut before the clock runs)."""
    pdf = PdfInput(data, "file")
    try:
        bodies = [base64.b64encode(pdf.page_file(number)).decode() for number in range(1, pages + 1)]
    finally:
        pdf.close()
    started = time.perf_counter()
    for body in bodies:
        answer = requests.post(url + "/layout-parsing", json={"file": body, "fileType": 0, "visualize": False},
                               timeout=600)
        assert answer.status_code == 200, answer.text[:300]
    return time.perf_counter() - started


def ocr_p50(url: str, count: int = 15) -> float:
    image = encode(render_lines(ENGLISH_LINES, latin_font())[0])
    times: List[float] = []
    for _ in range(count):
        started = time.perf_counter()
        answer = requests.post(url + "/ocr", json={"file": image, "fileType": 1, "visualize": False}, timeout=600)
        assert answer.status_code == 200, answer.text[:300]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run_jobs(pages: int) -> None:
    """Print the table the module's docstring describes."""
    root = tempfile.mkdtemp(prefix="job-benchmark-")
    hub_home = os.path.join(root, "hub_home")
    install_modules(hub_home)
    path = os.path.join(root, "document.pdf")
    data = document(pages)
    with open(path, "wb") as handle:
        handle.write(data)
    rows: Dict[str, float] = {}
    for workers, config in ((1, "cpu.json"), (2, "cpu_multiprocess.json")):
        workdir = tempfile.mkdtemp(dir=root)
        with HubServer.with_config(shipped_config(config), hub_home, workdir) as server:
            ocr_p50(server.url, 3)  # every process warm
            for model in ("PP-OCRv6", "PP-StructureV3"):
                rows["job %s, %s" % (model, _processes(workers))] = pages / job_seconds(server.url, model, path)
            if workers == 1:
                rows["sync /layout-parsing, a page a request, 1 process"] = pages / sync_seconds(server.url, data,
                                                                                               pages)
                idle = ocr_p50(server.url)
                batch = Batch(server.url, "benchmark", "PP-OCRv6", {"visualize": False}, None, lambda *_: None)
                job = threading.Thread(target=batch.read, args=(path,))
                job.start()
                time.sleep(1.0)  # the job's pages under way
                busy = ocr_p50(server.url)
                job.join()
    print("%d-page PDF (A5, 12 lines a page), visualize off" % pages)
    print("what | pages/s")
    print("--- | ---")
    for name, rate in rows.items():
        print("%s | %.2f" % (name, rate))
    sync = rows["sync /layout-parsing, a page a request, 1 process"]
    job = rows["job PP-StructureV3, 1 process"]
    print("job path's overhead beside the synchronous requests (PP-StructureV3, 1 process): %+.1f%%"
          % (100 * (sync / job - 1)))
    print("/ocr p50 on a 3-line image: idle %.0f ms, during an OCR job %.0f ms (%.2fx)"
          % (1000 * idle, 1000 * busy, busy / idle))


def _processes(workers: int) -> str:
    return "1 process" if workers == 1 else "%d gunicorn workers" % workers
