"""PaddleOCR's official job API on the serving port (WSGI middleware ``JobRoutes``): submit a document, poll its
status, read a batch, and fetch the JSONL result and its images by signed links. Every answer is the API's
envelope (``contract.ok`` / ``contract.failure``); a job is seen only with the key that submitted it (404 to any
other), and a link only with its signature (403)."""

import json
import logging
import time
import uuid
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import parse_qsl, quote

from .. import envelopes
from ..errors import InputError
from ..metrics import CLIENT
from ..multipart import is_multipart, read_form
from ..pdf import PdfInput
from ..sent import file_bytes
from . import contract, signing
from .fetch import TooLarge, fetch
from .files import JobFiles
from .options import JobOptions
from .pages import request_of, result_lines
from .store import JobRecord, JobStore, NewJob

log = logging.getLogger(__name__)
# What a submission may hold.
FORM_FIELDS = ("file", "fileUrl", "model", "optionalPayload", "pageRanges", "batchId")


class HTTPRefusal(Exception):
    """A request refused with ``status`` and a sentence."""

    def __init__(self, status: int, sentence: str):
        super().__init__(sentence)
        self.status = status


def is_job_path(path: str) -> bool:
    """Whether the job API answers ``path``."""
    return path == contract.JOBS_PATH or path.startswith(contract.JOBS_PATH + "/") or \
        path.startswith(contract.RESULTS_PREFIX)


class JobsUnavailable:
    """WSGI middleware where the job store cannot be opened: the job API's paths get 503 and ``sentence``, the rest
    is served as ever (a server used without jobs keeps serving)."""

    def __init__(self, app: Callable, sentence: str):
        self.app, self.sentence = app, sentence

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not is_job_path(environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        return envelopes.send(start_response, 503, contract.failure(None, 503, self.sentence))


class JobRoutes:
    """WSGI middleware: the job API's paths answered here, everything else passed to ``app``."""

    def __init__(self, app: Callable, store: JobStore, files: JobFiles, secret: bytes,
                 options: Callable[[], JobOptions]):
        self.app, self.store, self.files, self.secret, self.options = app, store, files, secret, options

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if not is_job_path(path):
            return self.app(environ, start_response)
        try:
            if path.startswith(contract.RESULTS_PREFIX):
                if method not in ("GET", "HEAD"):
                    raise HTTPRefusal(405, "result links answer GET only")
                return self._link(environ, path, start_response)
            if path == contract.JOBS_PATH:
                if method != "POST":
                    raise HTTPRefusal(405, "POST %s submits a job (multipart: file, model, optionalPayload); GET "
                                           "%s/<jobId> reads one" % (path, path))
                code, answer = 200, self.submit(environ)
            else:
                if method not in ("GET", "HEAD"):
                    raise HTTPRefusal(405, "%s answers GET only" % path)
                code, answer = 200, self.status(environ, path)
        except HTTPRefusal as refused:
            code, answer = refused.status, contract.failure(None, refused.status, str(refused))
            log.info("%s %s refused (%d): %s", method, path[:80], refused.status, refused)
        except InputError as refused:
            code, answer = 400, contract.failure(None, 400, str(refused))
            log.info("%s %s refused (400): %s", method, path[:80], refused)
        except Exception:  # the store away, say: the cause logged, a sentence sent
            log.exception("%s %s failed", method, path[:80])
            code, answer = 503, contract.failure(None, 503, "the job store could not be reached; the cause is in the "
                                                            "server log: retry later")
        return envelopes.send(start_response, code, answer)

    def submit(self, environ: dict) -> Dict[str, Any]:
        """``POST /api/v2/ocr/jobs``: the job kept and queued; its id. The document comes as the multipart form's
        ``file`` (the clients' file_path), or from ``fileUrl`` (a form field, or the JSON body the clients send for
        a file_url) under an allowed prefix."""
        options = self.options()
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        content_type = environ.get("CONTENT_TYPE", "")
        if is_multipart(content_type):
            form = read_form(body, content_type)
            fields: Dict[str, Any] = dict(form.texts)
            unknown = sorted((set(form.texts) | set(form.files)) - set(FORM_FIELDS))
        else:
            fields = _json_object(body)
            form = None
            if "file" in fields:
                raise InputError("file: send the document as a multipart form's file field, not in a JSON body")
            unknown = sorted(set(fields) - set(FORM_FIELDS))
        if unknown:
            raise InputError("unknown field(s) %s: a job takes file or fileUrl, model, optionalPayload, pageRanges "
                             "and batchId" % ", ".join(unknown))
        pipeline = contract.pipeline_of(fields.get("model"))  # refused before any document is read or fetched
        payload = _payload(fields.get("optionalPayload"))
        request = request_of(pipeline, payload, b"-", 1)  # the payload checked as the endpoint checks its fields
        ignored = sorted(set(payload) - set(type(request).model_fields))
        if ignored:  # as the endpoint does: PaddleX ignores them, and a client for a later one may send some
            log.info("job submission: optionalPayload fields this server does not know are ignored: %s",
                     ", ".join(ignored))
        if fields.get("fileUrl"):
            if form is not None and "file" in form.files:
                raise InputError("send file or fileUrl, not both")
            try:
                data = fetch(fields["fileUrl"], options.job_fetch_prefixes, options.job_max_upload_bytes)
            except TooLarge as large:
                raise HTTPRefusal(413, str(large)) from None
        elif form is not None and "file" in form.files:
            data = file_bytes(form.files["file"], "file", options.job_max_upload_bytes)
        else:
            raise InputError("file is missing: send the document as a multipart form's file field (the clients' "
                             "file_path), or its URL as fileUrl")
        return self._keep(fields, pipeline, payload, data, options)

    def _keep(self, fields: Dict[str, Any], pipeline: str, payload: Dict[str, Any], data: bytes,
              options: JobOptions) -> Dict[str, Any]:
        """A checked submission's document counted, kept, and queued."""
        kind, pages = self._pages(data, _text(fields, "pageRanges"), options)
        owner = CLIENT.get()
        if self.store.open_jobs(owner) >= options.jobs_per_key:
            raise HTTPRefusal(429, "%s has %d jobs waiting or running, the most this server allows (jobs_per_key): "
                                   "submit more when some are done" % (owner or "this server",
                                                                        options.jobs_per_key))
        batch_id = (_text(fields, "batchId") or "").strip() or None
        job = NewJob(uuid.uuid4().hex, owner, str(fields["model"]), pipeline, json.dumps(payload), batch_id, kind,
                     pages)
        self.files.save_source(job.job_id, data)
        self.store.create(job, time.time())
        log.info("job %s submitted: %s, %s, %d page(s)%s", job.job_id, job.model, owner or "no key", len(pages),
                 ", batch %s" % batch_id if batch_id else "")
        return contract.ok({"jobId": job.job_id})

    def _pages(self, data: bytes, ranges: Optional[str], options: JobOptions) -> Tuple[str, List[int]]:
        if data.startswith(b"%PDF-"):
            document = PdfInput(data, "file")
            try:
                count = document.pages
            finally:
                document.close()
            kind = "pdf"
        else:
            kind, count = "image", 1
        pages = contract.page_numbers(ranges, count)
        if len(pages) > options.job_max_pages:
            raise InputError("the job would read %d pages, over the limit of %d (job_max_pages): split the document "
                             "or pick pages with pageRanges" % (len(pages), options.job_max_pages))
        return kind, pages

    def status(self, environ: dict, path: str) -> Dict[str, Any]:
        """A job's status, or a batch's."""
        owner = CLIENT.get()
        if path.startswith(contract.BATCH_PREFIX):
            batch_id = path[len(contract.BATCH_PREFIX):]
            jobs = self.store.batch(batch_id, owner) if batch_id else []
            if not jobs:
                raise HTTPRefusal(404, "no batch %s is known to this key" % batch_id[:64])
            return contract.ok({"batchId": batch_id,
                                "extractResult": [self._status(environ, job) for job in jobs]})
        job_id = path[len(contract.JOBS_PATH) + 1:]
        job = self.store.job(job_id) if "/" not in job_id else None
        if job is None or job.owner != owner:
            raise HTTPRefusal(404, "no job %s is known to this key" % job_id[:64])
        return contract.ok(self._status(environ, job))

    def _status(self, environ: dict, job: JobRecord) -> Dict[str, Any]:
        json_url = None
        if job.view.state == "done":
            json_url = self._url(environ, "%s%s/result.jsonl" % (contract.RESULTS_PREFIX, job.view.job_id))
        return contract.status_data(job.view, json_url)

    def _url(self, environ: dict, path: str) -> str:
        """An absolute signed link to ``path`` on the host the client reached."""
        scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST") or "%s:%s" % (environ.get("SERVER_NAME"), environ.get("SERVER_PORT"))
        return "%s://%s%s?%s" % (scheme, host, quote(path), signing.signed_query(self.secret, path))

    def _link(self, environ: dict, path: str, start_response: Callable) -> Iterable[bytes]:
        """A result's JSONL, or one of its images, by a signed link."""
        problem = signing.link_problem(self.secret, path, dict(parse_qsl(environ.get("QUERY_STRING", ""))))
        if problem:
            raise HTTPRefusal(403, problem)
        job_id, _, name = path[len(contract.RESULTS_PREFIX):].partition("/")
        job = self.store.job(job_id)
        if job is None or job.view.state != "done":
            raise HTTPRefusal(404, "this job's result is not here: it was deleted after job_retention_hours")
        if name == "result.jsonl":
            pages = list(self.files.pages(job_id, job.view.total_pages))
            text = result_lines(job.pipeline, job.kind, pages, lambda image: self._url(
                environ, "%s%s/%s" % (contract.RESULTS_PREFIX, job_id, image)),
                json.loads(job.payload or "{}").get("mergeTables") is not False)
            return _send_bytes(start_response, text.encode("utf-8"), "application/jsonl; charset=utf-8")
        image = self.files.image(job_id, name)
        if image is None:
            raise HTTPRefusal(404, "this job has no image %s" % name[:64])
        return _send_bytes(start_response, image, "image/jpeg")


def _json_object(body: bytes) -> Dict[str, Any]:
    try:
        fields = json.loads(body) if body else {}
    except (ValueError, RecursionError) as err:
        raise InputError(envelopes.not_json(err)) from None
    if not isinstance(fields, dict):
        raise InputError("the request body must be a JSON object or a multipart form")
    return fields


def _text(fields: Dict[str, Any], name: str) -> Optional[str]:
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise InputError("%s must be text, such as %s" % (name, "1-3,5" if name == "pageRanges" else "batch-1"))
    return value


def _payload(text: Any) -> Dict[str, Any]:
    if isinstance(text, dict):  # a JSON body's object (the clients' file_url submissions)
        return text
    if text is None or (isinstance(text, str) and not text.strip()):
        return {}
    if not isinstance(text, str):
        raise InputError("optionalPayload must be a JSON object of the endpoint's fields")
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        raise InputError("optionalPayload is not valid JSON: send the options as a JSON object") from None
    if not isinstance(payload, dict):
        raise InputError("optionalPayload must be a JSON object of the endpoint's fields")
    return payload


def _send_bytes(start_response: Callable, body: bytes, content_type: str) -> List[bytes]:
    start_response(envelopes.status_line(200), [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                                 ("Cache-Control", "private, max-age=60")])
    return [body]
