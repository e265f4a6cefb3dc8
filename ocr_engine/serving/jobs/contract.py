"""The wire contract of PaddleOCR's official job API (``/api/v2/ocr/jobs``, as paddleocr 3.7.0's ``PaddleOCRClient``
and ``@paddleocr/api-sdk`` 0.2.3 speak it): paths, the envelope, the models and which pipeline reads each, page
ranges, and a job's status as the clients parse it. Nothing here reads a file or touches the store."""

import re
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set

from ..errors import InputError

JOBS_PATH = "/api/v2/ocr/jobs"
BATCH_PREFIX = JOBS_PATH + "/batch/"
# Results and their images: fetched by the clients without the Authorization header (as pre-signed links), so
# each URL carries its own signature (``signing``), checked in place of a key.
RESULTS_PREFIX = "/api/v2/ocr/results/"

OCR, LAYOUT = "ocr", "layout-parsing"  # the two pipelines a job is read with (PaddleX's /ocr, /layout-parsing)
# Each model name the clients send, and the pipeline of this server that answers it (docs/jobs.md says which models
# that pipeline runs: the OCR names all read with this server's configured OCR models).
PIPELINES = {"PP-OCRv5": OCR, "PP-OCRv5-latin": OCR, "PP-OCRv6": OCR, "PP-StructureV3": LAYOUT}
VL_MODELS = ("PaddleOCR-VL", "PaddleOCR-VL-1.5", "PaddleOCR-VL-1.6")
# The result field of each pipeline's JSONL lines.
RESULT_FIELDS = {OCR: "ocrResults", LAYOUT: "layoutParsingResults"}

STATES = ("pending", "running", "done", "failed")
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def ok(data: Dict[str, Any]) -> Dict[str, Any]:
    """A success: ``{"code": 0, "msg": "Success", "data": ...}``."""
    return {"code": 0, "msg": "Success", "data": data}


def failure(log_id: Optional[str], status: int, sentence: str) -> Dict[str, Any]:
    """A refusal, the HTTP status as ``code`` (the clients map the status; ``msg`` is what they show)."""
    return {"code": status, "msg": sentence, "data": None}


def pipeline_of(model: Any) -> str:
    """The pipeline that reads jobs of ``model``, or InputError (400) in a sentence."""
    if model in PIPELINES:
        return PIPELINES[model]
    if model in VL_MODELS:
        raise InputError("model %s is a vision-language model, which this server does not run: use PP-OCRv5, "
                         "PP-OCRv5-latin or PP-OCRv6 to read text, or PP-StructureV3 to parse documents" % model)
    if model is None or model == "":
        raise InputError("model is missing: send one of %s" % ", ".join(PIPELINES))
    raise InputError("model %r is not one this server knows: send one of %s" % (str(model)[:64], ", ".join(PIPELINES)))


def page_numbers(ranges: Optional[str], pages: int) -> List[int]:
    """The pages (1 = the first) that ``pageRanges`` ("1-3,5"; None or empty: all) picks of a document of
    ``pages``, in order, each once; InputError for a range that does not parse or lies past the document."""
    if ranges is None or not ranges.strip():
        return list(range(1, pages + 1))
    picked: Set[int] = set()
    for part in ranges.split(","):
        match = _RANGE.match(part)
        if not match:
            raise InputError("pageRanges %r does not parse: write pages and ranges such as 1-3,5" % ranges[:64])
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise InputError("pageRanges %r: %s is not a range of pages (the first page is 1)"
                             % (ranges[:64], part.strip()))
        if last > pages:
            raise InputError("pageRanges %r: the document has %d page(s), so page %d is not in it"
                             % (ranges[:64], pages, last))
        picked.update(range(first, last + 1))
    return sorted(picked)


@dataclass(frozen=True)
class JobView:
    """What a job's status says (the store's record of it, read)."""

    job_id: str
    state: str
    total_pages: int
    done_pages: int
    created: float
    started: Optional[float]
    ended: Optional[float]
    error: Optional[str]


def status_data(job: JobView, json_url: Optional[str]) -> Dict[str, Any]:
    """A job's status as ``GET /api/v2/ocr/jobs/{jobId}`` answers it (and each item of a batch's
    ``extractResult``): ``resultUrl.jsonUrl`` once done, ``errorMsg`` once failed."""
    data: Dict[str, Any] = {
        "jobId": job.job_id,
        "state": job.state,
        "extractProgress": {"totalPages": job.total_pages, "extractedPages": job.done_pages,
                            "startTime": _stamp(job.started), "endTime": _stamp(job.ended)},
    }
    if job.state == "done" and json_url:
        data["resultUrl"] = {"jsonUrl": json_url}
    if job.state == "failed":
        data["errorMsg"] = job.error or "the job failed"
    return data


def _stamp(seconds: Optional[float]) -> Optional[str]:
    return None if seconds is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))
