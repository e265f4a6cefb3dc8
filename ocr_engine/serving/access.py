"""Who may use the server: API keys, browser origins and per-client rate limits, checked in front of every route
(``AccessGuard``, the outermost layer ``app.build`` puts on), before a body is parsed or a model runs.

- Keys (``api_keys_file``): a file of one key per line, re-read when it changes, so a key is added or revoked
  without a restart. A client sends ``Authorization: Bearer KEY``; a browser on the web demo may send the key as
  HTTP Basic's password (the browser asks for it once). Keys are compared in constant time and never logged: log
  lines and metrics name a key by its fingerprint (``fingerprint``).
- Origins (``cors_origins``): a preflight from a listed origin gets the CORS headers for POST with
  ``Authorization`` and ``Content-Type``; any other origin gets none.
- Rate (``rate_limit_per_minute``): past it, a key (or, with keys off, a client address) gets 429 with
  ``Retry-After`` while others are served. Only POSTs (and methods other than GET and HEAD) count. Counted per
  serving process: each gunicorn worker counts its own.

Probes stay open with keys on: ``GET /health``, the index page, and the status server's port (another server).
"""

import base64
import binascii
import collections
import hashlib
import hmac
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Deque, Dict, Iterable, List, Optional, Tuple

from . import envelopes
from .metrics import CLIENT, RequestRecord, record

log = logging.getLogger(__name__)

# What anyone may ask, keys or not: the probes and the index page PaddleHub serves.
OPEN = {("GET", "/"), ("HEAD", "/"), ("GET", "/health"), ("HEAD", "/health")}
DEMO_PREFIX = "/gradio"
WINDOW_SECONDS = 60.0
# Clients the rate limiter remembers before it forgets the quiet ones.
MAX_CLIENTS = 10000
# A refused request: its HTTP status, the sentence, and headers besides the envelope's.
Refusal = Tuple[int, str, List[Tuple[str, str]]]


@dataclass(frozen=True)
class AccessOptions:
    """The access options (``api_keys_file``, ``cors_origins``, ``rate_limit_per_minute``); one set per process."""

    api_keys_file: Optional[str]
    cors_origins: Tuple[str, ...]
    rate_limit_per_minute: Optional[int]


def fingerprint(key: str) -> str:
    """How logs and metrics name a key: the first 8 hex digits of its SHA-256 (the key cannot be told from it)."""
    return "key-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


class KeyFile:
    """The keys in a file, one per line (blank lines and ``#`` comments left out), read again whenever the file's
    size, time or inode changes."""

    def __init__(self, path: str):
        self.path = path
        self._seen: Optional[Tuple[int, int, int]] = None
        self._keys: List[bytes] = []
        self._lock = threading.Lock()

    def keys(self) -> List[bytes]:
        """The keys now; a file that cannot be read holds none (every request is refused, and the log says why)."""
        try:
            stat = os.stat(self.path)
            seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError as err:
            if self._seen != (0, 0, 0):
                log.error("api_keys_file %s cannot be read (%s): every request needing a key is refused",
                          self.path, err.strerror)
            self._seen, self._keys = (0, 0, 0), []
            return []
        with self._lock:
            if seen != self._seen:
                with open(self.path, encoding="utf-8") as handle:
                    lines = [line.strip() for line in handle]
                self._keys = [line.encode("utf-8") for line in lines if line and not line.startswith("#")]
                self._seen = seen
                log.info("api_keys_file %s read: %d key(s)", self.path, len(self._keys))
            return self._keys

    def match(self, presented: str) -> bool:
        """Whether ``presented`` is one of the keys, compared with every key in constant time."""
        given = presented.encode("utf-8")
        found = False
        for key in self.keys():
            found |= hmac.compare_digest(key, given)
        return found


class RateLimiter:
    """At most ``limit`` requests per client in any 60 seconds (a sliding window)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._seen: Dict[str, Deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def wait(self, client: str, now: Optional[float] = None) -> int:
        """0 when ``client`` may make a request now (and it is counted), else the whole seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) > MAX_CLIENTS:  # forget clients quiet for a minute, so the table stays small
                cutoff = now - WINDOW_SECONDS
                for quiet in [name for name, times in self._seen.items() if not times or times[-1] <= cutoff]:
                    del self._seen[quiet]
            times = self._seen[client]
            while times and times[0] <= now - WINDOW_SECONDS:
                times.popleft()
            if len(times) < self.limit:
                times.append(now)
                return 0
            return max(1, math.ceil(times[0] + WINDOW_SECONDS - now))


def presented_key(environ: dict) -> Optional[str]:
    """The key a request carries: ``Authorization: Bearer KEY``, or HTTP Basic's password (a browser's)."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            _, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return password or None
    return None


class AccessGuard:
    """WSGI middleware in front of every route: keys, origins and rate, as ``options()`` says now (the process's
    settings, which fill as its modules start)."""

    def __init__(self, app: Callable, options: Callable[[], AccessOptions]):
        self.app = app
        self.options = options
        self._keys: Optional[KeyFile] = None
        self._limiter: Optional[RateLimiter] = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        options = self.options()
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        origin = environ.get("HTTP_ORIGIN")
        allowed = origin is not None and origin in options.cors_origins
        if method == "OPTIONS" and origin is not None:
            return self._preflight(start_response, allowed, origin)
        client = ""
        if (method, path) not in OPEN:
            refused, client = self._check(environ, options, path)
            if refused is not None:
                code, sentence, headers = refused
                record(RequestRecord(_module_of(path), outcome="refused", reason=sentence, client=client))
                status, base, body = envelopes.json_response(code, envelopes.for_path(path, code, sentence))
                start_response(status, base + headers + _cors(allowed, origin))
                return [body]
        token = CLIENT.set(client)  # the request's log line names its key's fingerprint
        try:
            if not allowed:
                return self.app(environ, start_response)
            return self.app(environ, lambda status, headers, *rest: start_response(
                status, headers + _cors(True, origin), *rest))
        finally:
            CLIENT.reset(token)

    def _check(self, environ: dict, options: AccessOptions, path: str) -> Tuple[Optional[Refusal], str]:
        """(status, sentence, extra headers) when the request may not go on, else None; and the fingerprint of its
        key ("" with keys off or no key accepted)."""
        client, label = environ.get("REMOTE_ADDR") or "unknown", ""
        if options.api_keys_file:
            if self._keys is None or self._keys.path != options.api_keys_file:
                self._keys = KeyFile(options.api_keys_file)
            key = presented_key(environ)
            if key is None or not self._keys.match(key):
                return _unauthorised(path, key is None), ""
            client = label = fingerprint(key)
        limit = options.rate_limit_per_minute
        # Only requests that can set models to work count: a GET (the web demo's page and its dozens of assets,
        # a probe) costs none.
        if limit and environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            if self._limiter is None or self._limiter.limit != limit:
                self._limiter = RateLimiter(limit)
            wait = self._limiter.wait(client)
            if wait:
                who = label or "this client address"
                return (429, "%s has made %d requests in the last minute, the most this server allows "
                             "(rate_limit_per_minute): retry in %d s" % (who, limit, wait),
                        [("Retry-After", str(wait))]), label
        return None, label

    def _preflight(self, start_response: Callable, allowed: bool, origin: str) -> List[bytes]:
        headers = [("Content-Length", "0")] + _cors(allowed, origin)
        if allowed:
            headers += [("Access-Control-Allow-Methods", "POST, GET, OPTIONS"),
                        ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
                        ("Access-Control-Max-Age", "600")]
        start_response(envelopes.status_line(204), headers)
        return [b""]


def _unauthorised(path: str, missing: bool) -> Refusal:
    demo = path.startswith(DEMO_PREFIX)
    sentence = ("this server needs an API key: send the header Authorization: Bearer <key>" if missing
                else "the API key sent is not one this server accepts")
    if demo:
        sentence += " (in a browser, the key is the password the browser asks for)"
    return 401, sentence, [("WWW-Authenticate", 'Basic realm="OCR web demo"' if demo else 'Bearer realm="OCR"')]


def _cors(allowed: bool, origin: Optional[str]) -> List[Tuple[str, str]]:
    return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")] if allowed and origin else []


def _module_of(path: str) -> str:
    """The metrics' module label of a path: ``/predict/ocr_system`` -> ``ocr_system``, else the path."""
    return path[len("/predict/"):] if path.startswith("/predict/") else path
