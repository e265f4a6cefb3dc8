"""PaddleOCR's official job API on this server, driven by the official clients (paddleocr 3.7.0's ``paddleocr api``
CLI and ``PaddleOCRClient``, from ``.venv-mcp``): a PDF the test makes read as PP-OCRv5 and as PP-StructureV3, page
ranges, batches and saved resources; a job seen only with its key, links only with their signature; a job that
survives ``kill -9`` and a restart."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse

import pytest

from testkit import postgres
from testkit.documents import text_pdf
from testkit.inputs import encode, form_body
from testkit.rendering import latin_font, render_lines
from testkit.server import REPO, HubServer, free_port, get_text, shipped_config, single_module_config

MCP_VENV = os.path.join(REPO, os.environ.get("MCP_VENV", ".venv-mcp"))
TS_CLIENT = os.path.join(REPO, "testkit", "ts_client")
needs_ts_sdk = pytest.mark.skipif(
    not (shutil.which("node") and os.path.exists(os.path.join(TS_CLIENT, "node_modules", "@paddleocr", "api-sdk"))),
    reason="no node, or @paddleocr/api-sdk not installed: make ts-client installs it where npm is (make test does)")
needs_client = pytest.mark.skipif(not os.path.exists(os.path.join(MCP_VENV, "bin", "paddleocr")),
                                  reason="no paddleocr 3.x venv: make mcp-client builds it (make test does)")
KEYS = {"alice": "alice-key-0123456789", "bob": "bob-key-0123456789"}
# Each page's own lines, so that a page read twice, left out or out of order shows.
PAGES = [["Page %d of the contract" % number, "Clause %d: payment in %d days" % (number, 10 * number)]
         for number in range(1, 5)]
MAX_UPLOAD = 2_000_000


def contract_pdf(pages=PAGES) -> bytes:
    return text_pdf(pages, size=14, page_size=(320, 120))


def jobs_config(keys_path: str, metrics_port=None, fetch_prefixes=()) -> dict:
    return shipped_config("cpu.json", {"ocr_system": {"api_keys_file": keys_path, "job_max_upload_bytes": MAX_UPLOAD,
                                                      "metrics_port": metrics_port,
                                                      "job_fetch_prefixes": list(fetch_prefixes)}})


@pytest.fixture(scope="module")
def document_host(tmp_path_factory):
    """A plain HTTP server on loopback serving a folder: (its URL, the folder), where ``allowed/`` is the prefix
    the jobs server may fetch from."""
    import functools
    import http.server
    import threading

    folder = tmp_path_factory.mktemp("hosted")
    (folder / "allowed").mkdir()
    (folder / "other").mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % httpd.server_port, folder
    httpd.shutdown()


@pytest.fixture(scope="module")
def keys_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("job-keys") / "api-keys"
    path.write_text("".join("%s: %s\n" % item for item in KEYS.items()))
    return str(path)


@pytest.fixture(scope="module")
def jobs_server(hub_home, keys_path, document_host, tmp_path_factory):
    metrics_port = free_port()
    with HubServer.with_config(jobs_config(keys_path, metrics_port, [document_host[0] + "/allowed/"]), hub_home,
                               str(tmp_path_factory.mktemp("jobs"))) as server:
        server.wait_status_ready(metrics_port)
        server.metrics_url = "http://127.0.0.1:%d" % metrics_port
        yield server


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("document") / "contract.pdf"
    path.write_bytes(contract_pdf())
    return str(path)


def api_client(server, key: str, model: str, path: str, resources: str, *flags: str) -> dict:
    done = subprocess.run([os.path.join(MCP_VENV, "bin", "python"), os.path.join(REPO, "testkit", "api_client.py"),
                           server.url, key, model, path, resources] + list(flags),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def call(url: str, method: str = "GET", data=None, headers=None):
    """(status, the JSON answer, or the text where the answer is not application/json) of one request, whatever the
    status."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        response = urllib.request.urlopen(request, timeout=300)
    except urllib.error.HTTPError as err:
        response = err
    with response:
        raw = response.read().decode("utf-8", "replace")
        is_json = response.headers.get("Content-Type", "").split(";")[0] == "application/json"
    return response.status, json.loads(raw) if is_json else raw


def submit(server, key: str, fields: dict, data: bytes):
    """(status, answer) of a multipart submission, as the clients send one."""
    boundary = "----ocr-test-boundary"
    body = form_body(boundary, [(field, str(value)) for field, value in fields.items()], [("file", data)])
    return call(server.url + "/api/v2/ocr/jobs", "POST", body, {
        "Authorization": "Bearer " + key, "Content-Type": "multipart/form-data; boundary=" + boundary})


def status(server, key: str, job_id: str):
    return call(server.url + "/api/v2/ocr/jobs/" + job_id, headers={"Authorization": "Bearer " + key})


def wait_done(server, key: str, job_id: str, timeout: float = 300) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        code, answer = status(server, key, job_id)
        assert code == 200, answer
        if answer["data"]["state"] in ("done", "failed"):
            return answer["data"]
        time.sleep(0.3)
    raise AssertionError("job %s not done in %d s" % (job_id, timeout))


@needs_client
def test_the_official_cli_reads_chosen_pages_as_pp_ocrv5_and_saves_the_drawings(jobs_server, document, tmp_path):
    resources = tmp_path / "resources"
    resources.mkdir()
    out = tmp_path / "out.json"
    done = subprocess.run(
        [os.path.join(MCP_VENV, "bin", "paddleocr"), "api", "--model_type", "ocr", "--model", "PP-OCRv5",
         "--file_path", document, "--base_url", jobs_server.url, "--token", KEYS["alice"], "--page_ranges", "1,3-4",
         "--output", str(out), "--save_resources", str(resources), "--poll_timeout", "300"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert [page["prunedResult"]["rec_texts"] for page in result["pages"]] == [PAGES[0], PAGES[2], PAGES[3]]
    assert sorted(os.listdir(resources)) == ["ocr-page-1.jpg", "ocr-page-2.jpg", "ocr-page-3.jpg"]
    assert all((resources / name).read_bytes()[:3] == b"\xff\xd8\xff" for name in os.listdir(resources))


@needs_client
def test_the_official_client_parses_the_document_as_pp_structurev3_in_a_batch(jobs_server, document, tmp_path):
    first = api_client(jobs_server, KEYS["bob"], "PP-StructureV3", document, str(tmp_path), "--batch-id", "b-7")
    assert "pages" in first, first
    assert [page["markdown"].split() for page in first["pages"]] == [" ".join(lines).split() for lines in PAGES]
    assert first["dataInfo"]["numPages"] == len(PAGES) and first["dataInfo"]["type"] == "pdf"
    assert [page["images"] for page in first["pages"]] == [["layout_det_res_page%d.jpg" % n] for n in range(1, 5)]
    assert len(first["saved"]) == len(PAGES)
    (tmp_path / "second").mkdir()
    second = api_client(jobs_server, KEYS["bob"], "PP-OCRv6", document, str(tmp_path / "second"), "--batch-id",
                        "b-7", "--page-ranges", "2")
    assert [page["texts"] for page in second["pages"]] == [PAGES[1]]
    assert second["batch"] == [[first["job"], "done"], [second["job"], "done"]]


@needs_ts_sdk
@pytest.mark.parametrize("model", ["PP-OCRv5", "PP-StructureV3"])
def test_the_official_typescript_sdk_reads_the_document(jobs_server, document, model):
    done = subprocess.run(["node", "read.mjs", jobs_server.url, KEYS["alice"], model, document],
                          capture_output=True, text=True, timeout=600, cwd=TS_CLIENT)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if model == "PP-StructureV3":
        assert [text.split() for text in result["markdown"]] == [" ".join(lines).split() for lines in PAGES]
    else:
        assert result["texts"] == PAGES


def test_a_job_is_seen_only_with_its_key_and_its_links_only_with_their_signature(jobs_server):
    code, answer = submit(jobs_server, KEYS["alice"], {"model": "PP-OCRv6"}, contract_pdf(PAGES[:1]))
    assert code == 200 and answer["code"] == 0, answer
    job_id = answer["data"]["jobId"]
    done = wait_done(jobs_server, KEYS["alice"], job_id)
    assert done["state"] == "done" and done["extractProgress"]["extractedPages"] == 1
    assert status(jobs_server, KEYS["bob"], job_id) == (404, {
        "code": 404, "msg": "no job %s is known to this key" % job_id, "data": None})
    code, _ = call(jobs_server.url + "/api/v2/ocr/jobs/batch/nothing",
                   headers={"Authorization": "Bearer " + KEYS["alice"]})
    assert code == 404
    link = done["resultUrl"]["jsonUrl"]
    assert urllib.parse.urlparse(link).netloc == urllib.parse.urlparse(jobs_server.url).netloc
    code, lines = call(link)  # no key: the link is its permission
    assert code == 200 and json.loads(lines)["result"]["ocrResults"][0]["prunedResult"]["rec_texts"] == PAGES[0]
    altered = link.replace("result.jsonl", "page-000000.json")
    assert call(altered) == (403, {
        "code": 403, "msg": "this link's signature does not match it: use the link as the job's status gave it",
        "data": None})
    assert call(link.split("?")[0])[0] == 403
    expired = link.replace("expires=", "expires=1")
    assert call(expired)[0] == 403


def test_a_documents_pages_read_apart_are_mended_across_their_breaks_in_the_result(jobs_server, tmp_path):
    from testkit.reading_pages import CONTINUED_ROWS, continued_pdf

    pdf = continued_pdf(str(tmp_path))
    code, answer = submit(jobs_server, KEYS["alice"], {"model": "PP-StructureV3"}, pdf)
    assert code == 200, answer
    done = wait_done(jobs_server, KEYS["alice"], answer["data"]["jobId"])
    assert done["state"] == "done", done
    code, lines = call(done["resultUrl"]["jsonUrl"])
    markdown = [json.loads(line)["result"]["layoutParsingResults"][0]["markdown"] for line in lines.splitlines()]
    assert markdown[0]["text"].endswith("checked by the international") and not markdown[0]["isEnd"], markdown[0]
    assert markdown[1]["text"].startswith("survey team") and not markdown[1]["isStart"], markdown[1]
    assert markdown[1]["text"].count("<tr>") == CONTINUED_ROWS and "<table" not in markdown[2]["text"], markdown


@pytest.mark.parametrize("fields, sentence", [
    ({"model": "PaddleOCR-VL-1.6"}, "model PaddleOCR-VL-1.6 is a vision-language model, which this server does not "
                                    "run"),
    ({"model": "PP-OCRv6", "pageRanges": "2-9"}, "pageRanges '2-9': the document has 1 page(s), so page 9 is not"),
    ({"model": "PP-OCRv6", "optionalPayload": '{"textDetThresh": "high"}'}, "optionalPayload: "),
    ({"model": "PP-OCRv6", "fileUrl": "https://example.com/a.pdf"}, "send file or fileUrl, not both"),
])
def test_what_cannot_be_a_job_is_refused_in_a_sentence(jobs_server, fields, sentence):
    code, answer = submit(jobs_server, KEYS["alice"], fields, contract_pdf(PAGES[:1]))
    assert code == 400 and answer["code"] == 400 and sentence in answer["msg"], answer
    code, answer = call(jobs_server.url + "/api/v2/ocr/jobs", "POST",
                        json.dumps({"fileUrl": "https://example.com/a.pdf", "model": "PP-OCRv6"}).encode(),
                        {"Authorization": "Bearer " + KEYS["alice"], "Content-Type": "application/json"})
    assert code == 400 and answer["msg"] == (
        "fileUrl: this server fetches only from the URL prefixes its operator allows (job_fetch_prefixes), and "
        "this URL is not under one; upload the file itself (multipart, field file)"), answer


def test_an_upload_over_the_limit_is_refused_from_its_headers(jobs_server):
    import socket

    with socket.create_connection(("127.0.0.1", jobs_server.port), timeout=10) as connection:
        connection.sendall(b"POST /api/v2/ocr/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                           b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n"
                           % (KEYS["alice"].encode(), MAX_UPLOAD + 1))
        answer = b""
        while True:  # answered, and closed, with none of the body sent
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        answer = answer.decode()
    assert answer.startswith("HTTP/1.1 413 "), answer
    assert "over the limit of 1.9 MB for POST /api/v2/ocr/jobs (job_max_upload_bytes)" in answer, answer


def test_a_job_survives_kill_9_and_a_restart_and_reads_every_page_once(hub_home, keys_path, tmp_path):
    pages = [["Sheet %d line %d of the long report" % (sheet, line) for line in range(1, 4)] for sheet in range(1, 13)]
    config = jobs_config(keys_path)
    first = HubServer.with_config(config, hub_home, str(tmp_path)).wait_ready()
    try:
        code, answer = submit(first, KEYS["alice"], {"model": "PP-OCRv6"}, contract_pdf(pages))
        job_id = answer["data"]["jobId"]
        deadline = time.time() + 120
        while status(first, KEYS["alice"], job_id)[1]["data"]["extractProgress"]["extractedPages"] < 2:
            assert time.time() < deadline
            time.sleep(0.1)
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait()
    finally:
        first.stop()
    with HubServer.with_config(config, hub_home, str(tmp_path), name="restarted") as second:
        done = wait_done(second, KEYS["alice"], job_id)
        assert done["state"] == "done" and done["extractProgress"]["extractedPages"] == len(pages), done
        code, text = call(done["resultUrl"]["jsonUrl"])
        lines = [json.loads(line) for line in text.splitlines()]
        assert [line["result"]["ocrResults"][0]["prunedResult"]["rec_texts"] for line in lines] == pages
        # The restarted server read the pages the killed one had not, and ended the job.
        assert "job %s done: PP-OCRv6, alice, %d page(s)" % (job_id, len(pages)) in second.log()


def test_jobs_are_counted_logged_and_the_store_is_in_readiness(jobs_server):
    code, answer = submit(jobs_server, KEYS["bob"], {"model": "PP-OCRv6"}, contract_pdf(PAGES[:2]))
    job_id = answer["data"]["jobId"]
    assert wait_done(jobs_server, KEYS["bob"], job_id)["state"] == "done"
    code, failed = submit(jobs_server, KEYS["bob"], {"model": "PP-OCRv6"}, b"\x89PNG\r\n\x1a\n broken")
    assert wait_done(jobs_server, KEYS["bob"], failed["data"]["jobId"])["errorMsg"].startswith("page 1: file: ")
    metrics = get_text(jobs_server.metrics_url + "/metrics")[1]
    done = re.search(r'^ocr_job_pages_total\{outcome="done"\} (\d+)', metrics, re.M)
    assert done and int(done.group(1)) >= 2, metrics
    assert re.search(r'^ocr_job_pages_total\{outcome="failed"\} [1-9]', metrics, re.M), metrics
    assert re.search(r'^ocr_jobs\{state="done"\} [1-9]', metrics, re.M), metrics
    assert re.search(r'^ocr_jobs\{state="failed"\} [1-9]', metrics, re.M), metrics
    assert re.search(r"^ocr_job_pages_queued \d", metrics, re.M), metrics
    assert get_text(jobs_server.metrics_url + "/ready") == (200, "ready: serving\n")
    assert re.search(r"job %s done: PP-OCRv6, bob, 2 page\(s\), [\d.]+ s" % job_id, jobs_server.log())


def test_a_job_store_that_cannot_be_opened_leaves_the_rest_serving_and_says_why(hub_home, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    metrics_port = free_port()
    config = single_module_config("ocr_det", {"jobs_dir": str(tmp_path / "a-file" / "jobs"), "preload": False,
                                              "metrics_port": metrics_port})
    with HubServer.with_config(config, hub_home, str(tmp_path)) as server:
        code, answer = call(server.url + "/api/v2/ocr/jobs/anything")
        folder = tmp_path / "a-file" / "jobs"
        assert code == 503 and answer["msg"].startswith("the job store in %s cannot be" % folder), answer
        assert answer["msg"].endswith(": set jobs_dir to a folder this server may write, or jobs_database to a "
                                      "PostgreSQL server it reaches"), answer
        assert server.predict("ocr_det", [encode(render_lines(["Total 12.50"], latin_font())[0])])["status"] == "000"
        code, why = get_text("http://127.0.0.1:%d/ready" % metrics_port)
        assert code == 503 and why.startswith("not ready: the job store in"), why


def test_gunicorn_workers_share_a_jobs_pages_and_the_master_reads_none(multiprocess_server):
    pages = [["Sheet %d line %d" % (sheet, line) for line in range(1, 3)] for sheet in range(1, 17)]
    before = len(multiprocess_server.log())
    code, answer = submit(multiprocess_server, "no key is needed here", {"model": "PP-OCRv6"}, contract_pdf(pages))
    assert code == 200, answer
    done = wait_done(multiprocess_server, "no key is needed here", answer["data"]["jobId"])
    assert done["state"] == "done" and done["extractProgress"]["extractedPages"] == len(pages), done
    readers = re.findall(r"/api/v2/ocr/jobs: ok, 1 image\(s\), .* worker (\d+)", multiprocess_server.log()[before:])
    workers = set(multiprocess_server.pids()) - {multiprocess_server.process.pid}
    assert len(readers) == len(pages) and set(map(int, readers)) == workers, (readers, workers)


@pytest.mark.skipif(not postgres.can_run(), reason="no PostgreSQL here (Debian's postgresql package, run as root)")
def test_two_servers_on_one_postgresql_share_a_job_and_one_finishes_what_a_killed_one_left(hub_home, keys_path,
                                                                                            tmp_path):
    pages = [["Folio %d entry %d of the ledger" % (sheet, line) for line in range(1, 3)] for sheet in range(1, 25)]
    with postgres.throwaway_postgres() as url:
        config = shipped_config("cpu.json", {"ocr_system": {"api_keys_file": keys_path, "jobs_database": url}})
        for name in ("one", "two", "three"):
            (tmp_path / name).mkdir()
        first = HubServer.with_config(config, hub_home, str(tmp_path / "one"), name="one")
        second = HubServer.with_config(config, hub_home, str(tmp_path / "two"), name="two")
        try:
            first.wait_ready()
            second.wait_ready()
            code, answer = submit(first, KEYS["alice"], {"model": "PP-OCRv6"}, contract_pdf(pages))
            assert code == 200, answer
            job_id = answer["data"]["jobId"]
            deadline = time.time() + 120
            while not all("/api/v2/ocr/jobs: ok" in server.log() for server in (first, second)):  # both read
                assert time.time() < deadline, "both servers should read pages"
                time.sleep(0.1)
            assert status(second, KEYS["bob"], job_id)[0] == 404  # the store keeps whose job it is
            os.killpg(first.process.pid, signal.SIGKILL)
            first.process.wait()
            done = wait_done(second, KEYS["alice"], job_id)
        finally:
            first.stop()
            second.stop()
        assert done["state"] == "done" and done["extractProgress"]["extractedPages"] == len(pages), done
        with HubServer.with_config(config, hub_home, str(tmp_path / "three"), name="three") as third:
            # Fetched through another server: the result, its links and the secret are the store's.
            code, text = call(status(third, KEYS["alice"], job_id)[1]["data"]["resultUrl"]["jsonUrl"])
    lines = [json.loads(line) for line in text.splitlines()]
    assert code == 200 and [line["result"]["ocrResults"][0]["prunedResult"]["rec_texts"] for line in lines] == pages
    assert "job %s done: PP-OCRv6, alice, %d page(s)" % (job_id, len(pages)) in second.log()


def test_the_bulk_client_reads_a_folder_names_what_failed_and_resumes(jobs_server, tmp_path):
    folder = tmp_path / "scans"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.pdf").write_bytes(contract_pdf(PAGES[:2]))
    (folder / "sub" / "b.pdf").write_bytes(contract_pdf(PAGES[2:]))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")
    (folder / "notes.txt").write_text("not a document")
    out = tmp_path / "out"
    command = [sys.executable, os.path.join(REPO, "tools", "ocr_batch.py"), jobs_server.url, str(folder), "--out",
               str(out), "--token", KEYS["alice"], "--model", "PP-OCRv6", "--in-flight", "2"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "3 document(s) to read, 0 already done (skipped)" in first.stdout
    assert "failed: broken.pdf: file: is a PDF document that cannot be read" in first.stdout, first.stdout
    assert "2 read, 1 failed, 0 skipped; 4 page(s)" in first.stdout, first.stdout
    read = json.loads((out / "a.json").read_text())
    assert [page["ocrResults"][0]["prunedResult"]["rec_texts"] for page in read["pages"]] == PAGES[:2]
    assert (out / "sub" / "b.md").read_text().split("\n") == [
        "<!-- page 1 -->", *PAGES[2], "", "<!-- page 2 -->", *PAGES[3], ""]
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert "1 document(s) to read, 2 already done (skipped)" in again.stdout, again.stdout


@needs_client
def test_a_file_url_under_an_allowed_prefix_is_fetched_and_any_other_refused(jobs_server, document_host, tmp_path):
    url, folder = document_host
    (folder / "allowed" / "contract.pdf").write_bytes(contract_pdf(PAGES[:2]))
    (folder / "other" / "contract.pdf").write_bytes(contract_pdf(PAGES[:2]))
    (folder / "allowed" / "huge.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * MAX_UPLOAD)
    read = api_client(jobs_server, KEYS["alice"], "PP-OCRv6", url + "/allowed/contract.pdf", str(tmp_path))
    assert [page["texts"] for page in read.get("pages", [])] == PAGES[:2], read
    refused = api_client(jobs_server, KEYS["alice"], "PP-OCRv6", url + "/other/contract.pdf", str(tmp_path))
    assert refused == {"error": "InvalidRequestError", "message": (
        "Bad request: fileUrl: this server fetches only from the URL prefixes its operator allows "
        "(job_fetch_prefixes), and this URL is not under one; upload the file itself (multipart, field file)")}
    escaping = api_client(jobs_server, KEYS["alice"], "PP-OCRv6", url + "/allowed/../other/contract.pdf",
                          str(tmp_path))
    assert escaping.get("error") == "InvalidRequestError", escaping
    large = api_client(jobs_server, KEYS["alice"], "PP-OCRv6", url + "/allowed/huge.pdf", str(tmp_path))
    assert large == {"error": "APIError", "message": "HTTP 413: fileUrl: the document is over the limit of 1.9 MB "
                                                     "a job (job_max_upload_bytes)"}, large
