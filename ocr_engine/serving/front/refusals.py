"""What the front refuses, in sentences: what waitress's parser refused, a request that did not arrive in time, and a
``/predict`` body that is not a JSON object (``JSONBodies``, which answers before Flask would in HTML)."""

import io
import json
import logging
from typing import Callable, Iterable, List, Optional

from waitress.utilities import Error

from .. import envelopes
from .options import FrontOptions

log = logging.getLogger("ocr_engine.serving.front")


def parser_sentence(error: Error, options: FrontOptions, content_length: int) -> str:
    """The sentence for what waitress's request parser refused (``error.code``)."""
    if error.code == 413:
        if content_length:
            return ("the request body is %d bytes, over the limit of %d bytes (max_request_bytes): send fewer or "
                    "smaller images per request" % (content_length, options.max_request_bytes))
        return ("the request body passed the limit of %d bytes (max_request_bytes) as it arrived: send fewer or "
                "smaller images per request" % options.max_request_bytes)
    if error.code == 431:
        return "the request's headers are too large: send the images in the JSON body, not in headers"
    if error.code == 501:
        return "the request's Transfer-Encoding is not supported: send the body whole or chunked"
    return "the request is not valid HTTP: %s" % str(error.body).strip()


def timeout_sentence(headers_done: bool, options: FrontOptions) -> str:
    """The sentence for a request that did not arrive within ``client_timeout``."""
    late = ("its body stopped for %d s before it was complete" if headers_done
            else "its headers were not all in %d s after they began") % options.client_timeout
    return "the request did not arrive in time: %s (client_timeout); send the whole request without pausing" % late


def slow_body_sentence(received: int, seconds: float, options: FrontOptions) -> str:
    """The sentence for a body that arrived slower than ``min_body_rate`` once its grace had passed."""
    return ("the request did not arrive in time: its body came at %d bytes in %.0f s, under the %d bytes a second "
            "this server needs after the first %d s (min_body_rate, client_timeout); send the whole request at once"
            % (received, seconds, options.min_body_rate, options.client_timeout))


def body_problem(body: bytes) -> Optional[str]:
    """Why ``body`` cannot be a request to a module (None when it is a JSON object), in a sentence."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError too
        sentence = envelopes.not_json(err)
        return sentence if isinstance(err, UnicodeDecodeError) else sentence + ': send {"images": ["<base64>", ...]}'
    if not isinstance(parsed, dict):
        kind = {list: "a list", str: "a string", type(None): "null", bool: "a boolean"}.get(type(parsed), "a number")
        return "the request body must be a JSON object such as {\"images\": [\"<base64>\", ...]}, not %s" % kind
    return None


class JSONBodies:
    """WSGI middleware: a POST to ``/predict/<module>`` whose body is not a JSON object is refused here, in the
    service's JSON, where Flask and PaddleHub would answer an HTML page; the rest passes to ``app`` unchanged."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or not environ.get("PATH_INFO", "").startswith("/predict/"):
            return self.app(environ, start_response)
        if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != "application/json":
            return _answer(start_response, 415, "the request body must be JSON, sent with Content-Type: "
                                                "application/json")
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        problem = body_problem(body)
        if problem:
            return _answer(start_response, 400, problem)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def _answer(start_response: Callable, code: int, sentence: str) -> List[bytes]:
    status, headers, body = envelopes.refusal(code, sentence)
    log.info("refused: %s", sentence)
    start_response(status, headers[:-1])
    return [body]


