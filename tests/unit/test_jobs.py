"""The job API's pure parts: models and page ranges, status as the clients parse it, signed links, the SQLite
store's claims and leases (two stores on one file stand for two processes), and a result's JSONL."""

import dataclasses
import json
import os
import re
import signal
import threading

import pytest

from ocr_engine.serving.errors import InputError
from ocr_engine.serving.jobs import contract, signing
from ocr_engine.serving.jobs.pages import FILE_MARK, result_lines
from ocr_engine.serving.jobs.sqlite import SQLiteStore
from ocr_engine.serving.jobs.store import LEASE_SECONDS, NewJob


@pytest.mark.parametrize("ranges, pages", [(None, [1, 2, 3, 4]), ("", [1, 2, 3, 4]), ("2", [2]),
                                           ("3-4, 1", [1, 3, 4]), ("1-2,2-3", [1, 2, 3])])
def test_page_ranges_pick_pages_in_order_each_once(ranges, pages):
    assert contract.page_numbers(ranges, 4) == pages


@pytest.mark.parametrize("ranges, sentence", [("1-5", "the document has 4 page(s), so page 5 is not in it"),
                                              ("0", "0 is not a range of pages"), ("3-1", "3-1 is not a range"),
                                              ("two", "does not parse")])
def test_page_ranges_that_do_not_fit_are_refused(ranges, sentence):
    with pytest.raises(InputError, match=re.escape(sentence)):
        contract.page_numbers(ranges, 4)


def test_each_model_name_has_its_pipeline_and_the_vl_models_a_sentence():
    assert [contract.pipeline_of(name) for name in ("PP-OCRv5", "PP-OCRv5-latin", "PP-OCRv6", "PP-StructureV3")] \
        == [contract.OCR] * 3 + [contract.LAYOUT]
    with pytest.raises(InputError, match="vision-language model, which this server does not run"):
        contract.pipeline_of("PaddleOCR-VL-1.5")
    with pytest.raises(InputError, match="model is missing"):
        contract.pipeline_of(None)


def test_a_status_says_what_the_clients_read():
    view = contract.JobView("j1", "done", 3, 3, 0.0, 10.0, 70.0, None)
    assert contract.status_data(view, "http://h/r.jsonl") == {
        "jobId": "j1", "state": "done", "resultUrl": {"jsonUrl": "http://h/r.jsonl"},
        "extractProgress": {"totalPages": 3, "extractedPages": 3, "startTime": "1970-01-01 00:00:10",
                            "endTime": "1970-01-01 00:01:10"}}
    failed = contract.status_data(contract.JobView("j2", "failed", 3, 1, 0.0, 1.0, 2.0, "page 2: broken"), None)
    assert failed["errorMsg"] == "page 2: broken" and "resultUrl" not in failed


def test_a_signed_link_opens_until_it_expires_and_not_once_altered(tmp_path):
    secret = signing.load_secret(str(tmp_path / "secret"))
    assert signing.load_secret(str(tmp_path / "secret")) == secret and len(secret) == 64
    query = dict(pair.split("=") for pair in signing.signed_query(secret, "/r/j1/result.jsonl", now=1000).split("&"))
    assert signing.link_problem(secret, "/r/j1/result.jsonl", query, now=1000 + signing.LINK_SECONDS) is None
    assert "expired" in signing.link_problem(secret, "/r/j1/result.jsonl", query, now=1001 + signing.LINK_SECONDS)
    assert "does not match" in signing.link_problem(secret, "/r/j2/result.jsonl", query, now=1000)
    assert "does not match" in signing.link_problem(b"another", "/r/j1/result.jsonl", query, now=1000)
    assert "not signed" in signing.link_problem(secret, "/r/j1/result.jsonl", {}, now=1000)


def job(job_id="j1", owner="alice", pages=(1, 2, 3), batch=None):
    return NewJob(job_id, owner, "PP-OCRv6", contract.OCR, "{}", batch, "pdf", list(pages))


def test_two_processes_claim_different_pages_and_each_page_is_done_once(tmp_path):
    one, two = SQLiteStore(str(tmp_path / "jobs.sqlite3")), SQLiteStore(str(tmp_path / "jobs.sqlite3"))
    one.create(job(), now=1.0)
    first, second = one.claim("w1", now=2.0), two.claim("w2", now=2.0)
    assert (first.seq, second.seq) == (0, 1) and one.job("j1").view.state == "running"
    # Only the worker that holds a page counts it: a claim in another's name counts nothing.
    assert not two.finish(dataclasses.replace(first, worker="w2"), now=3.0) and one.finish(first, now=3.0)
    assert two.finish(second, now=3.0)
    third = one.claim("w1", now=4.0)
    assert third.seq == 2 and one.claim("w2", now=4.0) is None
    assert one.finish(third, now=5.0)
    done = two.job("j1").view
    assert (done.state, done.done_pages, done.total_pages, done.ended) == ("done", 3, 3, 5.0)


def test_a_lease_run_out_lets_another_worker_take_the_page_and_only_its_claim_counts(tmp_path):
    store = SQLiteStore(str(tmp_path / "jobs.sqlite3"))
    store.create(job(pages=[1]), now=0.0)
    stale = store.claim("dead", now=1.0)
    assert store.claim("w2", now=1.0 + LEASE_SECONDS - 1) is None
    taken = store.claim("w2", now=1.0 + LEASE_SECONDS + 1)
    assert taken.seq == stale.seq and not store.renew(stale, now=100.0) and not store.finish(stale, now=100.0)
    assert store.finish(taken, now=100.0) and store.job("j1").view.done_pages == 1


def test_pages_of_a_gone_worker_are_queued_again_at_once(tmp_path):
    store = SQLiteStore(str(tmp_path / "jobs.sqlite3"))
    store.create(job(pages=[1, 2]), now=0.0)
    store.claim("host:1:gone", now=1.0)
    store.claim("host:2:alive", now=1.0)
    assert store.release(lambda worker: worker.endswith("gone")) == 1
    assert store.claim("w3", now=2.0).seq == 0 and store.claim("w3", now=2.0) is None


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_process_forked_while_another_thread_reads_the_store_can_read_it(tmp_path):
    """gunicorn's master forks workers while its status thread reads the store for /ready: without the fork gate,
    about half such children wait forever on a copy of a SQLite mutex held at the fork."""
    store = SQLiteStore(str(tmp_path / "jobs.sqlite3"))
    reading = threading.Event()

    def read() -> None:
        while not reading.is_set():
            store.queued_pages()

    reader = threading.Thread(target=read)
    reader.start()
    stuck = 0
    try:
        for _ in range(20):
            child = os.fork()
            if child == 0:  # the child: a worker's first read, given 5 s before SIGALRM ends it
                signal.alarm(5)
                SQLiteStore(store.path).queued_pages()
                os._exit(0)
            stuck += os.WIFSIGNALED(os.waitpid(child, 0)[1])
    finally:
        reading.set()
        reader.join()
    assert stuck == 0, "%d of 20 forked processes could not read the store" % stuck


def test_a_failed_job_drops_its_pages_and_its_batch_and_owner_are_kept(tmp_path):
    store = SQLiteStore(str(tmp_path / "jobs.sqlite3"))
    store.create(job("a", batch="b"), now=1.0)
    store.create(job("b", owner="bob", batch="b"), now=2.0)
    assert store.open_jobs("alice") == 1 and store.queued_pages() == 6
    store.fail("a", "page 1: broken", now=3.0)
    assert store.job("a").view.error == "page 1: broken" and store.job("a").view.state == "failed"
    assert store.queued_pages() == 3 and store.open_jobs("alice") == 0
    assert [record.view.job_id for record in store.batch("b", "bob")] == ["b"] and store.batch("b", "eve") == []
    assert store.ended_before(4.0) == ["a"]
    store.delete("a")
    assert store.job("a") is None


def test_the_jsonl_has_a_line_a_page_with_the_documents_data_info_and_links():
    pages = [{"item": {"prunedResult": {"rec_texts": [text]}, "ocrImage": FILE_MARK + "%d-ocrImage.jpg" % seq},
              "dataInfo": {"numPages": 1, "type": "pdf", "pages": [{"width": 10 + seq, "height": 5}]}}
             for seq, text in enumerate(["one", "two"])]
    lines = result_lines(contract.OCR, "pdf", pages, lambda name: "http://h/" + name).splitlines()
    parsed = [json.loads(line)["result"] for line in lines]
    assert [result["ocrResults"][0]["ocrImage"] for result in parsed] == ["http://h/0-ocrImage.jpg",
                                                                          "http://h/1-ocrImage.jpg"]
    assert parsed[0]["dataInfo"] == parsed[1]["dataInfo"] == {
        "numPages": 2, "type": "pdf", "pages": [{"width": 10, "height": 5}, {"width": 11, "height": 5}]}


def test_a_documents_pages_read_one_by_one_are_mended_across_their_breaks_in_the_jsonl():
    texts = ["Counted by the inter-", "national team.\n\n<table><tr><td>A</td></tr></table>",
             "<table><tr><td>B</td></tr></table>\n\nThe end."]
    pages = [{"item": {"markdown": {"text": text, "isStart": True, "isEnd": True}},
              "dataInfo": {"numPages": 1, "type": "pdf", "pages": [{"width": 10, "height": 5}]}} for text in texts]

    def markdowns(merge_tables):
        lines = result_lines(contract.LAYOUT, "pdf", pages, str, merge_tables).splitlines()
        return [json.loads(line)["result"]["layoutParsingResults"][0]["markdown"] for line in lines]

    merged = markdowns(True)
    assert [m["text"] for m in merged] == ["Counted by the international",
                                           "team.\n\n<table><tr><td>A</td></tr><tr><td>B</td></tr></table>",
                                           "The end."]
    assert [(m["isStart"], m["isEnd"]) for m in merged] == [(True, False), (False, True), (True, True)]
    assert markdowns(False)[2]["text"] == texts[2]


def test_a_clients_request_makes_the_process_busy_and_a_job_pages_requests_do_not():
    import threading

    from ocr_engine.serving.service import InFlight

    in_flight = InFlight()
    assert not in_flight.busy()
    with in_flight.request():
        assert in_flight.busy()
    assert not in_flight.busy()
    seen = []

    def job_page():
        with in_flight.job_page(), in_flight.request():
            seen.append(in_flight.busy())

    runner = threading.Thread(target=job_page)
    runner.start()
    runner.join()
    assert seen == [False] and not in_flight.busy()


def test_the_database_url_may_come_from_the_environment_and_is_never_said(monkeypatch):
    from ocr_engine.serving.jobs import JobOptions

    def options_with(database):
        return JobOptions(jobs_dir="jobs", jobs_database=database, job_fetch_prefixes=(), job_max_pages=1000,
                          job_max_upload_bytes=1 << 20, job_retention_hours=24.0, jobs_per_key=100)

    options = options_with("env:TEST_JOBS_URL")
    monkeypatch.delenv("TEST_JOBS_URL", raising=False)
    with pytest.raises(ValueError, match="names the environment variable TEST_JOBS_URL, which is not set"):
        options.database_url()
    monkeypatch.setenv("TEST_JOBS_URL", "postgresql://u:secret@h/db")
    assert options.database_url() == "postgresql://u:secret@h/db" and "secret" not in options.where()
    assert options_with(None).database_url() is None


@pytest.mark.parametrize("url", ["http://files/other/a.pdf", "http://files/scans/../other/a.pdf",
                                 "http://files/scans/%2e%2e/other/a.pdf", "http://files/scans/./a.pdf",
                                 "http://files.evil/scans/a.pdf", 42])
def test_a_url_outside_the_allowed_prefixes_is_never_fetched(url):
    from ocr_engine.serving.jobs.fetch import fetch

    with pytest.raises(InputError, match="fetches only from the URL prefixes its operator allows"):
        fetch(url, ["http://files/scans/"], 1000)
