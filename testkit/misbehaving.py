"""Clients that misbehave at the HTTP level, for tests and tools: stalled, slow and oversize. Each one is bounded
in time and count, and talks to a port on this machine only."""

import contextlib
import http.client
import json
import socket
import threading
import time
from typing import Iterator, List, Optional, Tuple

HOST = "127.0.0.1"
Answer = Tuple[Optional[int], str]  # HTTP status (None: the connection closed without one) and body


def _head(path: str, length: int, content_type: str = "application/json") -> bytes:
    return ("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
            % (path, HOST, content_type, length)).encode("ascii")


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
            deadline = time.monotonic() + seconds
            for byte in request:
                if time.monotonic() > deadline:
                    break
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    break  # closed by the server: its answer, if any, is waiting
                sock.settimeout(1.0)
                try:
                    if sock.recv(1, socket.MSG_PEEK):
                        break
                except socket.timeout:
                    continue
                except OSError:
                    break
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


def read_answer(port: int, path: str, body: bytes, content_type: str) -> Answer:
    """POST ``body`` whole with ``content_type``; the status and body of the answer."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()
