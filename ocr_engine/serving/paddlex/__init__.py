"""PaddleOCR 3.x's serving API (PaddleX's ``POST /ocr``, ``/layout-parsing``, ``/table-recognition`` and
``GET /health``) beside ``/predict/<module>``: ``contract`` and ``structure_contract`` are the wire format,
``handler`` and ``structure`` read a request with a module's engine, ``routes`` answers the HTTP and every error."""

from .contract import PATHS
from .handler import APIOptions
from .routes import PaddleXRoutes

__all__ = ["PATHS", "APIOptions", "PaddleXRoutes"]
