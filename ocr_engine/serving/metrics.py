"""What the server counts and logs about each request: Prometheus metrics (on with the ``metrics_port`` option) and
one INFO log line per request (always), which carry the same facts, so a log collector can rebuild what the
metrics aggregate. Neither ever holds image content.

Metrics use prometheus_client's multiprocess mode whether gunicorn serves or not: every process writes its values
under one folder, and the status server (``status``) sums them on a scrape. That mode must be chosen before a
metric is made, so prometheus_client is imported only by ``enable_metrics``.
"""

import contextvars
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from ..runtime.tasks import TASKS
from ..runtime.timing import add_listener

log = logging.getLogger("ocr_engine.requests")
# The client of the request this thread serves, as the log names it (``access`` sets it): its key's name.
CLIENT: contextvars.ContextVar[str] = contextvars.ContextVar("ocr_client", default="")

# Stages in the order a request goes through them: each model family's (``runtime.tasks``) between ``decode``
# (``render`` is PDF pages, inside it) and ``load``, which appears when a request had to load a model.
STAGES = ("decode", "render") + tuple(task.stage for task in TASKS.values()) + ("load",)
OUTCOMES = ("ok", "refused", "failed")
# A blank image answers in milliseconds, 16 photos on a slow CPU in minutes (request_timeout is 300 s by default).
SECONDS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


@dataclass
class RequestRecord:
    """What one HTTP request to a module did: filled in by the serving layer as the request goes."""

    module: str
    outcome: str = "failed"
    images: int = 0
    pixels: int = 0
    lines: int = 0
    seconds: float = 0.0
    stages: Dict[str, float] = field(default_factory=dict)
    reason: str = ""  # the sentence a refused request was answered with
    # Who asked: an API key's name (``access``), when keys are on; never the key itself.
    client: str = field(default_factory=lambda: CLIENT.get())
    address: str = ""  # the client's address, on the lines of requests refused for their key or rate

    def log_line(self) -> str:
        """One line for the log: module, outcome, images, pixels, lines, milliseconds in all and per stage."""
        stages = ", ".join("%s %.0f" % (stage, 1000 * self.stages[stage]) for stage in STAGES if stage in self.stages)
        line = "%s: %s, %d image(s), %.2f Mpx, %d line(s), %.0f ms (%s), worker %d%s" % (
            self.module, self.outcome, self.images, self.pixels / 1e6, self.lines, 1000 * self.seconds,
            stages or "no stage ran", os.getpid(), ", " + self.client if self.client else "")
        line += ", from " + self.address if self.address else ""
        return line + (": " + self.reason if self.reason else "")


def count_entry(entry: Any) -> int:
    """The lines (or boxes) in one image's entry of a module's answer: a list of them, or one label (a dict)."""
    return len(entry) if isinstance(entry, list) else 1


class _Metrics:
    """The Prometheus metrics, made once per process tree by ``enable_metrics`` (forked workers inherit them)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.requests = Counter("ocr_requests", "HTTP requests answered, by module and outcome: ok, refused "
                                "(the client's input, answered with a sentence) or failed (the engine)",
                                ["module", "outcome"])
        self.images = Counter("ocr_images", "Images in requests answered ok", ["module"])
        self.lines = Counter("ocr_lines", "Lines (det: boxes; cls, rec: labels) returned", ["module"])
        self.latency = Histogram("ocr_request_seconds", "Time to answer a request, any outcome", ["module"],
                                 buckets=SECONDS_BUCKETS)
        self.stage = Histogram("ocr_stage_seconds", "Time a request spent in each stage", ["module", "stage"],
                               buckets=SECONDS_BUCKETS)
        # Only with api_keys_file: one label value per key in the file, its name (never the key).
        self.keys = Counter("ocr_key_requests", "Requests made with an accepted API key, by the key's name "
                            "and outcome", ["key", "outcome"])
        self.job_pages = Counter("ocr_job_pages", "Job pages read, by outcome: done, or failed (which fails its job)",
                                 ["outcome"])
        self.loads = Counter("ocr_predictor_loads", "Predictors built (each loads a model and runs it once)")
        self.load_seconds = Counter("ocr_predictor_load_seconds", "Time spent building predictors")

    def observe(self, record: RequestRecord) -> None:
        self.requests.labels(record.module, record.outcome).inc()
        if record.client:
            self.keys.labels(record.client, record.outcome).inc()
        if record.outcome == "ok":
            self.images.labels(record.module).inc(record.images)
            self.lines.labels(record.module).inc(record.lines)
        self.latency.labels(record.module).observe(record.seconds)
        for stage, seconds in record.stages.items():
            self.stage.labels(record.module, stage).observe(seconds)

    def stage_timed(self, stage: str, seconds: float) -> None:
        if stage == "load":
            self.loads.inc()
            self.load_seconds.inc(seconds)


_metrics: Optional[_Metrics] = None
# Predictor loads (count, seconds) before metrics were on: a module earlier in the config may load its models
# before the one that sets metrics_port starts the status server.
_early_loads = [0, 0.0]


def _count_early_load(stage: str, seconds: float) -> None:
    if stage == "load" and _metrics is None:
        _early_loads[0] += 1
        _early_loads[1] += seconds


add_listener(_count_early_load)


def enable_metrics(folder: str) -> None:
    """Turn metrics on for this process and every worker forked from it, their values kept in ``folder``
    (prometheus_client's PROMETHEUS_MULTIPROC_DIR). Later calls do nothing."""
    global _metrics
    if _metrics is not None:
        return
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    from prometheus_client import values

    # Imported earlier by someone else, prometheus_client chose single-process values then: choose again.
    values.ValueClass = values.get_value_class()
    _metrics = _Metrics()
    _metrics.loads.inc(_early_loads[0])
    _metrics.load_seconds.inc(_early_loads[1])
    add_listener(_metrics.stage_timed)


def record(entry: RequestRecord) -> None:
    """Log the request's line and, when metrics are on, count it."""
    log.info(entry.log_line())
    if _metrics is not None:
        _metrics.observe(entry)


def count_job_page(outcome: str) -> None:
    """A job page read (``done``) or failed, when metrics are on."""
    if _metrics is not None:
        _metrics.job_pages.labels(outcome).inc()


# Gauges read when /metrics is scraped (the job store's counts): name -> (help, read() -> {labels tuple: value}).
Gauges = Callable[[], Dict[Tuple[str, ...], float]]
_gauges: Dict[str, Tuple[str, Tuple[str, ...], Gauges]] = {}


def register_gauge(name: str, documentation: str, labels: Tuple[str, ...], read: Gauges) -> None:
    """A gauge whose values ``read()`` gives at each scrape (a failing read leaves it out, said in the log)."""
    _gauges[name] = (documentation, labels, read)


class _ScrapedGauges:
    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        for name, (documentation, labels, read) in _gauges.items():
            try:
                values = read()
            except Exception as err:
                log.warning("metric %s left out of this scrape: %s", name, err)
                continue
            family = GaugeMetricFamily(name, documentation, labels=list(labels))
            for label_values, value in values.items():
                family.add_metric(list(label_values), value)
            yield family


def metrics_text(folder: str) -> bytes:
    """The Prometheus text exposition of every process's values under ``folder``, summed over processes, and the
    registered gauges."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    registry.register(_ScrapedGauges())
    return generate_latest(registry)

