"""The HTTP front's transport, for every way ``hub serving start`` serves: waitress, an event-driven WSGI server, in
place of Flask's development server (one process) and of gunicorn's sync workers (``use_multiprocess``).

Both of those read a request on the thread that runs the models, with no read timeout: one client that stops
half-way through its request held the one-process server, and one per worker held gunicorn, for as long as it
stayed connected. Here an event loop, on a thread of its own, reads every connection; a request reaches the
application (PaddleHub's Flask app, and through it a module) only once it has fully arrived, and runs on the
main thread (``Front``). So a slow or stalled client costs a connection, never the thread that runs the models, and:

- headers not all in within ``client_timeout`` of their first byte, or a body silent for ``client_timeout``, are
  answered 408 and the connection closed;
- a body over ``max_request_bytes`` is answered 413 from its Content-Length, before it is read (a chunked body as
  it is counted);
- every such answer is the service's JSON (``status`` "101", one sentence in ``msg``), with a log line.

The front is reached through PaddleHub's own start-up (``process.serve_through_front``): gunicorn's worker class
default, as ``process`` reaches gunicorn's timeouts, and PaddleHub's one-process ``run``.
"""

import logging
import os
import queue
import threading
import time
from typing import Any, Callable, Iterable, List, Optional

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask

from ..envelopes import refusal
from .options import FrontOptions
from .refusals import parser_sentence, timeout_sentence

log = logging.getLogger("ocr_engine.serving.front")

# Connections one process keeps open; slow and stalled ones included. Each costs a file descriptor and a buffer.
CONNECTION_LIMIT = 512
# How long a gunicorn worker that has just taken a connection leaves the next ones to its siblings while that
# connection's first request arrives: long enough for two clients that connect together to reach two workers,
# short because each client that connects and stalls holds back its worker's accepting for this long (64 such
# connections at once delay the next request by well under a second with two workers; tests/test_front.py).
ARRIVAL_GRACE = 0.02


class _RefusalTask(ErrorTask):
    """waitress's error answer, as the service's JSON sentence."""

    def execute(self) -> None:
        channel = self.channel
        sentence = parser_sentence(self.request.error, channel.server.options, self.request.content_length)
        log.info("refused %s: %s", _client(channel), sentence)
        status, headers, body = refusal(self.request.error.code, sentence, _path(self.request))
        self.status = status
        self.response_headers.extend(headers[:-1])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    """One client connection; knows when its request in progress began."""

    error_task_class = _RefusalTask
    request: Any  # waitress's request in progress, None between requests
    request_began = 0.0
    refusal_pending = False  # a refused request waits to be answered in the event loop (``_Server.add_task``)
    answered = False  # whether a request of this connection has been served

    def service(self) -> None:
        self.answered = True
        super().service()

    def first_request_arriving(self, now: float) -> bool:
        """Whether this connection is new (within ``ARRIVAL_GRACE``) and its first request has not wholly arrived."""
        return not self.answered and not self.requests and now - self.creation_time < ARRIVAL_GRACE

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_began = time.time()
        result = super().received(data)
        self.answer_refusal()
        return result

    def answer_refusal(self) -> None:
        """Answer a refused request now, on the event loop's thread (never while ``requests_lock`` is held)."""
        if self.refusal_pending:
            self.refusal_pending = False
            self.service()

    def refuse_now(self, code: int, sentence: str) -> None:
        """Answer ``code`` with ``sentence`` from the event loop, drop the request in progress, and close once the
        answer is sent."""
        status, headers, body = refusal(code, sentence, _path(self.request))
        head = "HTTP/1.1 %s\r\n%s\r\n\r\n" % (status, "\r\n".join("%s: %s" % h for h in headers))
        payload = head.encode("latin-1") + body
        with self.outbuf_lock:
            self.outbufs[-1].append(payload)
            self.current_outbuf_count += len(payload)
            self.total_outbufs_len += len(payload)
        if self.request is not None:
            self.request.close()
            self.request = None
        self.close_when_flushed = True


class _Server(TcpWSGIServer):
    """waitress's server with the service's refusals and a time limit on requests in progress."""

    channel_class = _Channel
    options: FrontOptions
    task_dispatcher: "Front"

    def readable(self) -> bool:
        # waitress's readable() also runs maintenance, so it is called whether or not this worker accepts now.
        return super().readable() and not self.task_dispatcher.leaves_connections_to_siblings()

    def add_task(self, channel: Any) -> None:
        # A refusal costs no model thread: the event loop answers it (the channel, once it has released the lock
        # it calls this under, or maintenance within a second), even while a request runs.
        if channel.requests and channel.requests[0].error is not None:
            channel.refusal_pending = True
        else:
            super().add_task(channel)

    def maintenance(self, now: float) -> None:
        limit = self.options.client_timeout
        for channel in list(self.active_channels.values()):
            channel.answer_refusal()
            request = channel.request
            if request is None or channel.requests or channel.close_when_flushed or channel.will_close:
                continue
            headers_late = not request.headers_finished and now - channel.request_began > limit
            body_silent = request.headers_finished and now - channel.last_activity > limit
            if headers_late or body_silent:
                sentence = timeout_sentence(request.headers_finished, self.options)
                log.info("refused %s: %s", _client(channel), sentence)
                channel.refuse_now(408, sentence)
        super().maintenance(now)


def _path(request: Any) -> str:
    """The path of a request whose first line has arrived, else ""."""
    return (getattr(request, "path", "") or "") if request is not None else ""


def _client(channel: Any) -> str:
    address = channel.addr
    return "%s:%s" % tuple(address[:2]) if isinstance(address, tuple) else str(address)


def _adjustments(options: FrontOptions, **listen: Any) -> Adjustments:
    return Adjustments(
        connection_limit=CONNECTION_LIMIT,
        max_request_body_size=options.max_request_bytes,
        # An idle keep-alive connection is closed after as long as a stalled request is allowed.
        channel_timeout=options.client_timeout,
        cleanup_interval=1,  # how often maintenance looks for requests past their time
        recv_bytes=256 * 1024,  # read large bodies in fewer, larger reads (waitress's own is 8 KB)
        ident="paddleocr-hubserving",
        **listen,
    )


class Front:
    """The front of one process: a thread whose event loop reads every connection, and a queue of the requests that
    have wholly arrived, run one at a time by the thread that calls ``serve_requests``: the main thread, which
    loaded and warmed the models. oneDNN keeps its compiled kernels per thread, and requests run on a thread of
    their own were 0.83x as fast and held 200 MB more (tools/slow_clients.py)."""

    def __init__(self, app: Callable, options: FrontOptions, sockets: Iterable[Any] = (),
                 host: str = "0.0.0.0", port: Optional[int] = None):
        self.map: dict = {}
        self.requests: "queue.Queue[Any]" = queue.Queue()
        self.servers: List[_Server] = []
        self._running = False  # whether serve_requests is running a request
        bound = list(sockets)
        self.shares_listeners = bool(bound)
        if bound:  # gunicorn's listening sockets, shared by its workers
            adj = _adjustments(options)
            for sock in bound:
                self.servers.append(_Server(app, self.map, _sock=sock, dispatcher=self, adj=adj, bind_socket=False,
                                            sockinfo=(sock.family, sock.type, None, None)))
        else:
            self.servers.append(_Server(app, self.map, dispatcher=self, adj=_adjustments(options, host=host,
                                                                                         port=port)))
        for server in self.servers:
            server.options = options
        self._closing = threading.Event()
        self._loop = threading.Thread(target=self._read_connections, name="http-front", daemon=True)

    # waitress's task dispatcher: the servers hand it each channel whose request has arrived
    def set_thread_count(self, count: int) -> None:
        pass

    def add_task(self, channel: Any) -> None:
        self.requests.put(channel)

    def shutdown(self, cancel_pending: bool = True, timeout: int = 5) -> bool:
        return True

    def start(self) -> None:
        """Start reading connections (in a thread of its own)."""
        self._loop.start()

    def serve_requests(self, keep_going: Callable[[], bool], idle: Callable[[], None] = lambda: None) -> None:
        """Run each request that has arrived, in turn, on the calling thread, while ``keep_going()``; ``idle`` is
        called between requests and at least once a second."""
        while keep_going():
            try:
                channel = self.requests.get(timeout=1.0)
            except queue.Empty:
                idle()
                continue
            self._running = True
            try:
                channel.service()
            except Exception:  # waitress answers a failing app itself; this is the front's own failure
                log.exception("the front failed to serve a request")
            finally:
                self._running = False
            idle()

    def stop_accepting(self) -> None:
        """Take no new connection (the listening sockets close within a second); requests already read go on."""
        self._closing.set()

    def busy(self) -> bool:
        """Whether a request waits or runs, or an answer is still being sent; idle connections are closed."""
        busy = not self.requests.empty()
        for channel in list(self.map.values()):
            if not isinstance(channel, HTTPChannel):
                continue
            if channel.requests or channel.total_outbufs_len:
                busy = True
            else:
                channel.will_close = True
        return busy

    def leaves_connections_to_siblings(self) -> bool:
        """Whether a gunicorn worker should leave new connections on the shared socket to its siblings now: while
        it runs a request, has one waiting, or a new connection's first request is still arriving. Otherwise the
        worker that reads fastest takes every connection and queues their requests behind each other while a
        sibling idles; a sync worker cannot, as it reads and runs a request before it accepts again. The one
        process serves alone and always accepts."""
        if not self.shares_listeners:
            return False
        if self._running or not self.requests.empty():
            return True
        return self._arriving(time.time())

    def _arriving(self, now: float) -> bool:
        return any(isinstance(channel, _Channel) and channel.first_request_arriving(now)
                   for channel in list(self.map.values()))

    def _read_connections(self) -> None:
        while not self._closing.is_set():
            # A finished request wakes the loop (waitress pulls its trigger); the end of a grace does not, so look
            # again soon while one runs.
            timeout = ARRIVAL_GRACE / 5 if self.shares_listeners and self._arriving(time.time()) else 1.0
            wasyncore.loop(timeout=timeout, map=self.map, count=1)
        for server in self.servers:
            server.accepting = False
            server.del_channel()
            server.socket.close()
        while True:  # answers still going out; the process ends this thread
            wasyncore.loop(timeout=0.5, map=self.map, count=1)


def serve(app: Any, options: FrontOptions, host: str, port: int) -> None:
    """Serve ``app`` on ``host``:``port`` with ``options`` until the process is stopped: the one-process server.
    Requests run on the calling thread."""
    front = Front(app, options, host=host, port=port)
    front.start()
    log.info("serving on %s:%d (pid %d): client_timeout %d s, max_request_bytes %d", host, port, os.getpid(),
             options.client_timeout, options.max_request_bytes)
    front.serve_requests(lambda: True)


