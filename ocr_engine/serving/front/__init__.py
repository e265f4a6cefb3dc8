"""The HTTP front every `hub serving start` serves through, by job: ``transport`` (waitress's event loop reading
each request whole, and the queue the model thread runs them from), ``refusals`` (the sentences for what it
refuses, and the JSON body check) and ``options`` (its per-process options)."""

from .options import FRONT_OPTIONS, FrontOptions
from .refusals import JSONBodies, body_problem, parser_sentence, timeout_sentence
from .transport import Front, serve

__all__ = ["FRONT_OPTIONS", "Front", "FrontOptions", "JSONBodies", "body_problem", "parser_sentence", "serve",
           "timeout_sentence"]
