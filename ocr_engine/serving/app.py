"""The one WSGI application every kind of serving process runs, built here, once per PaddleHub app.

PaddleHub builds its Flask app with ``app_compat.create_app`` for one process and for each gunicorn worker alike
(``process.serve_through_front`` wraps that function so that every app it makes goes through ``build``). In front of
PaddleHub's routes, outermost first:

0. ``AccessGuard``: API keys, browser origins and rate limits (``access``): the front's verdict from the headers,
   or its own where PaddleHub's servers serve, before any body is read;
1. ``JSONBodies``: a ``/predict`` body that is not a JSON object is refused in the service's JSON, where Flask would
   answer an HTML page;
2. ``JobRoutes``: PaddleOCR's official job API, ``/api/v2/ocr/jobs`` and its signed result links (``jobs``), whose
   pages this process's job runner reads;
3. ``PaddleXRoutes``: PaddleOCR 3.x's ``/ocr``, ``/layout-parsing``, ``/table-recognition`` and ``/health``,
   answered through the ocr_system and structure_system modules' services;
4. ``GradioRoutes``: the web demo at ``/gradio/<module>/...``;
5. PaddleHub's Flask app: ``/predict/<module>``, ``/gradio/<module>`` (which starts a demo) and the rest.

Whatever serves it (the front's event loop, a gunicorn worker, or PaddleHub's own servers with ``http_front:
paddlehub``) serves this same stack. A new route or middleware goes in here.
"""

from typing import Any, Callable, Mapping

from .access import AccessGuard, Guard
from .demo.routes import GradioRoutes
from .front import JSONBodies
from .jobs import JobOptions, job_routes
from .paddlex import PaddleXRoutes


def build(flask_app: Any, modules: Mapping[str, Any], guard: Guard, jobs: Callable[[], JobOptions]) -> Any:
    """Put the stack in front of PaddleHub's Flask ``app`` (once; a second call does nothing) and return the app.
    ``modules`` is the process's served modules by name, which fills as they start; ``guard`` who may use them;
    ``jobs`` the job API's options."""
    if not getattr(flask_app, "ocr_stack", False):
        flask_app.wsgi_app = AccessGuard(JSONBodies(job_routes(
            PaddleXRoutes(GradioRoutes(flask_app.wsgi_app, modules), modules), modules, jobs)), guard)
        flask_app.ocr_stack = True
    return flask_app
