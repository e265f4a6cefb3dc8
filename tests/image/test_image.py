"""The container image, built and served here as a user would: `make image-test`.

Builds the root Dockerfile (CPU) on a local bookworm base (deploy/image/make-base, made once and cached), runs it
with deploy/image/podman-local, and checks from outside: healthy only once it reads, a real photo read right, a
`paths` request refused, PaddleX's /ocr answered with its drawing, a job read into the jobs volume, the server not
root. Prints the image size, build time and time from run to healthy.
Not part of `make test`: a build takes minutes and needs podman, buildah and debootstrap (.ci/run installs them).
"""

import json
import os
import re
import subprocess
import time
import urllib.request

import pytest
from conftest import cpu_has_bf16_units, cpu_has_int8_units

from testkit.answers import assert_refused
from testkit.inputs import encode, encode_file
from testkit.server import REPO, free_port, get_text, post_json

PODMAN = os.path.join(REPO, "deploy", "image", "podman-local")
BASE = os.environ.get("IMAGE_TEST_BASE", "localhost/bookworm-base")
TAG = "localhost/paddleocr-hubserving:test"
DATA = os.path.join(REPO, "tests", "data")


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([PODMAN, *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError("podman %s failed:\n%s%s" % (" ".join(args), result.stdout, result.stderr))
    return result


def container_log(name: str) -> str:
    """What the container printed, both streams (the server logs on stderr)."""
    logs = podman("logs", name, check=False)
    return logs.stdout + logs.stderr


def report(line: str) -> None:
    """What the issue asks to measure, on the terminal (`make image-test` runs pytest -s) and in the log."""
    print("\n[image] " + line)


@pytest.fixture(scope="module")
def image() -> str:
    subprocess.run([os.path.join(REPO, "deploy", "image", "make-base"), BASE], check=True, timeout=900)
    # vfs storage copies the whole file tree for every layer: drop the last test's image, and commit only the
    # finished image (--layers=false), or a few builds fill the disk.
    podman("rmi", "-f", TAG, check=False)
    podman("image", "prune", "-f", check=False)
    started = time.monotonic()
    podman("build", "--layers=false", "--format", "docker", "--isolation", "chroot", "--build-arg",
           "BASE_IMAGE=" + BASE, "-t", TAG, REPO, timeout=3600)
    report("build: %.0f s on base %s" % (time.monotonic() - started, BASE))
    size = int(podman("image", "inspect", TAG, "--format", "{{.Size}}").stdout)
    report("image size: %d bytes (%.2f GB)" % (size, size / 1e9))
    return TAG


@pytest.fixture(scope="module")
def container(image):
    """The image running with its default config, published on a free loopback port: (name, port, seconds from
    `run` to the first passing HEALTHCHECK, HEALTHCHECK results before that)."""
    name, port = "ocr-image-test-%d" % os.getpid(), free_port()
    podman("rm", "-f", "-t0", name, check=False)
    started = time.monotonic()
    podman("run", "-d", "--init", "--name", name, "-p", "127.0.0.1:%d:8866" % port, image)
    try:
        failures = 0
        while True:
            if podman("healthcheck", "run", name, check=False, timeout=60).returncode == 0:
                break
            failures += 1
            state = podman("inspect", name, "--format", "{{.State.Status}}").stdout.strip()
            assert state == "running", "the container stopped:\n" + container_log(name)
            assert time.monotonic() - started < 300, "not healthy after 300 s:\n" + container_log(name)
            time.sleep(1)
        healthy_after = time.monotonic() - started
        report("run to healthy: %.1f s" % healthy_after)
        yield name, port, healthy_after, failures
    finally:
        podman("rm", "-f", "-t0", name, check=False)


def test_healthy_only_once_the_models_answer(container):
    name, port, _, failures_before = container
    # The first checks ran before the server listened (it listens once every model is loaded) and failed.
    assert failures_before >= 1
    config = podman("exec", name, "sh", "-c", "echo $OCR_CONFIG && readlink -f $OCR_CONFIG").stdout.split()
    assert config == ["/app/default-config.json", "/app/configs/cpu.json"]
    health = podman("inspect", name, "--format", "{{.Config.Healthcheck.Test}}").stdout
    assert "/app/deploy/healthcheck.py" in health


def read_french(port: int) -> list:
    answer = post_json("http://127.0.0.1:%d/predict/ocr_system" % port,
                       {"images": [encode_file(os.path.join(DATA, "french.jpg"))]})
    assert answer["status"] == "000", answer
    return [line["text"] for line in answer["results"][0]]


def assert_served_prepared_models(log: str) -> None:
    """The PP-OCRv6 recogniser ran on Paddle Inference from the models converted at build time, and nothing was
    converted at start."""
    assert "converting " not in log, log
    loaded = re.findall(r"loading model (\S+)", log)
    assert any(path.startswith("/opt/ocr-models/PP-OCRv6_rec_small-") for path in loaded), log


def test_reads_a_real_photo_with_the_default_models(container):
    name, port, _, _ = container
    texts = read_french(port)
    # Accents kept: the default recogniser is PP-OCRv6's.
    assert "Palais du LOUVRE" in texts and "du PALAIS-ROYAL" in texts and "LES ARTS DÉCORATIFS" in texts, texts
    # The default: each model on OpenVINO, reading the bundled files as they are, in bf16 where the CPU has the units;
    # the recogniser in INT8, quantised at build time, where it has INT8 units.
    log = container_log(name)
    precision = "bf16" if cpu_has_bf16_units() else "fp32"
    recogniser = "int8" if cpu_has_int8_units() else precision
    runs = re.findall(r"model (\S+) runs on (\w+ \w+) \(backend auto", log)
    assert sorted(runs) == [("PP-OCRv4_mobile_det", "openvino " + precision),
                            ("PP-OCRv6_small_rec", "openvino " + recogniser),
                            ("SLANet_plus", "openvino " + precision),
                            ("ch_ppocr_mobile_v2.0_cls", "openvino " + precision),
                            ("picodet_lcnet_x1_0_fgd_layout_cdla", "openvino " + precision),
                            ("text_image_orientation", "openvino " + precision)], log
    assert "converting " not in log, log
    rss = podman("exec", name, "sh", "-c", "cat /proc/[0-9]*/status | awk '/^VmRSS:/ {kb += $2} END {print kb}'",
                 check=False).stdout.strip()
    report("RSS of the container's processes after a photo: %s MB" % (int(rss) // 1024 if rss.isdigit() else "?"))


def test_stalled_clients_do_not_hold_the_image(container):
    """The image's default server, as the Kubernetes pod and `docker run` get it, behind its own front: 64 clients
    that stop half-way through a request cost connections, not the service."""
    from testkit.misbehaving import stalled_connections

    _, port, _, _ = container

    def read_took() -> float:
        started = time.monotonic()
        assert "Palais du LOUVRE" in read_french(port)
        return time.monotonic() - started

    usual = min(read_took() for _ in range(2))
    with stalled_connections(port, 64):
        took = read_took()
    report("a normal request: %.2f s alone, %.2f s with 64 stalled connections" % (usual, took))
    assert took < usual + 2, (took, usual)


def test_paddle_starts_without_a_writable_cache_folder(image):
    """`configs/cpu_paddle.json` reads the models converted at build time as they are: with the cache folder absent
    and impossible to make (the user cannot write to /), the container starts, converts nothing and reads as
    usual."""
    name, port = "ocr-image-nocache-%d" % os.getpid(), free_port()
    podman("rm", "-f", "-t0", name, check=False)
    podman("run", "-d", "--init", "--name", name, "-p", "127.0.0.1:%d:8866" % port,
           "-e", "XDG_CACHE_HOME=/no-cache-here/cache", "-e", "OCR_CONFIG=/app/configs/cpu_paddle.json", image)
    try:
        started = time.monotonic()
        while podman("healthcheck", "run", name, check=False, timeout=60).returncode != 0:
            state = podman("inspect", name, "--format", "{{.State.Status}}").stdout.strip()
            assert state == "running", "the container stopped:\n" + container_log(name)
            assert time.monotonic() - started < 300, "not healthy after 300 s:\n" + container_log(name)
            time.sleep(1)
        report("without a cache folder: healthy %.1f s after run" % (time.monotonic() - started))
        assert "LES ARTS DÉCORATIFS" in read_french(port)
        assert_served_prepared_models(container_log(name))
        assert podman("exec", name, "test", "-e", "/no-cache-here", check=False).returncode != 0
    finally:
        podman("rm", "-f", "-t0", name, check=False)


def test_reads_a_pdf_page_by_page(container):
    from testkit.documents import photos_pdf
    from testkit.inputs import b64

    _, port, _, _ = container
    document = photos_pdf([os.path.join(DATA, "french.jpg"), os.path.join(DATA, "chinese.jpg")])
    answer = post_json("http://127.0.0.1:%d/predict/ocr_system" % port, {"images": [b64(document)]})
    assert answer["status"] == "000", answer
    pages = {box["page"]: box["text"] for box in answer["results"][0] if box["text"] in ("Palais du LOUVRE", "愚园路")}
    assert pages == {1: "Palais du LOUVRE", 2: "愚园路"}, answer["results"][0]


def test_paddleocr_3_clients_get_the_paddlex_api(container):
    from testkit.server import post_for_status

    _, port, _, _ = container
    assert get_text("http://127.0.0.1:%d/health" % port)[0] == 200
    status, answer = post_for_status("http://127.0.0.1:%d/ocr" % port,
                                     {"file": encode_file(os.path.join(DATA, "french.jpg")), "fileType": 1})
    assert status == 200 and answer["errorCode"] == 0, answer
    result = answer["result"]["ocrResults"][0]
    assert "LES ARTS DÉCORATIFS" in result["prunedResult"]["rec_texts"] and result["ocrImage"], answer


def test_a_job_is_read_into_the_images_job_volume(container):
    import types

    from test_jobs import PAGES, call, contract_pdf, submit, wait_done

    name, port, _, _ = container
    server = types.SimpleNamespace(url="http://127.0.0.1:%d" % port)
    code, answer = submit(server, "no key needed", {"model": "PP-OCRv6"}, contract_pdf(PAGES[:2]))
    assert code == 200, answer
    done = wait_done(server, "no key needed", answer["data"]["jobId"])
    assert done["state"] == "done", done
    code, text = call(done["resultUrl"]["jsonUrl"])
    assert code == 200 and [json.loads(line)["result"]["ocrResults"][0]["prunedResult"]["rec_texts"]
                            for line in text.splitlines()] == PAGES[:2]
    # The store is in the image's jobs_dir, on a volume, written by the server's user.
    mounts = podman("inspect", name, "--format", "{{range .Mounts}}{{.Destination}} {{end}}").stdout.split()
    assert "/app/jobs" in mounts, mounts
    listing = podman("exec", name, "ls", "-n", "/app/jobs").stdout
    assert re.search(r"10001 +10001 .* jobs\.sqlite3$", listing, re.M), listing


def test_layout_parsing_reads_a_page_as_markdown(container):
    from testkit.pages import order_similarity, render_html, two_column_document, two_column_words, words
    from testkit.server import post_for_status

    _, port, _, _ = container
    status, answer = post_for_status("http://127.0.0.1:%d/layout-parsing" % port,
                                     {"file": encode(render_html([two_column_document()])[0]), "fileType": 1})
    assert status == 200 and answer["errorCode"] == 0, answer
    markdown = answer["result"]["layoutParsingResults"][0]["markdown"]["text"]
    assert order_similarity(words(markdown), two_column_words()) >= 0.9, markdown


def test_paths_are_refused_and_the_server_goes_on(container):
    _, port, _, _ = container
    url = "http://127.0.0.1:%d/predict/ocr_system" % port
    answer = post_json(url, {"images": [encode_file(os.path.join(DATA, "chinese.jpg"))], "paths": ["/etc/passwd"]})
    assert_refused(answer, "paths is not accepted over HTTP: send the image bytes, base64-encoded, in images")
    with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=30) as response:
        assert response.status == 200


def test_the_web_demo_says_the_image_leaves_it_out(container):
    _, port, _, _ = container
    code, text = get_text("http://127.0.0.1:%d/gradio/ocr_system" % port)
    assert code == 503 and text.startswith("The web demo needs gradio, which is not installed"), (code, text)


def test_the_server_runs_as_a_user_not_root(container):
    name, _, _, _ = container
    # The uid of every process in the container, the server's included, read from /proc inside it.
    uids = podman("exec", name, "sh", "-c", "for s in /proc/[0-9]*/status; do awk '/^Uid:/ {print $2}' $s; done",
                  check=False).stdout.split()
    assert uids and "0" not in uids, uids
    assert podman("exec", name, "id", "-un").stdout.strip() == "ocr"


def test_the_kubernetes_config_is_ready_only_when_warm_and_stops_cleanly(image):
    """The image as the manifests run it: their config.json mounted at /etc/ocr, no --init (the gunicorn master is
    PID 1), probes on the status port; SIGTERM stops it with exit status 0, well inside the grace period."""
    name, port, status_port = "ocr-image-k8s-%d" % os.getpid(), free_port(), free_port()
    config = os.path.join(REPO, "deploy", "kubernetes", "base", "config.json")
    podman("rm", "-f", "-t0", name, check=False)
    podman("run", "-d", "--name", name, "-p", "127.0.0.1:%d:8866" % port, "-p", "127.0.0.1:%d:9100" % status_port,
           "-v", "%s:/etc/ocr/config.json:ro" % config, "-e", "OCR_CONFIG=/etc/ocr/config.json", image)
    try:
        started, answers, said = time.monotonic(), [], None
        while not answers or answers[-1] != 200:
            assert time.monotonic() - started < 300, "not ready after 300 s: /ready said %r (first answers %s)\n%s" % (
                said, answers[:5], container_log(name)[-6000:])
            code, said = get_text("http://127.0.0.1:%d/ready" % status_port, timeout=2)
            answers.append(code)
            time.sleep(0.2)
        report("kubernetes config: ready %.1f s after run" % (time.monotonic() - started))
        assert answers[0] != 200, answers
        assert get_text("http://127.0.0.1:%d/live" % status_port) == (200, "alive\n")
        answer = post_json("http://127.0.0.1:%d/predict/ocr_system" % port,
                           {"images": [encode_file(os.path.join(DATA, "french.jpg"))]})
        assert answer["status"] == "000", answer
        metrics = get_text("http://127.0.0.1:%d/metrics" % status_port)[1]
        assert 'ocr_requests_total{module="ocr_system",outcome="ok"} 1.0' in metrics, metrics
        # 2 workers x (det, cls, rec and the three structure models)
        assert "ocr_predictor_loads_total 12.0" in metrics, metrics
        stopping = time.monotonic()
        podman("stop", "-t", "60", name, timeout=90)
        stop_seconds = time.monotonic() - stopping
        report("kubernetes config: stopped %.1f s after SIGTERM" % stop_seconds)
        assert podman("inspect", name, "--format", "{{.State.ExitCode}}").stdout.strip() == "0", container_log(name)
        assert stop_seconds < 30, "SIGTERM did not stop the server; podman had to kill it"
    finally:
        podman("rm", "-f", "-t0", name, check=False)
