"""PaddleOCR 3.x's serving API (PaddleX's ``POST /ocr``, ``/layout-parsing``, ``/table-recognition`` and
``GET /health``) beside ``/predict/<module>``, laid out as PaddleX lays out its own:

- the schemas: ``contract`` (the envelope, what every request shares, ``/ocr``'s) and ``structure_contract`` (the
  two structure pipelines');
- the common layer: ``common`` (the module read with, the sent file, settings, the steps of reading a file,
  ``dataInfo``, the OCR's ``prunedResult``, images as base64) and ``page_results`` (what both structure endpoints
  answer of a page);
- one small module per pipeline, each with its ``infer(module, request)``: ``ocr``, ``layout_parsing``,
  ``table_recognition``; none imports another;
- ``routes``: the endpoints' table, the HTTP around them and every error, in one envelope.
"""

from .. import envelopes
from .common import APIOptions
from .contract import PATHS, failure
from .routes import PaddleXRoutes

envelopes.register_api(PATHS, failure)

__all__ = ["PATHS", "APIOptions", "PaddleXRoutes"]
