"""Clients that misbehave at the HTTP level, for tests and tools: stalled, slow and oversize. Each one is bounded
in time and count, and talks to a port on this machine only."""

import contextlib
import http.client
import itertools
import json
import socket
import threading
import time
from typing import Iterable, Iterator, List, Optional, Tuple

HOST = "127.0.0.1"
Answer = Tuple[Optional[int], str]  # HTTP status (None: the connection closed without one) and body


def _head(path: str, length: int, content_type: str = "application/json", extra: str = "") -> bytes:
    return ("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n"
            % (path, HOST, content_type, length, extra)).encode("ascii")


def _extra(headers: Optional[dict]) -> str:
    return "".join("%s: %s\r\n" % item for item in (headers or {}).items())


def _send_until_answered(sock: socket.socket, pieces: Iterable[bytes], every: float, seconds: float) -> None:
    """Send ``pieces`` one at a time, ``every`` s apart, until the server answers or closes, or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    for piece in pieces:
        if time.monotonic() > deadline:
            return
        try:
            sock.sendall(piece)
        except OSError:
            return  # closed by the server: its answer, if any, is waiting
        sock.settimeout(every)
        try:
            if sock.recv(1, socket.MSG_PEEK):
                return
        except socket.timeout:
            continue
        except OSError:
            return


def _read_answer(sock: socket.socket, timeout: float) -> Answer:
    """Read what the server sends until it closes the connection or ``timeout`` passes."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
            if length and len(body) >= int(length[0].split(b":")[1]):
                break
    except (socket.timeout, ConnectionResetError):
        pass
    if not data.startswith(b"HTTP/"):
        return None, data.decode("latin-1")
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body.decode("utf-8", "replace")


@contextlib.contextmanager
def stalled_connections(port: int, count: int, path: str = "/predict/ocr_system") -> Iterator[List[socket.socket]]:
    """``count`` connections that each send headers announcing a 100-byte body and 5 bytes of it, then nothing, as a
    phone that loses its signal; closed when the block ends."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection((HOST, port), timeout=10)
            sock.sendall(_head(path, 100) + b'{"ima')
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def drip_headers(port: int, clients: int, seconds: float, path: str = "/predict/ocr_system") -> List[Answer]:
    """``clients`` connections that each send a request's headers one byte a second, until the server answers or
    closes, or ``seconds`` pass; the answer each got."""
    answers: List[Answer] = [(None, "")] * clients
    request = _head(path, 2)

    def drip(index: int) -> None:
        with socket.create_connection((HOST, port), timeout=10) as sock:
            _send_until_answered(sock, (bytes([byte]) for byte in request), 1.0, seconds)
            answers[index] = _read_answer(sock, 5)

    threads = [threading.Thread(target=drip, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 15)
    return answers


def post_raw(port: int, partial_body: bytes, declared: int, wait: float, path: str = "/predict/ocr_system") -> Answer:
    """Send headers announcing ``declared`` body bytes and only ``partial_body``, then wait up to ``wait`` s for
    the answer."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(_head(path, declared) + partial_body)
        return _read_answer(sock, wait)


def declared_length(port: int, length: int, path: str = "/predict/ocr_system") -> Answer:
    """Announce a body of ``length`` bytes, send none of it, and read the answer (30 s at most)."""
    return post_raw(port, b"", length, 30, path)


def oversize_body(port: int, size: int, path: str = "/predict/ocr_system") -> dict:
    """POST a JSON body of ``size`` bytes (one base64 image of that size) and return the JSON answer."""
    opening, closing = b'{"images": ["', b'"]}'
    body = opening + b"A" * (size - len(opening) - len(closing)) + closing
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def announce(port: int, length: int, headers: Optional[dict] = None, path: str = "/ocr",
             wait: float = 5) -> Tuple[bytes, float, bool]:
    """Send headers announcing ``length`` body bytes with ``Expect: 100-continue`` and no body: what came back
    (raw, within ``wait`` s), how long the first byte of it took, and whether the server then closed."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(_head(path, length, extra=_extra(headers) + "Expect: 100-continue\r\n"))
        sock.settimeout(wait)
        data, first, closed = b"", 0.0, False
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    closed = True
                    break
                first = first or time.monotonic() - started
                data += chunk
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = True
        return data, first, closed


def trickle_body(port: int, length: int, headers: Optional[dict], every: float, seconds: float,
                 path: str = "/predict/ocr_system") -> Tuple[Answer, float]:
    """Send headers announcing ``length`` bytes, then one byte of the body every ``every`` s until the server
    answers or closes, or ``seconds`` pass: the answer, and when it came."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(_head(path, length, extra=_extra(headers)))
        started = time.monotonic()
        _send_until_answered(sock, itertools.repeat(b" "), every, seconds)
        return _read_answer(sock, 5), time.monotonic() - started


@contextlib.contextmanager
def unfinished_headers(port: int, count: int, path: str = "/ocr") -> Iterator[List[socket.socket]]:
    """``count`` connections that each send a request line and one header and never finish their headers, as a
    stranger holding connections would; closed when the block ends."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection((HOST, port), timeout=10)
            sock.sendall(("POST %s HTTP/1.1\r\nHost: %s\r\n" % (path, HOST)).encode("ascii"))
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def read_answer(port: int, path: str, body: bytes, content_type: str) -> Answer:
    """POST ``body`` whole with ``content_type``; the status and body of the answer."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()
