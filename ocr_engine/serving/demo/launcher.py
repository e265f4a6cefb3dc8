"""The web demo's process: started by PaddleHub from the serving process that first got ``GET /gradio/<module>``,
and tied to it by a pipe.

The page runs in that child, but every image goes back through the pipe to a thread of the serving process, where
PaddleHub's own ``predict_v2`` answers it as ``/predict/<module>`` answers a client: same checks, same sentences,
same engine, no second model. The child writes its port and token into the server's shared folder (readable by
the server's user alone), so that any gunicorn worker can forward the page to it, and exits when the process that
started it does. It listens on loopback and answers only requests that carry its token, which the server's guarded
route (``routes``) adds: whoever else reaches the port gets 401.
"""

import atexit
import base64
import logging
import multiprocessing
import os
import secrets
import signal
import threading
import time
from typing import Any, Callable, List, NamedTuple, Optional

from .. import envelopes
from ..metrics import CLIENT
from ..shared import server_folder

log = logging.getLogger(__name__)


class RunningDemo(NamedTuple):
    """A module's demo process: its loopback port, its pid, and the token it answers to."""

    port: int
    pid: int
    token: str


def registry_path(module: str) -> str:
    """The file holding ``<port> <pid> <token>`` of ``module``'s demo process, shared by every process of the
    server."""
    return os.path.join(server_folder("gradio"), module)


def running_demo(module: str) -> Optional[RunningDemo]:
    """``module``'s demo process when one is recorded and still runs, else None."""
    try:
        with open(registry_path(module)) as handle:
            port, pid, token = handle.read().split()
        port_number, pid_number = int(port), int(pid)
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid_number, 0)
    except ProcessLookupError:
        forget_demo(module)
        return None
    except PermissionError:
        pass
    return RunningDemo(port_number, pid_number, token)


def forget_demo(module: str) -> None:
    try:
        os.remove(registry_path(module))
    except FileNotFoundError:
        pass


def answer_like_http(module: str, images: List[str]) -> dict:
    """What ``POST /predict/<module>`` with ``{"images": images}`` answers: PaddleHub's own handler, called here."""
    from paddlehub.serving.app_compat import predict_v2
    from paddlehub.serving.model_service.base_model_service import v2_module_info

    return predict_v2(v2_module_info.get_module_info(module), {"images": images})


class DemoLauncher:
    """What ``create_gradio_app`` returns for ``module``. Made in the serving process, where it answers the pipe;
    PaddleHub forks a process that calls ``launch``."""

    def __init__(self, module: str, pdf_dpi: Optional[int] = None, unavailable: Optional[str] = None):
        server_folder("gradio")  # here, before PaddleHub forks the page's process, so that both use the same one
        self.module = module
        self.pdf_dpi = pdf_dpi  # the module's, when it reads PDFs: the page draws their pages at it
        self.unavailable = unavailable  # why this module has no page (answered 503), or None
        self.token = secrets.token_urlsafe(24)  # what the page's process answers to (``routes`` sends it)
        self._server_end, self._page_end = multiprocessing.Pipe()
        self._ask_lock = threading.Lock()  # gradio may run two requests at once in the page's process
        threading.Thread(target=self._answer, name="web-demo-" + module, daemon=True).start()
        # Runs before multiprocessing's own atexit, which would wait forever for this child to end.
        atexit.register(self._stop_page, os.getpid())

    def _answer(self) -> None:
        """In the serving process: answer every image list the page sends, one at a time, logged and counted under
        the key that asked."""
        while True:
            try:
                images, client = self._server_end.recv()
            except (EOFError, OSError, ValueError, TypeError):
                return
            token = CLIENT.set(client)
            try:
                answer = answer_like_http(self.module, images)
            except Exception:  # noqa: BLE001 - the page must get an answer, whatever happened here
                log.exception("web demo: answering failed")
                answer = envelopes.hub_failure(envelopes.engine_failed())
            finally:
                CLIENT.reset(token)
            self._server_end.send(answer)

    def ask(self, image: bytes, client: str = "") -> dict:
        """In the page's process: the server's answer for one image file's bytes, asked by ``client`` (the name of
        the key the server's guard accepted)."""
        with self._ask_lock:
            self._page_end.send(([base64.b64encode(image).decode("ascii")], client))
            return self._page_end.recv()

    def _stop_page(self, pid: int) -> None:
        running = running_demo(self.module)
        if os.getpid() == pid and running and _started_by(running.pid, pid):
            os.kill(running.pid, signal.SIGTERM)
            forget_demo(self.module)

    def launch(self, server_port: int, **_: object) -> None:
        """In the forked process: serve the page on ``server_port`` (loopback only) until the serving process ends."""
        parent = os.getppid()
        # Forked from a gunicorn worker, this process inherits the worker's signal handlers, under which SIGTERM only
        # marks a copy of the worker as stopping: the worker's exit, which stops this process first, would wait on
        # it until gunicorn's graceful timeout. Back to the defaults.
        for name in ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGABRT"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        # gradio checks that it answers on localhost, through any proxy the environment names unless told not to.
        for name in ("NO_PROXY", "no_proxy"):
            os.environ[name] = ",".join(filter(None, [os.environ.get(name), "localhost", "127.0.0.1"]))
        os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
        page, reason = None, self.unavailable or ""
        try:
            if self.unavailable is None:
                from .page import build_page

                page = build_page(self.module, self.ask, self.pdf_dpi)
        except ImportError as err:
            reason = ("The web demo could not start: gradio failed to import (%s). POST /predict/%s works without "
                      "it." % (err, self.module))
            log.error(reason)
        with open(registry_path(self.module), "w") as handle:
            handle.write("%d %d %s" % (server_port, os.getpid(), self.token))
        if page is None:
            # PaddleHub holds the request until this port answers: answer every page with the reason instead.
            _answer_unavailable(server_port, reason)
            return
        from starlette.middleware import Middleware

        # starlette types a middleware class by its own ASGI aliases, which a plain class's signature does not name.
        page.launch(server_name="127.0.0.1", server_port=server_port, root_path="/gradio/" + self.module,
                    show_api=False, quiet=True, share=False, inbrowser=False,
                    app_kwargs={"middleware": [Middleware(TokenCheck, token=self.token)]})  # type: ignore[arg-type]


class TokenCheck:
    """ASGI middleware of the page's process: a request without the demo's token (which only the server's guarded
    route adds) gets 401, so the loopback port serves no one who went around the guard (401, not 403: gradio's
    ``launch`` checks its own root and takes 401 for a page that asks for credentials). One path is open: the check
    gradio's ``launch`` makes of itself, which runs the page's start-up events once and reads nothing."""

    OPEN = "/gradio_api/startup-events"

    def __init__(self, app: Callable, token: str):
        self.app = app
        self.token = token.encode("ascii")

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> Any:
        if scope["type"] in ("http", "websocket") and not scope.get("path", "").endswith(self.OPEN):
            sent = dict(scope.get("headers") or []).get(b"x-ocr-demo-token", b"")
            if not secrets.compare_digest(sent, self.token):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return None
                body = b"the web demo is reached through the OCR server's port, with its key\n"
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return None
        return await self.app(scope, receive, send)


def _answer_unavailable(port: int, reason: str) -> None:
    """Serve ``reason`` with status 503 on ``port`` until the serving process ends."""
    from http.server import BaseHTTPRequestHandler, HTTPServer

    body = (reason + "\n").encode("utf-8")

    class Unavailable(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(503)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    HTTPServer(("127.0.0.1", port), Unavailable).serve_forever()


def _exit_with(parent: int) -> None:
    """End this process once ``parent`` has (a SIGTERM'd one-process server exits without telling anyone)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _started_by(child: int, parent: int) -> bool:
    import psutil

    try:
        return psutil.Process(child).ppid() == parent
    except psutil.Error:
        return False
