"""Read a folder of documents through this server's job API: one job per PDF or image, several in flight, a bar of
pages read, Markdown and JSON out per document. Run again, it skips what is done (resumable); 429 and 503 are
retried after the server's Retry-After.

    python tools/ocr_batch.py http://127.0.0.1:8866 scans/ --out results/ [--token KEY] [--model PP-StructureV3]
        [--in-flight 4] [--page-ranges 1-5] [--options '{"useDocOrientationClassify": true}']

Per document ``scans/a/b.pdf``: ``results/a/b.json`` (the job id and every page's result, as the JSONL gave them)
and ``results/a/b.md`` (PP-StructureV3: each page's Markdown; an OCR model: each page's lines). Exit status 0 when
every document was read, 1 when any failed (each named with the server's sentence).
"""

import argparse
import concurrent.futures
import json
import os
import sys
import tempfile
import threading
import time
from typing import Any, Callable, Dict, List, Optional

import requests

SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
RETRIED = (429, 503)
JOBS_PATH = "/api/v2/ocr/jobs"


class Failed(Exception):
    """A document that could not be read, with the server's sentence."""


def documents(inputs: List[str]) -> Dict[str, str]:
    """Each document to read (relative name -> path): the files given, and the PDFs and images under each folder
    given, in name order."""
    found: Dict[str, str] = {}
    for given in inputs:
        if os.path.isdir(given):
            for folder, _, names in sorted(os.walk(given)):
                for name in sorted(names):
                    if name.lower().endswith(SUFFIXES):
                        path = os.path.join(folder, name)
                        found[os.path.relpath(path, given)] = path
        else:
            found[os.path.basename(given)] = given
    return found


def with_retries(call: Callable[[], requests.Response], attempts: int = 8) -> requests.Response:
    """``call()`` again after a 429 or 503 (waiting what Retry-After says, else 2, 4, 8... s) or a dropped
    connection; the last answer otherwise."""
    for attempt in range(attempts):
        try:
            response = call()
        except requests.ConnectionError:
            if attempt == attempts - 1:
                raise
            time.sleep(min(2 ** (attempt + 1), 60))
            continue
        if response.status_code not in RETRIED or attempt == attempts - 1:
            return response
        wait = response.headers.get("Retry-After", "")
        time.sleep(float(wait) if wait.isdigit() else min(2 ** (attempt + 1), 60))
    raise AssertionError("unreachable")


def message(response: requests.Response) -> str:
    try:
        return str(response.json().get("msg") or response.text)
    except ValueError:
        return response.text[:300]


class Batch:
    """The documents of one run, read through the server at ``url``."""

    def __init__(self, url: str, token: str, model: str, payload: Dict[str, Any], page_ranges: Optional[str],
                 progress: Callable[[int, int], None]):
        self.url, self.model, self.payload, self.page_ranges = url.rstrip("/"), model, payload, page_ranges
        self.headers = {"Authorization": "Bearer " + token}
        self.progress = progress  # (pages newly known, pages newly read)

    def read(self, path: str) -> Dict[str, Any]:
        """Submit ``path`` as a job, follow it to its end, and return its job id and pages."""
        fields = {"model": self.model, "optionalPayload": json.dumps(self.payload)}
        if self.page_ranges:
            fields["pageRanges"] = self.page_ranges

        def submit() -> requests.Response:
            with open(path, "rb") as handle:
                return requests.post(self.url + JOBS_PATH, headers=self.headers, data=fields,
                                     files={"file": (os.path.basename(path), handle)}, timeout=300)

        response = with_retries(submit)
        if response.status_code != 200:
            raise Failed(message(response))
        job_id = response.json()["data"]["jobId"]
        total = read = 0
        interval = 0.5
        while True:
            response = with_retries(lambda: requests.get(self.url + JOBS_PATH + "/" + job_id, headers=self.headers,
                                                         timeout=60))
            if response.status_code != 200:
                raise Failed(message(response))
            data = response.json()["data"]
            shown = data.get("extractProgress") or {}
            self.progress(shown.get("totalPages", 0) - total, shown.get("extractedPages", 0) - read)
            total, read = shown.get("totalPages", 0), shown.get("extractedPages", 0)
            if data["state"] == "failed":
                raise Failed(data.get("errorMsg") or "the job failed")
            if data["state"] == "done":
                break
            time.sleep(interval)
            interval = min(interval * 1.5, 5.0)
        result = with_retries(lambda: requests.get(data["resultUrl"]["jsonUrl"], timeout=300))
        if result.status_code != 200:
            raise Failed(message(result))
        pages = [json.loads(line)["result"] for line in result.text.splitlines() if line.strip()]
        return {"jobId": job_id, "model": self.model, "pages": pages}


def markdown(read: Dict[str, Any]) -> str:
    """A document's Markdown: each page's (PP-StructureV3), or each page's lines (an OCR model), page by page."""
    parts = []
    for number, page in enumerate(read["pages"], 1):
        if "layoutParsingResults" in page:
            parts.extend(item["markdown"]["text"] for item in page["layoutParsingResults"])
        else:
            for item in page["ocrResults"]:
                parts.append("<!-- page %d -->\n%s" % (number, "\n".join(item["prunedResult"]["rec_texts"])))
    return "\n\n".join(parts) + "\n"


def write(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a run stopped midway leaves no half file to skip)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".writing-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8866")
    parser.add_argument("inputs", nargs="+", help="PDFs, images, or folders of them")
    parser.add_argument("--out", required=True, help="the folder for the .json and .md of each document")
    parser.add_argument("--token", default=os.environ.get("PADDLEOCR_ACCESS_TOKEN", "none"),
                        help="the API key (default: $PADDLEOCR_ACCESS_TOKEN; any text when the server has no keys)")
    parser.add_argument("--model", default="PP-StructureV3", help="PP-StructureV3 (default), PP-OCRv5 or PP-OCRv6")
    parser.add_argument("--in-flight", type=int, default=4, help="documents submitted at once (default 4)")
    parser.add_argument("--page-ranges", help='pages of each document, e.g. "1-3,5"')
    parser.add_argument("--options", default="{}", help="the endpoint's fields as a JSON object (optionalPayload)")
    args = parser.parse_args(argv)

    todo = {name: path for name, path in documents(args.inputs).items()
            if not os.path.exists(os.path.join(args.out, os.path.splitext(name)[0] + ".json"))}
    skipped = len(documents(args.inputs)) - len(todo)
    print("%d document(s) to read, %d already done (skipped)" % (len(todo), skipped), flush=True)
    lock = threading.Lock()
    counts = {"total": 0, "read": 0}
    bar = _bar()

    def progress(new_total: int, new_read: int) -> None:
        with lock:
            counts["total"] += new_total
            counts["read"] += new_read
            bar(counts["read"], counts["total"])

    batch = Batch(args.url, args.token, args.model, json.loads(args.options), args.page_ranges, progress)
    failed: Dict[str, str] = {}

    def one(name: str) -> None:
        try:
            read = batch.read(todo[name])
        except (Failed, requests.RequestException) as err:
            failed[name] = str(err)
            return
        stem = os.path.join(args.out, os.path.splitext(name)[0])
        write(stem + ".md", markdown(read))
        write(stem + ".json", json.dumps(read, ensure_ascii=False))  # last: its presence means done

    with concurrent.futures.ThreadPoolExecutor(max(1, args.in_flight)) as pool:
        list(pool.map(one, sorted(todo)))
    print(file=sys.stderr)
    for name, sentence in sorted(failed.items()):
        print("failed: %s: %s" % (name, sentence))
    print("%d read, %d failed, %d skipped; %d page(s)" % (len(todo) - len(failed), len(failed), skipped,
                                                        counts["read"]))
    return 1 if failed else 0


def _bar() -> Callable[[int, int], None]:
    """A one-line bar of pages read, on standard error."""
    def draw(done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else 0
        sys.stderr.write("\r[%s%s] %d/%d pages" % ("#" * filled, "." * (width - filled), done, total))
        sys.stderr.flush()

    return draw


if __name__ == "__main__":
    sys.exit(main())
