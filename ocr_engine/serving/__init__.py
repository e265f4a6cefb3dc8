"""The serving layer: what turns a PaddleHub request into engine calls and back. The only part of the engine that
imports PaddleHub (``hub_module``); ``request`` and ``images`` check what a client sent, within ``InputLimits``,
and ``errors`` holds the one error a client is shown."""

from .errors import InputError
from .hub_module import OCRHubModule, region_json
from .request import InputLimits

__all__ = ["InputError", "InputLimits", "OCRHubModule", "region_json"]
