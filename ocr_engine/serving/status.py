"""The status server, on the ``metrics_port`` option (bound to ``metrics_host``, loopback by default): ``/ready``,
``/live`` and ``/metrics`` for probes and Prometheus. It serves ``MAX_CONNECTIONS`` connections at a time, each
given ``READ_TIMEOUT`` seconds to send its request; the metrics name keys by the names the key file gives them.

It is a thread of the serving process: gunicorn's master (``use_multiprocess``) or the single Flask process.
Workers only ever serve ``/predict``, so a worker busy on a large image never makes a probe fail, and the master,
which holds no model, answers at once.

Ready means every worker is warm: gunicorn workers tell the master so through a marker file each, written once
``process.warm_worker`` has loaded and run every model (a worker takes no request before that); the single Flask
process is ready once it listens, which PaddleHub does only after building every module, preload loading them.
A server whose key file is unusable is not ready: it would refuse every request.
"""

import logging
import os
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional, Tuple

from .metrics import enable_metrics, metrics_text
from .shared import server_folder

log = logging.getLogger(__name__)


# Connections served at once, and the seconds each may take to send its request: a scraper and two probes need
# three, and a client that connects and says nothing costs one thread for this long.
MAX_CONNECTIONS = 8
READ_TIMEOUT = 5


@dataclass(frozen=True)
class StatusOptions:
    """Whether, on which port and on which address the process serves its status (``metrics_port``,
    ``metrics_host``)."""

    metrics_port: Optional[int]
    metrics_host: str


class _BoundedServer(ThreadingHTTPServer):
    """http.server's threading server, serving at most ``MAX_CONNECTIONS`` connections at once: one more is
    closed unanswered."""

    daemon_threads = True

    def __init__(self, *args: Any):
        super().__init__(*args)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class StatusServer:
    """The process's status server and what readiness is judged from (``problem()``: why no request could be
    served, else None)."""

    def __init__(self, options: StatusOptions, problem: Callable[[], Optional[str]] = lambda: None):
        assert options.metrics_port is not None
        self.port = port = options.metrics_port
        self.problem = problem
        self.pid = os.getpid()
        # prometheus_client's values, one file per process and metric kind, and the warm workers' markers.
        self.folder = server_folder("metrics")
        self.warm_folder = server_folder("warm")
        self.arbiter: Any = None  # gunicorn's, when gunicorn serves
        try:
            self.httpd = _BoundedServer((options.metrics_host, port), _Handler)
        except OSError as err:
            raise ValueError("metrics_port %d cannot be opened on metrics_host %s: %s"
                             % (port, options.metrics_host, err.strerror or err)) from None
        enable_metrics(self.folder)
        threading.Thread(target=self.httpd.serve_forever, name="status-server", daemon=True).start()
        log.info("status server on %s:%d: /ready, /live, /metrics", options.metrics_host, port)

    def marker(self, pid: int) -> str:
        return os.path.join(self.warm_folder, str(pid))

    def readiness(self) -> Tuple[bool, str]:
        """(ready, a sentence saying why or why not)."""
        problem = self.problem()
        if problem:
            return False, "not ready: " + problem
        if self.arbiter is None:
            if _listens_besides(self.port):
                return True, "ready: serving"
            return False, "not ready: loading models"
        workers = list(self.arbiter.WORKERS)
        warm = [pid for pid in workers if os.path.exists(self.marker(pid))]
        return gunicorn_readiness(bool(self.arbiter.LISTENERS), len(workers), len(warm), self.arbiter.num_workers)


def gunicorn_readiness(listening: bool, workers: int, warm: int, wanted: int) -> Tuple[bool, str]:
    """Ready when the master still listens and has its ``wanted`` workers, every one warm (a worker being
    replaced counts as not warm until it is)."""
    if not listening:
        return False, "not ready: stopping"
    if warm >= wanted and warm == workers:
        return True, "ready: %d of %d workers warm" % (warm, wanted)
    return False, "not ready: %d of %d workers warm" % (warm, max(workers, wanted))


def _listens_besides(port: int) -> bool:
    """Whether this process listens on a TCP port other than ``port``: the Flask server is up."""
    import psutil

    return any(
        conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port != port
        for conn in psutil.Process().net_connections(kind="tcp")
    )


class _Handler(BaseHTTPRequestHandler):
    timeout = READ_TIMEOUT  # seconds to send the request: a half-sent one gives its thread back then

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?")[0]
        if path == "/live":
            self.reply(200, b"alive\n")
        elif path == "/ready":
            ready, why = _server.readiness() if _server else (False, "not ready")
            self.reply(200 if ready else 503, why.encode() + b"\n")
        elif path == "/metrics" and _server is not None:
            self.reply(200, metrics_text(_server.folder), "text/plain; version=0.0.4; charset=utf-8")
        else:
            self.reply(404, b"the status server answers /ready, /live and /metrics\n")

    def reply(self, code: int, body: bytes, kind: str = "text/plain; charset=utf-8") -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass  # probes every few seconds would drown the request log


_server: Optional[StatusServer] = None
_lock = threading.Lock()


def start_status_server(options: StatusOptions, problem: Callable[[], Optional[str]] = lambda: None) -> None:
    """Serve /ready, /live and /metrics as ``options`` say from this process, and turn metrics on; ``problem()``
    says why the server could serve no request (it is then not ready). Every module that sets ``metrics_port``
    must set the same one; the server starts once."""
    global _server
    port = options.metrics_port
    assert port is not None
    with _lock:
        if _server is None:
            _server = StatusServer(options, problem)
        elif _server.port != port:
            raise ValueError(
                "metrics_port is %d for one module and %d for another: one server has one status port, set it "
                "once, in any one module's init_args (the others take it)" % (_server.port, port))


def gunicorn_started(arbiter: Any) -> None:
    """gunicorn's master is starting (``on_starting``): readiness now counts its workers."""
    if _server is not None:
        _server.arbiter = arbiter


def worker_warm() -> None:
    """In a forked worker that has warmed every model: mark it warm, and let go of the master's status socket."""
    if _server is not None and os.getpid() != _server.pid:
        _server.httpd.socket.close()
        open(_server.marker(os.getpid()), "w").close()


def worker_gone(pid: int) -> None:
    """gunicorn's master saw worker ``pid`` exit (``child_exit``)."""
    if _server is not None:
        try:
            os.remove(_server.marker(pid))
        except FileNotFoundError:
            pass
