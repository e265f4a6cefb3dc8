"""The pure parts of operating the service: stage timings, the per-request log line, counting lines, and when a
gunicorn server is ready."""

import os
import threading

import pytest

from ocr_engine.runtime import timing
from ocr_engine.serving.metrics import RequestRecord, count_entry
from ocr_engine.serving.status import gunicorn_readiness


def test_stage_times_add_up_per_request_and_not_outside_one():
    with timing.timed("detect"):  # no request collects: nothing to add to, and nothing fails
        pass
    with timing.collect_timings() as first:
        with timing.timed("detect"):
            pass
        with timing.timed("recognise"):
            pass
        with timing.timed("recognise"):
            pass
    assert set(first) == {"detect", "recognise"} and all(seconds >= 0 for seconds in first.values())
    with timing.collect_timings() as second:
        pass
    assert second == {}


def test_a_stage_that_raises_is_timed_and_listeners_hear_every_stage():
    heard = []
    timing.add_listener(lambda stage, seconds: heard.append(stage))

    @timing.timed_stage("classify")
    def fails():
        raise ValueError("no")

    with timing.collect_timings() as timings:
        with pytest.raises(ValueError):
            fails()
    assert list(timings) == ["classify"] and heard[-1] == "classify"
    assert fails.__name__ == "fails"


def test_each_thread_collects_its_own_request():
    seen = {}

    def request(name):
        with timing.collect_timings() as timings:
            with timing.timed(name):
                pass
        seen[name] = set(timings)

    threads = [threading.Thread(target=request, args=(name,)) for name in ("detect", "recognise")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"detect": {"detect"}, "recognise": {"recognise"}}


def test_the_log_line_says_what_a_request_did_in_stage_order():
    entry = RequestRecord("ocr_system", "ok", images=2, pixels=1_500_000, lines=7, seconds=0.4321,
                          stages={"recognise": 0.2, "decode": 0.01, "detect": 0.15})
    assert entry.log_line() == ("ocr_system: ok, 2 image(s), 1.50 Mpx, 7 line(s), 432 ms (decode 10, detect 150, "
                                "recognise 200), worker %d" % os.getpid())
    refused = RequestRecord("ocr_rec", "refused", images=1, reason="image 1 of 1: is empty")
    assert refused.log_line().endswith("0 ms (no stage ran), worker %d: image 1 of 1: is empty" % os.getpid())


def test_lines_are_counted_per_image_or_in_one_list():
    # ocr_system's and ocr_det's entry per image is a list of lines or boxes; ocr_rec's and ocr_cls's one dict.
    assert count_entry([{"text": "a"}, {"text": "b"}]) == 2 and count_entry([]) == 0
    assert count_entry({"text": "a", "confidence": 0.9}) == 1


@pytest.mark.parametrize("listening, workers, warm, wanted, ready, why", [
    (True, 2, 2, 2, True, "ready: 2 of 2 workers warm"),
    (True, 2, 1, 2, False, "not ready: 1 of 2 workers warm"),
    (True, 1, 1, 2, False, "not ready: 1 of 2 workers warm"),  # one worker not forked yet
    (True, 3, 2, 2, False, "not ready: 2 of 3 workers warm"),  # a replacement still loading
    (False, 2, 2, 2, False, "not ready: stopping"),
])
def test_a_gunicorn_server_is_ready_when_every_worker_it_wants_is_warm(listening, workers, warm, wanted, ready, why):
    assert gunicorn_readiness(listening, workers, warm, wanted) == (ready, why)
