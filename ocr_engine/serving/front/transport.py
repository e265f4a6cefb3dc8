"""The HTTP front's transport, for every way ``hub serving start`` serves: waitress, an event-driven WSGI server, in
place of Flask's development server (one process) and of gunicorn's sync workers (``use_multiprocess``).

Both of those read a request on the thread that runs the models, with no read timeout: one client that stops
half-way through its request held the one-process server, and one per worker held gunicorn, for as long as it
stayed connected. Here an event loop, on a thread of its own, reads every connection; a request reaches the
application (PaddleHub's Flask app, and through it a module) only once it has fully arrived, and runs on the
main thread (``Front``). So a slow or stalled client costs a connection, never the thread that runs the models, and:

- once a request's headers are in, the guard (``access.Guard``) decides: a request without a valid key, or past
  its rate, is answered 401 / 429 and its connection closed, its body unread and no ``100 Continue`` sent;
- headers not all in within ``client_timeout`` of their first byte, a body silent for ``client_timeout``, or a body
  slower than ``min_body_rate`` bytes a second after a grace of ``client_timeout``, are answered 408 and closed;
- a body over ``max_request_bytes`` is answered 413 from its Content-Length, before it is read (a chunked body as
  it is counted);
- at the connection limit, the connections that have not yet sent their headers make room, oldest first, so
  clients that never finish a request cannot keep others out;
- the web demo's forwarded requests (streams that stay open) run on threads of their own, never the model thread;
- every such answer is in the path's API's JSON envelope, with a log line.

The front is reached through PaddleHub's own start-up (``process.serve_through_front``): gunicorn's worker class
default, as ``process`` reaches gunicorn's timeouts, and PaddleHub's one-process ``run``.
"""

import functools
import logging
import os
import queue
import socket
import threading
import time
from typing import Any, Callable, Iterable, List, Optional, Tuple

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import Error

from ..access import VERDICT, Guard, Verdict
from ..demo.routes import is_forwarded
from ..envelopes import refusal
from .options import FrontOptions
from .refusals import parser_sentence, slow_body_sentence, timeout_sentence

log = logging.getLogger("ocr_engine.serving.front")

# Connections one process keeps open; slow and stalled ones included. Each costs a file descriptor and a buffer.
CONNECTION_LIMIT = 512
# How long a gunicorn worker that has just taken a connection leaves the next ones to its siblings while that
# connection's first request arrives: long enough for two clients that connect together to reach two workers,
# short because each client that connects and stalls holds back its worker's accepting for this long (64 such
# connections at once delay the next request by well under a second with two workers; tests/test_front.py).
ARRIVAL_GRACE = 0.02
# Threads for the web demo's forwarded requests: each open page holds one with gradio's heartbeat stream.
DEMO_THREADS = 16
# Seconds a refused connection keeps discarding what its client still sends, its answer sent and its sending side
# shut, before it closes: closed at once with unread bytes, a connection is reset, and the client that was still
# sending its body would lose the answer saying why (Apache's lingering close, shorter). Nothing read is kept.
LINGER_SECONDS = 2.0


class _Refused(Error):
    """A request the guard refused from its headers."""

    code = 401
    reason = "Unauthorized"

    def __init__(self, verdict: Verdict):
        super().__init__("refused by the guard")
        self.verdict = verdict


class _GuardedParser(HTTPRequestParser):
    """waitress's request parser, which asks the channel's guard once the headers are in, before any of the body is
    read or a ``100 Continue`` is sent, and notes when the body began."""

    verdict: Optional[Verdict] = None
    headers_done_at = 0.0
    error: Any

    def __init__(self, adj: Adjustments, channel: "_Channel"):
        super().__init__(adj)
        self.channel = channel

    def received(self, data: bytes) -> int:
        before = self.headers_finished
        consumed = super().received(data)
        if before or not self.headers_finished:
            return consumed
        self.headers_done_at = time.time()
        if self.error is not None or self.empty:
            return consumed
        self.verdict = self.channel.decide(self)
        if self.verdict is not None and self.verdict.refusal is not None:
            self.error, self.completed, self.expect_continue = _Refused(self.verdict), True, False
            return len(data)  # the rest of what arrived with the headers is dropped unread
        return consumed


class _Task(WSGITask):
    """waitress's WSGI task, handing the application the guard's verdict (``access.VERDICT``)."""

    def get_environment(self) -> dict:
        environ = super().get_environment()
        if self.request.verdict is not None:
            environ[VERDICT] = self.request.verdict
        return environ


class _RefusalTask(ErrorTask):
    """waitress's error answer, as the service's JSON sentence."""

    def execute(self) -> None:
        channel, error = self.channel, self.request.error
        if isinstance(error, _Refused):
            guard = channel.server.task_dispatcher.guard
            status, headers, body = guard.refused(error.verdict, _path(self.request), self.request.headers.get(
                "ORIGIN"))
        else:
            sentence = parser_sentence(error, channel.server.options, self.request.content_length)
            log.info("refused %s: %s", _client(channel), sentence)
            status, headers, body = refusal(error.code, sentence, _path(self.request))
            headers = headers + _cors(channel, self.request)
        channel.lingers = True
        self.status = status
        self.response_headers.extend(h for h in headers if h[0] != "Connection")
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    """One client connection; knows when its request in progress began."""

    error_task_class = _RefusalTask
    task_class = _Task
    request: Any  # waitress's request in progress, None between requests
    request_began = 0.0
    refusal_pending = False  # a refused request waits to be answered in the event loop (``_Server.add_task``)
    answered = False  # whether a request of this connection has been served
    lingers = False  # refused with its request unread: close by lingering (``LINGER_SECONDS``)
    lingering_until = 0.0  # while lingering, when to close whatever the client still sends

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.parser_class = functools.partial(_GuardedParser, channel=self)

    def service(self) -> None:
        self.answered = True
        super().service()

    def decide(self, request: Any) -> Optional[Verdict]:
        """The guard's verdict on a request whose headers are in (None: no guard)."""
        guard = self.server.task_dispatcher.guard
        if guard is None:
            return None
        headers = request.headers
        return guard.decide(request.command.upper(), _path(request), lambda name: headers.get(
            name.upper().replace("-", "_")), _address(self))

    def readable(self) -> bool:
        return True if self.lingering_until else super().readable()

    def writable(self) -> bool:
        return False if self.lingering_until else super().writable()

    def handle_read(self) -> None:
        if not self.lingering_until:
            super().handle_read()
            return
        try:
            self.recv(256 * 1024)  # discarded; the end of the stream closes the connection (wasyncore)
        except OSError:
            HTTPChannel.handle_close(self)

    def handle_close(self) -> None:
        """Close, or, for a refused request whose client may still be sending, shut the sending side and linger."""
        if self.lingers and not self.lingering_until and self.connected:
            try:
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:
                super().handle_close()
                return
            self.lingering_until = time.time() + LINGER_SECONDS
            self.will_close = self.close_when_flushed = False
            return
        super().handle_close()

    def unproven(self) -> bool:
        """Whether this connection has not sent a request's headers and has nothing queued or to send: what makes
        room at the connection limit."""
        return not self.requests and not self.total_outbufs_len and not self.close_when_flushed and (
            self.request is None or not self.request.headers_finished)

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
        headers = headers + _cors(self, self.request)
        self.lingers = True
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
        self.make_room()
        return super().readable() and not self.task_dispatcher.leaves_connections_to_siblings()

    def make_room(self) -> None:
        """At the connection limit, close the oldest connections that have not sent a request's headers, so that
        clients that never finish one (a stranger's trickle, say) cannot keep out those that do."""
        excess = len(self._map) - CONNECTION_LIMIT + 1
        if excess <= 0:
            return
        waiting = sorted((channel for channel in list(self._map.values())
                          if isinstance(channel, _Channel) and channel.unproven()), key=lambda c: c.creation_time)
        closing = waiting[:excess + CONNECTION_LIMIT // 16]  # a little more, so that this runs seldom
        for channel in closing:
            channel.handle_close()
        if closing:
            log.warning("connection limit (%d) reached: closed %d connection(s) that had not sent a request",
                        CONNECTION_LIMIT, len(closing))

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
            if channel.lingering_until:
                if now > channel.lingering_until:
                    HTTPChannel.handle_close(channel)
                continue
            channel.answer_refusal()
            request = channel.request
            if request is None or channel.requests or channel.close_when_flushed or channel.will_close:
                continue
            headers_late = not request.headers_finished and now - channel.request_began > limit
            body_silent = request.headers_finished and now - channel.last_activity > limit
            # A body gets the grace, and a second more for each min_body_rate bytes (Apache's mod_reqtimeout).
            body_slow = request.headers_finished and now > (
                request.headers_done_at + limit + request.body_bytes_received / self.options.min_body_rate)
            if headers_late or body_silent or body_slow:
                sentence = (timeout_sentence(request.headers_finished, self.options) if headers_late or body_silent
                            else slow_body_sentence(request.body_bytes_received, now - request.headers_done_at,
                                                    self.options))
                log.info("refused %s: %s", _client(channel), sentence)
                channel.refuse_now(408, sentence)
        super().maintenance(now)


def _path(request: Any) -> str:
    """The path of a request whose first line has arrived, as the application sees it (``PATH_INFO``), else ""."""
    path = (getattr(request, "path", "") or "") if request is not None else ""
    return "/" + path.lstrip("/") if path.startswith("/") else path


def _cors(channel: Any, request: Any) -> List[Tuple[str, str]]:
    """The CORS headers the guard gives every answer (``Vary: Origin`` when origins are listed)."""
    guard = channel.server.task_dispatcher.guard
    headers = getattr(request, "headers", None) or {}
    return guard.cors_headers(headers.get("ORIGIN")) if guard is not None else []


def _client(channel: Any) -> str:
    address = channel.addr
    return "%s:%s" % tuple(address[:2]) if isinstance(address, tuple) else str(address)


def _address(channel: Any) -> str:
    address = channel.addr
    return str(address[0]) if isinstance(address, tuple) else str(address)


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
                 host: str = "0.0.0.0", port: Optional[int] = None, guard: Optional[Guard] = None):
        self.guard = guard  # who may use the server, decided from each request's headers
        # The web demo's requests, served by DEMO_THREADS daemon threads, so that an open stream neither holds the
        # model thread nor keeps the process from exiting.
        self.demo_requests: "queue.Queue[Any]" = queue.Queue()
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
        if is_forwarded(_path(channel.requests[0])):  # the web demo's, which may stream for as long as a page is open
            self.demo_requests.put(channel)
        else:
            self.requests.put(channel)

    def _serve_demo(self) -> None:
        while True:
            channel = self.demo_requests.get()
            try:
                channel.service()
            except Exception:  # waitress answers a failing app itself; this is the front's own failure
                log.exception("the front failed to serve a web demo request")

    def shutdown(self, cancel_pending: bool = True, timeout: int = 5) -> bool:
        return True

    def start(self) -> None:
        """Start reading connections (in a thread of its own), and the web demo's threads."""
        self._loop.start()
        for number in range(DEMO_THREADS):
            threading.Thread(target=self._serve_demo, name="web-demo-%d" % number, daemon=True).start()

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
            wasyncore.loop(timeout=timeout, map=self.map, use_poll=True, count=1)
        for server in self.servers:
            server.accepting = False
            server.del_channel()
            server.socket.close()
        while True:  # answers still going out; the process ends this thread
            wasyncore.loop(timeout=0.5, map=self.map, use_poll=True, count=1)


def serve(app: Any, options: FrontOptions, host: str, port: int, guard: Optional[Guard] = None) -> None:
    """Serve ``app`` on ``host``:``port`` with ``options`` and ``guard`` until the process is stopped: the
    one-process server. Requests run on the calling thread."""
    front = Front(app, options, host=host, port=port, guard=guard)
    front.start()
    log.info("serving on %s:%d (pid %d): client_timeout %d s, min_body_rate %d B/s, max_request_bytes %d", host,
             port, os.getpid(), options.client_timeout, options.min_body_rate, options.max_request_bytes)
    front.serve_requests(lambda: True)


