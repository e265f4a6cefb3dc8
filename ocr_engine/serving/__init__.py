"""The serving layer: what turns an HTTP request into engine calls and back. The only part of the engine that
imports PaddleHub (``hub_module``).

- ``service`` is the one service every endpoint calls: what each file is, the limits, the deadline, the record.
  ``hub_module`` (``/predict/<module>``, every module by what it answers) and ``paddlex`` (PaddleOCR 3.x's
  ``/ocr``, ``/layout-parsing``, ``/table-recognition``) only translate their wire shapes; ``envelopes`` makes every
  error answer; ``access`` decides who may ask, from a request's headers; ``app`` builds the one WSGI stack every
  process serves.
- ``sent`` and ``images`` read what a client sent, within ``InputLimits``; ``pdf`` turns a PDF into its
  pages; ``errors`` holds the one error a client is shown.
- ``server`` is the serving process as one object (its settings, its modules); ``process`` what it applies
  (logging, gunicorn's timeouts and hooks, the front); ``shared`` the folder a server's processes share; ``status``
  the status server (/ready, /live, /metrics) and ``metrics`` what it counts and the per-request log line.
- ``front`` is the HTTP front every `hub serving start` serves through (requests read whole, 408 and 413 in the
  service's JSON), ``gunicorn_worker`` the gunicorn worker that runs it.
- ``demo``: the web demo at PaddleHub's /gradio/<module>.
"""

from .errors import InputError
from .hub_module import BOXES, LABELS, LINES, PAGES, OCRHubModule, StructureHubModule, region_json
from .sent import InputLimits

__all__ = ["BOXES", "LABELS", "LINES", "PAGES", "InputError", "InputLimits", "OCRHubModule", "StructureHubModule",
           "region_json"]
