"""Operating the service (issue 13): workers warm before the server says ready, metrics summed over gunicorn
workers, a log line per request, and a SIGTERM that lets the request in flight finish. The server runs the config
the Kubernetes manifests hold (deploy/kubernetes/base/config.json)."""

import concurrent.futures
import json
import os
import re
import signal
import time

import pytest
from conftest import assert_ok, read_texts

from testkit.answers import assert_refused
from testkit.inputs import encode, encode_file
from testkit.rendering import latin_font, render_lines
from testkit.server import REPO, HubServer, free_port, get_text, run_until_exit, shipped_config, write_config

KUBERNETES_CONFIG = os.path.join(REPO, "deploy", "kubernetes", "base", "config.json")
WORKERS = 2


def kubernetes_config(metrics_port: int) -> dict:
    """The manifests' config.json with its status server moved to ``metrics_port``."""
    with open(KUBERNETES_CONFIG) as handle:
        config = json.load(handle)
    assert config["use_multiprocess"] and config["workers"] == WORKERS
    for module in config["modules_info"].values():
        module["init_args"]["metrics_port"] = metrics_port
    return config


@pytest.fixture(scope="module")
def operated(hub_home, tmp_path_factory):
    """(server, metrics port, the /ready answers seen while it started)."""
    metrics_port = free_port()
    workdir = str(tmp_path_factory.mktemp("operate"))
    server = HubServer.with_config(kubernetes_config(metrics_port), hub_home, workdir)
    try:
        seen = server.wait_status_ready(metrics_port)
        yield server, metrics_port, seen
    finally:
        server.stop()


def timed_predict(server, images):
    started = time.perf_counter()
    answer = server.predict("ocr_system", images)
    return time.perf_counter() - started, answer


def served_by(log: str) -> list:
    """The worker pid of each ocr_system request line in a server log, in order."""
    return [int(pid) for pid in re.findall(r"ocr_system: \w+, .* worker (\d+)", log)]


def test_every_worker_is_warm_before_ready_and_its_first_request_loads_no_model(operated, data_dir):
    server, _, seen = operated
    assert seen[-1] == "200 ready: %d of %d workers warm" % (WORKERS, WORKERS), seen
    # Each worker loads the three OCR models and the three structure models.
    warm = [int(pid) for pid in re.findall(r"worker (\d+) warm: 6 model\(s\) loaded and run", server.log())]
    assert len(warm) == WORKERS, server.log()[-3000:]
    assert not served_by(server.log()), "requests before this test"
    image = [encode_file(os.path.join(data_dir, "chinese.jpg"))]
    # Pairs sent together: a sync worker takes one request at a time, so each pair reaches both workers.
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        pairs = [list(pool.map(lambda _: timed_predict(server, image), range(WORKERS))) for _ in range(6)]
    texts = {json.dumps(read_texts(answer)) for pair in pairs for _, answer in pair}
    assert len(texts) == 1, texts
    assert sorted(served_by(server.log())[:WORKERS]) == sorted(warm), "the first pair did not reach both workers"
    # Each request's log line names the stages it spent time in; "load" would be a model loaded for it. (Its time
    # is not asserted: OpenVINO runs a shape it has seen faster, so a first request is slower than its repeats.)
    lines = re.findall(r"ocr_system: ok, .*\((.*)\), worker \d+", server.log())
    assert len(lines) == 2 * 6 and not [stages for stages in lines if "load" in stages], lines


def scrape(metrics_port: int) -> dict:
    """The status server's /metrics as {sample with labels: value}."""
    code, body = get_text("http://127.0.0.1:%d/metrics" % metrics_port)
    assert code == 200, body
    samples = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_metrics_count_every_request_exactly_summed_over_workers(operated, data_dir, english):
    server, metrics_port, _ = operated
    before = scrape(metrics_port)
    photo = encode_file(os.path.join(data_dir, "french.jpg"))
    requests = [[photo]] * 4 + [[photo, photo, photo]]
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        answers = list(pool.map(lambda images: server.predict("ocr_system", images), requests))
    lines = sum(len(image) for answer in answers for image in assert_ok(answer))
    refused = server.predict("ocr_system", ["not base64 at all!"])
    assert "image 1 of 1: is not valid base64" in assert_refused(refused)
    boxes = assert_ok(server.predict("ocr_det", [encode(english[0])]))
    after = scrape(metrics_port)

    def added(sample):
        return after.get(sample, 0) - before.get(sample, 0)

    assert len(set(served_by(server.log()))) == WORKERS, "both workers should have served"
    assert added('ocr_requests_total{module="ocr_system",outcome="ok"}') == 5
    assert added('ocr_requests_total{module="ocr_system",outcome="refused"}') == 1
    assert added('ocr_requests_total{module="ocr_det",outcome="ok"}') == 1
    assert added('ocr_images_total{module="ocr_system"}') == 7
    assert added('ocr_lines_total{module="ocr_system"}') == lines > 0
    assert added('ocr_lines_total{module="ocr_det"}') == len(boxes[0]) > 0
    assert added('ocr_request_seconds_count{module="ocr_system"}') == 6
    for stage in ("decode", "detect", "classify", "recognise"):
        assert added('ocr_stage_seconds_count{module="ocr_system",stage="%s"}' % stage) == 5 + (stage == "decode")
    assert added('ocr_stage_seconds_count{module="ocr_det",stage="detect"}') == 1
    # Each worker loaded each model once, at start: det, cls, rec, and the layout, table and orientation models.
    assert after["ocr_predictor_loads_total"] == 6 * WORKERS


def test_each_request_is_logged_in_one_line_without_its_content(operated):
    server, _, _ = operated
    image, _ = render_lines(["Invoice 2024"], latin_font())
    sent = encode(image)
    assert_ok(server.predict("ocr_system", [sent]))
    server.predict("ocr_system", [sent, 42])
    log = server.log()
    assert re.search(r"ocr_system: ok, 1 image\(s\), [\d.]+ Mpx, 1 line\(s\), \d+ ms \(decode \d+, detect \d+, "
                     r"classify \d+, recognise \d+\), worker \d+\n", log), log[-2000:]
    assert re.search(r"ocr_system: refused, 2 image\(s\), 0.00 Mpx, 0 line\(s\), \d+ ms \(decode \d+\), worker \d+: "
                     r"image 2 of 2: expected a base64 string, got a number\n", log), log[-2000:]
    assert sent[:64] not in log and "Invoice" not in log


def test_probes_answer_from_the_master_while_every_worker_is_busy(operated):
    server, metrics_port, _ = operated
    page, _ = render_lines(["Line %d of a long and busy page to read" % i for i in range(40)], latin_font())
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        busy = [pool.submit(server.predict, "ocr_system", [encode(page)] * 3) for _ in range(WORKERS)]
        time.sleep(1)
        assert not any(future.done() for future in busy), "the requests should keep both workers busy"
        assert get_text("http://127.0.0.1:%d/live" % metrics_port, timeout=1) == (200, "alive\n")
        assert get_text("http://127.0.0.1:%d/ready" % metrics_port, timeout=1)[0] == 200
        for future in busy:
            assert_ok(future.result())
    assert get_text("http://127.0.0.1:%d/other" % metrics_port)[0] == 404


def test_sigterm_lets_the_request_in_flight_finish_then_stops(operated):
    # The module's server, stopped here: this test comes after every other test that uses it.
    server, metrics_port, _ = operated
    page, _ = render_lines(["Row %d: a line of text to keep a worker busy for a while" % i for i in range(40)],
                           latin_font())
    alone = read_texts(server.predict("ocr_system", [encode(page)]))[0]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(server.predict, "ocr_system", [encode(page)] * 4)
        time.sleep(1.5)
        assert not in_flight.done()
        os.kill(server.process.pid, signal.SIGTERM)  # the gunicorn master, as Kubernetes signals it
        time.sleep(0.5)
        assert get_text("http://127.0.0.1:%d/ready" % metrics_port)[0] == 503
        assert read_texts(in_flight.result()) == [alone] * 4
    assert server.process.wait(timeout=60) == 0
    assert get_text(server.url + "/")[0] is None  # stopped listening


def test_single_process_is_ready_once_it_listens(hub_home, tmp_path):
    metrics_port = free_port()
    config = shipped_config("cpu.json", {"ocr_system": {"metrics_port": metrics_port}})
    with HubServer.with_config(config, hub_home, str(tmp_path)) as server:
        assert server.wait_status_ready(metrics_port)[-1] == "200 ready: serving"
        server.predict("ocr_rec", [encode_file(os.path.join(REPO, "tests", "data", "chinese.jpg"))])
        samples = scrape(metrics_port)
        assert samples['ocr_requests_total{module="ocr_rec",outcome="ok"}'] == 1
        # preload: det, cls, rec and the three structure models, once for the seven modules
        assert samples["ocr_predictor_loads_total"] == 6


def test_two_status_ports_are_refused_at_start(hub_home, tmp_path):
    config = shipped_config("cpu.json", {"ocr_det": {"metrics_port": free_port()},
                                                "ocr_rec": {"metrics_port": free_port()}})
    path = write_config(str(tmp_path / "two.json"), config, free_port())
    result = run_until_exit(["-c", path], hub_home, str(tmp_path))
    assert result.returncode != 0
    assert "metrics_port belongs to the whole server, and one module sets" in result.stdout + result.stderr
    assert "set it once, in any one module's init_args" in result.stdout + result.stderr
