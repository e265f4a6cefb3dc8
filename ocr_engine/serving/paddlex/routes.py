"""PaddleOCR 3.x's serving API on the port of ``/predict/<module>``: ``GET /health`` and one ``POST`` endpoint per
PaddleX pipeline this server answers (``ENDPOINTS``), each by a hub module this process already serves
(``server.SERVER.modules``), so no model is loaded twice.

Every answer, refusals included, is PaddleX's envelope (``contract``), made here, with PaddleX's statuses: 422 for
what the client can fix (the contract's validation, then this service's own sentences: limits, bad images, broken
PDFs, options it does not offer), 404 when the answering module is not served, 503 for a request stopped at
``request_timeout``, 500 when the engine fails.
"""

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, Type

from pydantic import BaseModel, ValidationError

from .. import envelopes
from ..errors import EngineFailed, InputError, RequestTooLong
from ..metrics import RequestRecord, record
from ..multipart import is_multipart, read_form
from . import layout_parsing, ocr, table_recognition
from .contract import (
    HEALTH_PATH,
    LAYOUT_PARSING_PATH,
    OCR_PATH,
    PATHS,
    TABLE_RECOGNITION_PATH,
    OCRRequest,
    failure,
    healthy,
    invalid_json_message,
    log_id_of,
    new_log_id,
    success,
    validation_message,
)
from .form import request_fields
from .structure_contract import LayoutParsingRequest, TableRecognitionRequest


@dataclass(frozen=True)
class Endpoint:
    """One PaddleX pipeline's endpoint: its request model, the hub module whose engine answers it, and the call
    that reads a checked request with that module (``read(module, request)``, the answer's ``result``)."""

    path: str
    request: Type[BaseModel]
    module: str
    read: Callable[[Any, Any], BaseModel]

    def how(self) -> str:
        """How to call it, for a 405."""
        return ('POST %s with a JSON body: {"file": "<base64>", "fileType": 1 for an image or 0 for a PDF}, or the '
                'file as a multipart form field named file' % self.path)


ENDPOINTS: Dict[str, Endpoint] = {endpoint.path: endpoint for endpoint in (
    Endpoint(OCR_PATH, OCRRequest, "ocr_system", ocr.infer),
    Endpoint(LAYOUT_PARSING_PATH, LayoutParsingRequest, "structure_system", layout_parsing.infer),
    Endpoint(TABLE_RECOGNITION_PATH, TableRecognitionRequest, "structure_system", table_recognition.infer),
)}

log = logging.getLogger(__name__)


class PaddleXRoutes:
    """WSGI middleware: ``PATHS`` answered here, everything else passed to ``app``. ``modules`` is the process's
    served modules by name (it fills as they start)."""

    def __init__(self, app: Callable, modules: Mapping[str, object]):
        self.app = app
        self.modules = modules

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path not in PATHS:
            return self.app(environ, start_response)
        if path == HEALTH_PATH:
            if method in ("GET", "HEAD"):
                return envelopes.send(start_response, 200, healthy())
            return envelopes.send(start_response, 405, failure(None, 405, "/health answers GET only"))
        endpoint = ENDPOINTS[path]
        if method != "POST":
            return envelopes.send(start_response, 405, failure(None, 405, endpoint.how()))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        status, body = answer(endpoint, environ["wsgi.input"].read(length) if length else b"", self.modules,
                              environ.get("CONTENT_TYPE", ""))
        return envelopes.send(start_response, status, body)


def answer_ocr(body: bytes, modules: Mapping[str, object]) -> Tuple[int, dict]:
    """``answer`` for one ``POST /ocr`` JSON body."""
    return answer(ENDPOINTS[OCR_PATH], body, modules)


def answer(endpoint: Endpoint, body: bytes, modules: Mapping[str, object], content_type: str = "") -> Tuple[int, dict]:
    """The HTTP status and JSON answer for one POST body to ``endpoint``, a JSON object or a multipart form
    (``multipart.is_multipart(content_type)``): every outcome is handled here, in one place, and every request is
    logged and counted (``metrics``), refusals of its shape included."""
    try:
        if is_multipart(content_type):
            parsed: Any = request_fields(read_form(body, content_type), endpoint.request)
        else:
            parsed = json.loads(body)
    except InputError as unreadable:
        return _refused(endpoint, None, 422, str(unreadable))
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError too
        return _refused(endpoint, None, 422, invalid_json_message(envelopes.not_json(err)))
    log_id = log_id_of(parsed)
    try:
        request = endpoint.request.model_validate(parsed)
    except ValidationError as err:
        return _refused(endpoint, log_id, 422, validation_message(err))
    log_id = getattr(request, "logId", None) or new_log_id()
    unknown = sorted(set(parsed) - set(endpoint.request.model_fields))
    if unknown:  # PaddleX ignores them, and clients written for a later PaddleX may send some: said, not refused
        log.info("POST %s %s: fields this server does not know were ignored: %s", endpoint.path, log_id,
                 ", ".join(unknown))
    module = modules.get(endpoint.module)
    if module is None:
        return _refused(endpoint, log_id, 404, "POST %s is answered by the %s module, which this server does not "
                                               "serve: add %s to config.json's modules_info"
                        % (endpoint.path, endpoint.module, endpoint.module))
    try:
        return 200, success(log_id, endpoint.read(module, request))
    except RequestTooLong as stopped:
        return 503, failure(log_id, 503, str(stopped))
    except InputError as refused:
        return 422, failure(log_id, 422, str(refused))
    except EngineFailed as failed:  # already logged in full by the service
        return 500, failure(log_id, 500, str(failed))
    except Exception:
        log.exception("POST %s failed", endpoint.path)
        return 500, failure(log_id, 500, envelopes.engine_failed("the file"))


def _refused(endpoint: Endpoint, log_id: Optional[str], status: int, message: str) -> Tuple[int, dict]:
    """A request refused before it reached a module, logged and counted as refused."""
    record(RequestRecord(endpoint.path, outcome="refused", reason=message))
    return status, failure(log_id, status, message)
