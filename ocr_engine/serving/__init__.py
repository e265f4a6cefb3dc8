"""The serving layer: what turns a PaddleHub request into engine calls and back. The only part of the engine that
imports PaddleHub (``hub_module``).

- ``request`` and ``images`` check what a client sent, within ``InputLimits``; ``documents`` turns a PDF into its
  pages and the answers back into one entry per input; ``errors`` holds the one error a client is shown.
- ``process`` holds process-wide settings and gunicorn's (timeouts, warm workers); ``shared`` the folder a server's
  processes share; ``status`` the status server (/ready, /live, /metrics) and ``metrics`` what it counts and the
  per-request log line.
- ``front`` is the HTTP front every `hub serving start` serves through (requests read whole, 408 and 413 in the
  service's JSON), ``gunicorn_worker`` the gunicorn worker that runs it.
- ``demo``: the web demo at PaddleHub's /gradio/<module>.
"""

from .errors import InputError
from .hub_module import OCRHubModule, region_json
from .request import InputLimits

__all__ = ["InputError", "InputLimits", "OCRHubModule", "region_json"]
