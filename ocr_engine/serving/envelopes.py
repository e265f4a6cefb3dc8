"""Every error answer, in its API's envelope, made here and nowhere else, with the one table of HTTP statuses.

- ``/predict/<module>`` (PaddleHub's API): ``{"status": "101", "msg": sentence, "results": ""}``.
- An API mounted beside it registers its paths and its envelope (``register_api``): PaddleX's routes (``/ocr``,
  ``/health``...) answer ``{"logId", "errorCode": HTTP status, "errorMsg": sentence}`` (``paddlex.contract.failure``,
  the wire contract's own).

Which envelope a refusal takes follows its path (``refusal``), so the front, the body check and the routes answer
alike. Sentences that more than one place says live here too.
"""

import json
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple

# The envelope of each path an API beside /predict registered: failure(log_id, status, sentence) -> its JSON.
Failure = Callable[[Optional[str], int, str], Dict[str, Any]]
_APIS: Dict[str, Failure] = {}
# The same for path prefixes (an API whose paths hold ids): prefix -> its envelope.
_API_PREFIXES: Dict[str, Failure] = {}

# The HTTP statuses this server answers with, and their reason phrases.
REASONS: Dict[int, str] = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}
# PaddleHub's status for a request that failed, in /predict's answers.
HUB_FAILED = "101"



def engine_failed(what: str = "the images") -> str:
    """What the engine's failure says to a client about ``what`` it was reading: the cause is logged, never sent."""
    return "the server failed to process %s; the cause is in the server log" % what

Headers = List[Tuple[str, str]]


def status_line(code: int) -> str:
    """``"413 Content Too Large"``."""
    return "%d %s" % (code, REASONS.get(code, "Error"))


def hub_failure(sentence: str) -> Dict[str, Any]:
    """``/predict``'s answer for a request that failed, ``sentence`` as ``msg``."""
    return {"status": HUB_FAILED, "msg": sentence, "results": ""}


def register_api(paths: Iterable[str], failure: Failure, prefixes: Iterable[str] = ()) -> None:
    """An API beside ``/predict`` (its wing registers it on import): its ``paths``, and every path under its
    ``prefixes``, answer refusals with ``failure``."""
    _APIS.update(dict.fromkeys(paths, failure))
    _API_PREFIXES.update(dict.fromkeys(prefixes, failure))


def api_paths() -> FrozenSet[str]:
    """The paths of the APIs registered beside ``/predict``."""
    return frozenset(_APIS)


def api_prefix(path: str) -> Optional[str]:
    """The registered prefix ``path`` lies under (a bounded name for it), or None."""
    return next((prefix for prefix in _API_PREFIXES if path.startswith(prefix)), None)


def for_path(path: str, code: int, sentence: str, log_id: Optional[str] = None) -> Dict[str, Any]:
    """The envelope of the API ``path`` belongs to, refusing with ``sentence``."""
    failure = _APIS.get(path) or _API_PREFIXES.get(api_prefix(path) or "")
    if failure is not None:
        return failure(log_id, code, sentence)
    return hub_failure(sentence)


def json_response(code: int, answer: Dict[str, Any], close: bool = False) -> Tuple[str, Headers, bytes]:
    """An HTTP status line, headers and body carrying ``answer`` as JSON (and closing the connection)."""
    body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if close:
        headers.append(("Connection", "close"))
    return status_line(code), headers, body


def refusal(code: int, sentence: str, path: str = "") -> Tuple[str, Headers, bytes]:
    """A refused request's answer, in ``path``'s envelope, closing the connection."""
    return json_response(code, for_path(path, code, sentence), close=True)


def send(start_response: Callable, code: int, answer: Dict[str, Any]) -> List[bytes]:
    """Answer a WSGI request with ``answer`` as JSON."""
    status, headers, body = json_response(code, answer)
    start_response(status, headers)
    return [body]


def not_json(err: Exception) -> str:
    """The sentence for a body that is not JSON (``json.loads`` raised ``err``: a ValueError, or RecursionError for
    values nested deeper than Python parses)."""
    if isinstance(err, RecursionError):
        return "the request body is JSON nested too deeply to read (lists or objects inside each other)"
    if isinstance(err, UnicodeDecodeError):
        return "the request body is not valid JSON: it is not UTF-8 text"
    where = " (it breaks at byte %d)" % err.pos if isinstance(err, json.JSONDecodeError) else ""
    return "the request body is not valid JSON%s" % where
