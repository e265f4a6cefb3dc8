"""``/gradio/<module>/...`` through the server's own port, in front of PaddleHub's Flask app.

PaddleHub's own forwarding reads each answer whole (gradio's event stream then arrives at once, if at all), knows
only GET and POST, drops the browser's Host so the page names ``localhost:<child port>`` for every file and call
(which a browser on another host cannot reach), and finds the demo only in the gunicorn worker that started it.
This layer forwards as it streams, any method, with ``X-Forwarded-Host``/``-Proto`` so gradio builds its URLs on
the address the browser used, and finds the demo from any worker through the server's shared folder. It adds the
demo's token (the page's process answers nothing without it) and the name of the key the guard accepted (which the
page hands back with each image, so the read is logged and counted under that key), and drops gradio's own CORS
headers: the server's (``access``) are the only ones.
``GET /gradio/<module>`` itself still goes to PaddleHub when no demo runs: it calls ``create_gradio_app``. The page
is served at ``/gradio/<module>/``.
"""

import http.client
import importlib.util
import re
from typing import Callable, Container, Iterable, Iterator, List

from ..metrics import CLIENT
from .launcher import RunningDemo, forget_demo, running_demo

_PATH = re.compile(r"^/gradio/([^/]+)(/.*)?$")
# Headers that describe one connection, not the message: never forwarded (RFC 9110, 7.6.1).
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
               "transfer-encoding", "upgrade", "host"}
# What this layer tells the page's process; a browser's own headers of these names are dropped.
TOKEN_HEADER, CLIENT_HEADER = "X-Ocr-Demo-Token", "X-Ocr-Client"


def is_forwarded(path: str) -> bool:
    """Whether ``path`` is one forwarded to a page's process (or redirected to start one): ``/gradio/<m>/<more>``,
    whose answer may stream for as long as the page is open."""
    match = _PATH.match(path)
    return bool(match and match.group(2) and match.group(2) != "/")


class GradioRoutes:
    """WSGI middleware: the web demo of the modules named in ``modules`` (the served modules by name, which fill
    as they start), everything else to ``app``."""

    def __init__(self, app: Callable, modules: Container[str]):
        self.app = app
        self.modules = modules

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        match = _PATH.match(environ.get("PATH_INFO", ""))
        if not match or match.group(1) not in self.modules:
            return self.app(environ, start_response)
        module, rest = match.group(1), match.group(2) or ""
        if importlib.util.find_spec("gradio") is None:
            return _text(start_response, "503 Service Unavailable",
                         "The web demo needs gradio, which is not installed with this server: install the package's "
                         "demo extra (pip install -c constraints.txt '.[cpu,demo]'). POST /predict/%s works "
                         "without it." % module)
        running = running_demo(module)
        if running is None:
            if rest in ("", "/"):  # PaddleHub starts it (create_gradio_app), then redirects to /app
                return self.app(dict(environ, PATH_INFO="/gradio/" + module), start_response)
            return _redirect(start_response, environ, "/gradio/%s" % module)
        # The page lives at /gradio/<module>/: gradio 5.50's page names its files and calls relative to its own
        # path, so PaddleHub's /app and the bare name are sent there.
        if rest in ("", "/app", "/app/"):
            return _redirect(start_response, environ, "/gradio/%s/" % module)
        target = rest
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        try:
            return forward(environ, start_response, running, target)
        except ConnectionRefusedError:
            forget_demo(module)
            return _redirect(start_response, environ, "/gradio/%s" % module)


def forward(environ: dict, start_response: Callable, demo: RunningDemo, target: str) -> Iterator[bytes]:
    """Send the request to the page's process at ``target`` and stream the answer back as it comes."""
    connection = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=600)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else None
    headers = forwarded_headers(environ)
    headers[TOKEN_HEADER], headers[CLIENT_HEADER] = demo.token, CLIENT.get()
    connection.request(environ["REQUEST_METHOD"], target, body, headers)
    response = connection.getresponse()
    start_response("%d %s" % (response.status, response.reason),
                   [(name, value) for name, value in response.getheaders()
                    if name.lower() not in _HOP_BY_HOP and not name.lower().startswith("access-control-")])
    return _stream(response, connection)


def forwarded_headers(environ: dict) -> dict:
    """The browser's headers for the demo process, and where the browser thinks it is: ``X-Forwarded-Host`` and
    ``-Proto`` (kept when a proxy in front already set them)."""
    ours = {TOKEN_HEADER.lower(), CLIENT_HEADER.lower()}
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
               if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in _HOP_BY_HOP | ours}
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    headers.setdefault("X-Forwarded-Host", environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost"))
    headers.setdefault("X-Forwarded-Proto", environ.get("wsgi.url_scheme", "http"))
    return headers


def _stream(response: http.client.HTTPResponse, connection: http.client.HTTPConnection) -> Iterator[bytes]:
    try:
        while True:
            chunk = response.read1(65536)
            if not chunk:
                return
            yield chunk
    finally:
        connection.close()


def _redirect(start_response: Callable, environ: dict, path: str) -> List[bytes]:
    start_response("302 Found", [("Location", environ.get("SCRIPT_NAME", "") + path), ("Content-Length", "0")])
    return [b""]


def _text(start_response: Callable, status: str, text: str) -> List[bytes]:
    body = (text + "\n").encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]

