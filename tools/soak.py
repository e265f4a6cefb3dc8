"""A bounded soak: several clients send a mix of good, odd, heavy and bad requests to a local server for a while.

    .venv/bin/python tools/soak.py [--minutes 10] [--clients 4] [--config configs/cpu_multiprocess.json]
        [--images DIR]

The modules are `hub install`ed into a temporary HUB_HOME and served with `hub serving start -c CONFIG`.
Every request is first sent once, alone, and its answer checked: photos and rendered text must be read (rendered
text exactly as drawn, in every odd file layout of tests/inputs.py), bad requests must be refused. During the
soak each answer must then equal that first one: anything else is a wrong answer. The heavy request is the
largest photo repeated to max_images_per_request: it must be read, or stopped at request_timeout in a sentence.
The report gives requests served by kind, errors by kind, wrong answers, and the server's RSS (all its processes)
at start and end."""

import argparse
import collections
import concurrent.futures
import json
import os
import random
import sys
import tempfile
import threading
import time
from typing import Dict, List, NamedTuple, Optional

from ocr_engine.options import DEFAULTS
from testkit.answers import is_refused
from testkit.inputs import ODD_LAYOUTS, b64, bad_requests, encode_file, photo_paths, png
from testkit.rendering import ENGLISH_LINES, latin_font, render_lines, squash
from testkit.server import REPO, HubServer, ServerError, install_modules, post_json


class Case(NamedTuple):
    kind: str  # good | odd | heavy | bad
    name: str
    module: str
    body: dict
    expected_lines: Optional[List[str]] = None  # for rendered text: the lines as drawn


def build_cases(photos: List[str]) -> List[Case]:
    """Photos as sent (good), rendered lines in every odd layout (odd), the largest photo as many times as a request
    may hold it (heavy), and requests that must be refused (bad)."""
    cases = []
    for path in photos:
        data, name = encode_file(path), os.path.basename(path)
        cases.append(Case("good", name, "ocr_system", {"images": [data]}))
        cases.append(Case("good", name + " (det)", "ocr_det", {"images": [data]}))
    if photos:
        largest = max(photos, key=os.path.getsize)
        count = DEFAULTS["max_images_per_request"]
        cases.append(Case("heavy", "%s x %d" % (os.path.basename(largest), count), "ocr_system",
                          {"images": [encode_file(largest)] * count}))
    image, placed = render_lines(ENGLISH_LINES, latin_font())
    lines = [squash(p.text) for p in placed]
    cases.append(Case("good", "rendered PNG", "ocr_system", {"images": [b64(png(image))]}, lines))
    for layout, write in ODD_LAYOUTS.items():
        cases.append(Case("odd", layout, "ocr_system", {"images": [b64(write(image))]}, lines))
    for i, (module, body, _) in enumerate(bad_requests(image)):
        cases.append(Case("bad", "bad request %d" % (i + 1), module, body))
    return cases


def first_answer_problem(case: Case, answer: dict) -> Optional[str]:
    """Why the answer to a request sent alone is wrong, or None."""
    if case.kind == "bad":
        return None if is_refused(answer) else "a bad request was not refused"
    if case.kind == "heavy" and is_refused(answer) and answer["msg"].startswith("the request was stopped"):
        return None
    if answer["status"] != "000":
        return "refused: %s" % answer["msg"]
    if case.expected_lines is not None:
        read = [squash(line["text"]) for line in answer["results"][0]]
        if read != case.expected_lines:
            return "read %s, drew %s" % (read, case.expected_lines)
    return None


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.served = collections.Counter()
        self.errors = collections.Counter()
        self.wrong = collections.Counter()

    def add(self, table: collections.Counter, key: str) -> None:
        with self.lock:
            table[key] += 1


def send(server: HubServer, case: Case) -> dict:
    # Long enough for a heavy request queued behind others and then given its whole request_timeout.
    return post_json("%s/predict/%s" % (server.url, case.module), case.body, timeout=900)


def client(server: HubServer, cases: List[Case], expected: Dict[str, dict], deadline: float, seed: int,
           tally: Tally) -> None:
    rng = random.Random(seed)
    while time.time() < deadline:
        case = rng.choice(cases)
        try:
            answer = send(server, case)
        except ServerError as err:
            tally.add(tally.errors, "HTTP %s" % err.status)
            continue
        except (OSError, ValueError) as err:
            tally.add(tally.errors, type(err).__name__)
            continue
        tally.add(tally.served, case.kind)
        if answer != expected[case.name]:
            tally.add(tally.wrong, "%s: %s" % (case.kind, case.name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--config", default=os.path.join(REPO, "configs", "cpu_multiprocess.json"))
    parser.add_argument("--images", default=None, help="photos to send (default ../shared/ocr-images or tests/data)")
    args = parser.parse_args()
    photos = photo_paths(args.images)
    image_dir = os.path.dirname(photos[0]) if photos else args.images
    cases = build_cases(photos)
    with open(args.config) as handle:
        config = json.load(handle)

    workdir = tempfile.mkdtemp(prefix="ocr_soak_")
    hub_home = os.path.join(workdir, "hub_home")
    install_modules(hub_home)
    server = HubServer.with_config(config, hub_home, workdir, "soak").wait_ready()
    try:
        expected, problems = {}, []
        for case in cases:
            expected[case.name] = send(server, case)
            problem = first_answer_problem(case, expected[case.name])
            if problem:
                problems.append("%s (%s): %s" % (case.name, case.kind, problem))
        rss_start = server.rss()
        tally, samples = Tally(), [(0.0, rss_start)]
        start = time.time()
        deadline = start + args.minutes * 60
        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            runs = [pool.submit(client, server, cases, expected, deadline, seed, tally) for seed in range(args.clients)]
            while not all(run.done() for run in runs):
                time.sleep(min(30.0, max(1.0, args.minutes * 60 / 20)))
                samples.append((time.time() - start, server.rss()))
            for run in runs:
                run.result()
        elapsed = time.time() - start
        rss_end = server.rss()
        alive = server.process.poll() is None
    finally:
        server.stop()

    mb = 1024.0 * 1024.0
    print("soak: %s, %d clients, %.1f min, config %s, %d distinct requests (%s)"
          % (image_dir, args.clients, elapsed / 60, os.path.basename(args.config), len(cases),
             ", ".join("%d %s" % (n, k) for k, n in sorted(collections.Counter(c.kind for c in cases).items()))))
    print("first answers wrong: %d" % len(problems))
    for problem in problems:
        print("  " + problem)
    served = sum(tally.served.values())
    print("requests served: %d (%s), %.2f/s" % (served, ", ".join("%s %d" % kv for kv in sorted(tally.served.items())),
                                                 served / elapsed))
    print("errors: %d %s" % (sum(tally.errors.values()), dict(tally.errors) or ""))
    print("wrong answers: %d %s" % (sum(tally.wrong.values()), dict(tally.wrong) or ""))
    print("server RSS: %.0f MB at start, %.0f MB at end, %.0f MB peak sampled; server %s"
          % (rss_start / mb, rss_end / mb, max(r for _, r in samples) / mb, "still up" if alive else "DIED"))
    print("RSS over time (min: MB): " + ", ".join("%.1f: %.0f" % (t / 60, r / mb) for t, r in samples))
    failed = problems or tally.errors or tally.wrong or not alive
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
