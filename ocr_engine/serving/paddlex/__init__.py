"""PaddleOCR 3.x's serving API (PaddleX's ``POST /ocr`` and ``GET /health``) beside ``/predict/<module>``:
``contract`` is the wire format, ``handler`` answers it with the ocr_system module's engine."""

from .contract import PATHS
from .handler import APIOptions, PaddleXRoutes

__all__ = ["PATHS", "APIOptions", "PaddleXRoutes"]
