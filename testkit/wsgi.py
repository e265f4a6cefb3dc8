"""WSGI applications called directly, without a server: one request in, its status, headers and body out."""

import io
from typing import Callable, Dict, Optional, Tuple


def call(app: Callable, path: str, body: bytes = b"", method: Optional[str] = None,
         content_type: str = "application/json", headers: Optional[Dict[str, str]] = None,
         query: str = "") -> Tuple[str, Dict[str, str], bytes]:
    """Call ``app`` with one request to ``path`` (a POST when there is a ``body``, else a GET), ``headers`` as HTTP
    headers (``{"Host": ...}``); returns the status line, the answer's headers and its whole body."""
    environ = {"REQUEST_METHOD": method or ("POST" if body else "GET"), "PATH_INFO": path, "QUERY_STRING": query,
               "SCRIPT_NAME": "", "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http"}
    if body:
        environ.update(CONTENT_TYPE=content_type, CONTENT_LENGTH=str(len(body)))
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    seen: dict = {}

    def start_response(status: str, response_headers: list) -> None:
        seen["status"], seen["headers"] = status, dict(response_headers)

    answer = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], answer
