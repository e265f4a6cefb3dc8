"""Who may use the server: API keys, browser origins and per-client rate limits, decided from a request's headers
alone (``Guard.decide``) before its body is read, parsed or a model runs.

- The HTTP front (``front.transport``) asks the guard as soon as a request's headers are in: a refused request is
  answered and its connection closed with the body unread, and no ``100 Continue`` goes out before the key is
  accepted. ``AccessGuard``, the outermost WSGI layer (``app.build``), takes the front's verdict, and decides itself
  where PaddleHub's own servers serve (``http_front: paddlehub``).
- Keys (``api_keys_file``): a file of one key per line, ``NAME: KEY`` or a bare ``KEY`` (``parse_keys``), re-read
  when it changes, so a key is added or revoked without a restart. A client sends ``Authorization: Bearer KEY``; a
  browser on the web demo may send the key as HTTP Basic's password. Keys are compared in constant time and never
  logged: logs and metrics name a key by its name, a bare key by an HMAC of it under a secret made at start-up.
  A file that cannot be read or decoded accepts no key: every request gets 401, ``/ready`` says why.
- Origins (``cors_origins``): a preflight from a listed origin gets the CORS headers; every answer says
  ``Vary: Origin``.
- Rate (``rate_limit_per_minute``): past it, a key (with keys off, a client address) gets 429 with ``Retry-After``.
  POSTs count, and the GET that starts a web demo. An address that sends wrong keys ``FAILED_KEYS_PER_MINUTE``
  times in a minute gets 429 for the rest of that minute, whatever it sends. Counted per serving process.

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
import re
import threading
import time
from dataclasses import dataclass
from typing import Callable, Deque, Dict, Iterable, List, Mapping, Optional, Tuple

from . import envelopes
from .images import describe_size
from .metrics import CLIENT, RequestRecord, record

log = logging.getLogger(__name__)

# What anyone may ask, keys or not: the probes and the index page PaddleHub serves.
OPEN = {("GET", "/"), ("HEAD", "/"), ("GET", "/health"), ("HEAD", "/health")}
# Paths whose GETs carry their own permission (a signed link, checked by their route): registered by the API that
# serves them (the job API's results), open without a key.
_SIGNED_PREFIXES: List[str] = []
# Paths with a body limit of their own, under max_request_bytes: path -> (its limit now, the option that sets it).
_BODY_LIMITS: Dict[str, Tuple[Callable[[], int], str]] = {}


def register_signed_links(prefix: str) -> None:
    """GETs under ``prefix`` need no key: each link is signed, and its route checks the signature."""
    _SIGNED_PREFIXES.append(prefix)


def register_body_limit(path: str, limit: Callable[[], int], option: str) -> None:
    """POSTs to ``path`` whose Content-Length is over ``limit()`` bytes get 413 from their headers (``option``
    named in the sentence)."""
    _BODY_LIMITS[path] = (limit, option)
DEMO_PREFIX = "/gradio"
# The GET that starts a module's web demo (a process of its own): counted against the rate like a POST.
_DEMO_START = re.compile(r"^/gradio/[^/]+/?$")
WINDOW_SECONDS = 60.0
# Clients each limiter remembers at most: the quietest are forgotten first.
MAX_CLIENTS = 10000
# Wrong keys one address may send in a minute before it is answered 429 for the rest of that minute.
FAILED_KEYS_PER_MINUTE = 20
# What the WSGI layer finds the front's verdict under (a server-side key: no client header can set it).
VERDICT = "ocr.access"
# A refused request: its HTTP status, the sentence, and headers besides the envelope's.
Refusal = Tuple[int, str, List[Tuple[str, str]]]
# How a bare key is named: an HMAC under this process tree's own secret, so a name cannot be checked against a
# guessed key elsewhere. gunicorn's workers fork after this import, so they all name a key alike.
_SECRET = os.urandom(16)
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\s*:\s*(\S+)$")


@dataclass(frozen=True)
class AccessOptions:
    """The access options (``api_keys_file``, ``cors_origins``, ``rate_limit_per_minute``); one set per process."""

    api_keys_file: Optional[str]
    cors_origins: Tuple[str, ...]
    rate_limit_per_minute: Optional[int]

    def __post_init__(self) -> None:
        if self.api_keys_file is not None and not self.api_keys_file.strip():
            raise ValueError("api_keys_file is empty, which names no file and would serve without keys: give the "
                             "key file's path, or null to serve without keys")


def fingerprint(key: str) -> str:
    """How logs and metrics name a bare key: ``key-`` and 8 hex digits of its HMAC under this server's secret."""
    return "key-" + hmac.new(_SECRET, key.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


def parse_keys(data: bytes) -> Tuple[List[Tuple[bytes, str]], Optional[str]]:
    """The (key, name) pairs a key file's bytes hold, and why they cannot be used (None when they can).

    One key per line: ``NAME: KEY`` names it (letters, digits, ``_.-``, at most 64), a bare ``KEY`` is named by its
    ``fingerprint``; blank lines and ``#`` comments are left out. UTF-8, a byte-order mark allowed."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return [], "it is UTF-16 text; save it as UTF-8"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return [], "it is not UTF-8 text (byte %d)" % (err.start + 1)
    if "\x00" in text:
        return [], "it holds NUL bytes, so it is not UTF-8 text"
    pairs = []
    for line in (line.strip() for line in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        named = _NAME.match(line)
        key, name = (named.group(2), named.group(1)) if named else (line, fingerprint(line))
        pairs.append((key.encode("utf-8"), name))
    return pairs, None


class KeyFile:
    """The keys in a file, read again whenever its size, time or inode changes. A file that cannot be read or
    decoded holds no key, and says why (``problem``); the log has one line each time what the file holds changes."""

    def __init__(self, path: str):
        self.path = path
        self._seen: Optional[Tuple[int, int, int]] = None
        self._pairs: List[Tuple[bytes, str]] = []
        self._problem: Optional[str] = None
        self._lock = threading.Lock()

    def keys(self) -> List[Tuple[bytes, str]]:
        """The (key, name) pairs now; none while the file cannot be used."""
        with self._lock:
            try:
                stat = os.stat(self.path)
                seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
                if seen != self._seen:
                    with open(self.path, "rb") as handle:
                        pairs, problem = parse_keys(handle.read())
                    self._update(seen, pairs, problem)
            except OSError as err:
                self._update((0, 0, 0), [], "it cannot be read (%s)" % (err.strerror or err))
            return self._pairs

    def _update(self, seen: Tuple[int, int, int], pairs: List[Tuple[bytes, str]], problem: Optional[str]) -> None:
        if seen == self._seen and problem == self._problem:
            return
        self._seen, self._pairs, self._problem = seen, pairs, problem
        if problem:
            log.error("api_keys_file %s: %s; every request needing a key is refused (401)", self.path, problem)
        else:
            log.info("api_keys_file %s read: %d key(s)", self.path, len(pairs))

    def problem(self) -> Optional[str]:
        """Why the file cannot be used now, in a sentence, or None."""
        self.keys()
        return None if self._problem is None else "api_keys_file %s: %s" % (self.path, self._problem)

    def name_of(self, presented: str) -> Optional[str]:
        """The name of the key ``presented`` when it is one of the keys, else None; compared with every key in
        constant time."""
        given = presented.encode("utf-8")
        found = None
        for key, name in self.keys():
            if hmac.compare_digest(key, given):
                found = name
        return found


class RateLimiter:
    """At most ``limit`` requests per client in any 60 seconds (a sliding window), remembering at most
    ``MAX_CLIENTS`` clients."""

    def __init__(self, limit: int):
        self.limit = limit
        self._seen: Dict[str, Deque[float]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str, now: Optional[float] = None, count: bool = True) -> int:
        """0 when ``client`` may make a request now (counted unless ``count`` is false), else the whole seconds
        until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.get(client)
            if times is None:
                if not count:
                    return 0
                self._forget_quiet(now)
                times = self._seen[client] = collections.deque()
            while times and times[0] <= now - WINDOW_SECONDS:
                times.popleft()
            if len(times) < self.limit:
                if count:
                    times.append(now)
                return 0
            return max(1, math.ceil(times[0] + WINDOW_SECONDS - now))

    def _forget_quiet(self, now: float) -> None:
        if len(self._seen) < MAX_CLIENTS:
            return
        cutoff = now - WINDOW_SECONDS
        for quiet in [name for name, times in self._seen.items() if not times or times[-1] <= cutoff]:
            del self._seen[quiet]
        while len(self._seen) >= MAX_CLIENTS:  # all busy: the longest known goes
            self._seen.pop(next(iter(self._seen)))


def presented_key(header: Optional[str]) -> Optional[str]:
    """The key an ``Authorization`` header carries: ``Bearer KEY``, or HTTP Basic's password (a browser's)."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            _, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return password or None
    return None


@dataclass(frozen=True)
class Verdict:
    """What the guard decided for one request: a refusal (None: it may go on), the name of its key ("" with keys
    off), and the client's address."""

    refusal: Optional[Refusal]
    client: str
    address: str


class Guard:
    """The process's one guard: keys, rate and failed keys, as ``options()`` says now (the process's settings,
    which fill as its modules start). ``modules`` names the served modules, for bounded metric labels."""

    def __init__(self, options: Callable[[], AccessOptions], modules: Mapping[str, object]):
        self.options = options
        self.modules = modules
        self._keys: Optional[KeyFile] = None
        self._limiter: Optional[RateLimiter] = None
        self._failures = RateLimiter(FAILED_KEYS_PER_MINUTE)

    def key_file(self) -> Optional[KeyFile]:
        """The key file the options name now (None with keys off)."""
        path = self.options().api_keys_file
        if path and (self._keys is None or self._keys.path != path):
            self._keys = KeyFile(path)
        return self._keys if path else None

    def problem(self) -> Optional[str]:
        """Why no request can be accepted now (the key file is unusable), else None: ``/ready``'s answer."""
        keys = self.key_file()
        return keys.problem() if keys is not None else None

    def decide(self, method: str, path: str, header: Callable[[str], Optional[str]], address: str) -> Verdict:
        """The verdict for a request from its method, path, headers (``header(name)``) and client address."""
        address = address or "unknown"
        if (method, path) in OPEN or (method == "OPTIONS" and header("Origin") is not None):  # probes, preflights
            return Verdict(None, "", address)
        if method in ("GET", "HEAD") and any(path.startswith(prefix) for prefix in _SIGNED_PREFIXES):
            return Verdict(None, "", address)
        options, label = self.options(), ""
        keys = self.key_file()
        if keys is not None:
            blocked = self._failures.wait(address, count=False)
            if blocked:
                return Verdict(_too_many_failures(blocked), "", address)
            key = presented_key(header("Authorization"))
            name = keys.name_of(key) if key is not None else None
            if name is None:
                problem = keys.problem()
                if key is not None and problem is None:
                    blocked = self._failures.wait(address)
                    if blocked:
                        return Verdict(_too_many_failures(blocked), "", address)
                return Verdict(_unauthorised(path, key is None, problem is not None), "", address)
            label = name
        too_large = _over_body_limit(path, header("Content-Length"))
        if too_large:
            return Verdict((413, too_large, []), label, address)
        limit = options.rate_limit_per_minute
        # Requests that can set a model to work count; a GET of the web demo's dozens of assets, or a probe, not.
        if limit and (method not in ("GET", "HEAD") or _DEMO_START.match(path)):
            if self._limiter is None or self._limiter.limit != limit:
                self._limiter = RateLimiter(limit)
            wait = self._limiter.wait(label or address)
            if wait:
                who = label or "this client address"
                return Verdict((429, "%s has made %d requests in the last minute, the most this server allows "
                                     "(rate_limit_per_minute): retry in %d s" % (who, limit, wait),
                                [("Retry-After", str(wait))]), label, address)
        return Verdict(None, label, address)

    def refused(self, verdict: Verdict, path: str, origin: Optional[str]) -> Tuple[str, List[Tuple[str, str]], bytes]:
        """The answer to a refused request (status line, headers, body, in ``path``'s API's envelope, closing the
        connection), logged with the client's address and counted under a bounded label."""
        assert verdict.refusal is not None
        code, sentence, extra = verdict.refusal
        record(RequestRecord(self.route_label(path), outcome="refused", reason=sentence, client=verdict.client,
                             address=verdict.address))
        status, headers, body = envelopes.refusal(code, sentence, path)
        return status, headers + extra + self.cors_headers(origin), body

    def cors_headers(self, origin: Optional[str]) -> List[Tuple[str, str]]:
        """The CORS headers every answer to a request from ``origin`` carries: ``Vary: Origin`` whenever origins
        are listed, and the origin allowed when it is one of them."""
        listed = self.options().cors_origins
        if not listed:
            return []
        allowed = [("Access-Control-Allow-Origin", origin)] if origin is not None and origin in listed else []
        return allowed + [("Vary", "Origin")]

    def route_label(self, path: str) -> str:
        """The metrics' module label of a path, from a fixed set: a served module (``/predict/<module>``), a path
        of the APIs beside it (PaddleX's), ``gradio``, else ``other``."""
        if path.startswith("/predict/") and path[len("/predict/"):] in self.modules:
            return path[len("/predict/"):]
        if path in envelopes.api_paths():
            return path
        prefix = envelopes.api_prefix(path)
        if prefix is not None:  # ids in the path stay out of the label
            return prefix.rstrip("/")
        return "gradio" if path.startswith(DEMO_PREFIX + "/") else "other"


class AccessGuard:
    """WSGI middleware in front of every route: the front's verdict (``VERDICT``), or the guard's own where no
    front decided, and CORS."""

    def __init__(self, app: Callable, guard: Guard):
        self.app = app
        self.guard = guard

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        origin = environ.get("HTTP_ORIGIN")
        cors = self.guard.cors_headers(origin)
        if method == "OPTIONS" and origin is not None:
            return _preflight(start_response, cors)
        verdict = environ.get(VERDICT)
        if not isinstance(verdict, Verdict):
            verdict = self.guard.decide(method, path, lambda name: environ.get("HTTP_" + name.upper().replace(
                "-", "_")), environ.get("REMOTE_ADDR") or "")
        if verdict.refusal is not None:
            status, headers, body = self.guard.refused(verdict, path, origin)
            start_response(status, headers)
            return [body]
        token = CLIENT.set(verdict.client)  # the request's log line names its key
        try:
            if not cors:
                return self.app(environ, start_response)
            return self.app(environ, lambda status, headers, *rest: start_response(
                status, with_cors(headers, cors), *rest))
        finally:
            CLIENT.reset(token)


def _over_body_limit(path: str, length: Optional[str]) -> Optional[str]:
    """The sentence for a body over its path's own limit, from its Content-Length (None: within it, or unsaid)."""
    if path not in _BODY_LIMITS or length is None or not length.strip().isdigit():
        return None
    limit, option = _BODY_LIMITS[path]
    if int(length) <= limit():
        return None
    return ("the request body is %s, over the limit of %s for POST %s (%s): send a smaller file, or split the "
            "document" % (describe_size(int(length)), describe_size(limit()), path, option))


def with_cors(headers: List[Tuple[str, str]], cors: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """An answer's ``headers`` with ``cors`` added: ``Origin`` joins any ``Vary`` the answer has."""
    varies = [value.strip() for name, value in headers if name.lower() == "vary" for value in value.split(",")]
    added = [(name, value) for name, value in cors if name != "Vary"]
    vary = ", ".join([value for value in varies if value and value.lower() != "origin"] + ["Origin"])
    return [h for h in headers if h[0].lower() != "vary"] + added + [("Vary", vary)]


def _preflight(start_response: Callable, cors: List[Tuple[str, str]]) -> List[bytes]:
    headers = [("Content-Length", "0")] + cors
    if any(name == "Access-Control-Allow-Origin" for name, _ in cors):
        headers += [("Access-Control-Allow-Methods", "POST, GET, OPTIONS"),
                    ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
                    ("Access-Control-Max-Age", "600")]
    start_response(envelopes.status_line(204), headers)
    return [b""]


def _unauthorised(path: str, missing: bool, unusable: bool) -> Refusal:
    demo = path.startswith(DEMO_PREFIX)
    if unusable:
        sentence = "this server cannot check API keys now (its key file is unusable; its log says why)"
    elif missing:
        sentence = "this server needs an API key: send the header Authorization: Bearer <key>"
    else:
        sentence = "the API key sent is not one this server accepts"
    if demo:
        sentence += " (in a browser, the key is the password the browser asks for)"
    return 401, sentence, [("WWW-Authenticate", 'Basic realm="OCR web demo"' if demo else 'Bearer realm="OCR"')]


def _too_many_failures(wait: int) -> Refusal:
    return (429, "this address has sent %d wrong API keys in the last minute: retry in %d s"
            % (FAILED_KEYS_PER_MINUTE, wait), [("Retry-After", str(wait))])
