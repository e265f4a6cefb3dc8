"""A real `hub serving start` for tests and tools: install the modules into a private HUB_HOME, start a server on
a free port (from a module list, a config dict, or a shipped config), send it requests, measure its memory, stop
it. Nothing here touches ~/.paddlehub."""

import concurrent.futures
import glob
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Sequence, Tuple

from hubserving import module_names
from ocr_engine import __version__

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
HUBSERVING = os.path.join(REPO, "hubserving")
MODULES = module_names()
START_TIMEOUT = 300


class ServerError(RuntimeError):
    """A server did not start, stopped, or answered with an HTTP error (``status``); the message holds what it
    said."""

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hub_env(hub_home: str) -> dict:
    """The environment `hub` runs in: this HUB_HOME, and this interpreter's bin first, since PaddleHub starts
    helpers as plain `python`. Unbuffered, so logs are whole when read."""
    return dict(os.environ, HUB_HOME=hub_home, PYTHONUNBUFFERED="1", PATH=BIN + os.pathsep + os.environ.get("PATH", ""))


def install_modules(hub_home: str, folders: Sequence[str] = ()) -> None:
    """`hub install` module folders (default: every module of hubserving/) into ``hub_home``."""
    folders = list(folders) or [os.path.join(HUBSERVING, name) for name in MODULES]
    os.makedirs(hub_home, exist_ok=True)
    result = subprocess.run([os.path.join(BIN, "hub"), "install"] + [f.rstrip(os.sep) + os.sep for f in folders],
                            cwd=hub_home, env=hub_env(hub_home), capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise ServerError("hub install failed:\n" + result.stdout + result.stderr)


def shipped_config(name: str, init_args: Optional[Dict[str, dict]] = None) -> dict:
    """configs/``name`` as a dict, with extra init_args per module (a module it lacks is added)."""
    with open(os.path.join(REPO, "configs", name)) as handle:
        config = json.load(handle)
    for module, extra in (init_args or {}).items():
        config["modules_info"].setdefault(module, {"init_args": {"version": __version__}, "predict_args": {}})
        config["modules_info"][module]["init_args"].update(extra)
    return config


def single_module_config(module: str, init_args: dict, workers: int = 0) -> dict:
    """A config serving ``module`` alone: one process when ``workers`` is 0, else that many gunicorn workers."""
    return {"modules_info": {module: {"init_args": dict(init_args, version=__version__), "predict_args": {}}},
            "use_multiprocess": workers > 0, "workers": max(1, workers)}


def write_config(path: str, config: dict, port: int) -> str:
    """Write ``config`` with ``port`` to ``path``; returns the path."""
    with open(path, "w") as handle:
        json.dump(dict(config, port=port), handle)
    return path


def post_json(url: str, body: Any, timeout: float = 300, headers: Optional[Dict[str, str]] = None) -> dict:
    """POST ``body`` as JSON (with ``headers``) and return the JSON answer; an HTTP error status raises ServerError
    with its body."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers=dict(headers or {}, **{"Content-Type": "application/json"}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        raise ServerError("%s answered HTTP %d: %s" % (url, err.code, err.read()[:300]), err.code) from None


def post_for_status(url: str, body: Any, timeout: float = 300) -> Tuple[int, dict]:
    """POST ``body`` as JSON: (HTTP status, JSON answer), whatever the status."""
    status, _, answer = exchange(url, body=body, timeout=timeout)
    return status, answer


def exchange(url: str, method: str = "POST", body: Any = None, headers: Optional[Dict[str, str]] = None,
             timeout: float = 300) -> Tuple[int, Any, Any]:
    """One HTTP request with ``headers`` (``body`` sent as JSON when given): (status, response headers, the JSON
    answer, or the text when it is not JSON), whatever the status."""
    data = None if body is None else json.dumps(body).encode()
    sent = dict(headers or {}, **({"Content-Type": "application/json"} if data is not None else {}))
    request = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        response = err
    with response:
        raw = response.read().decode("utf-8", "replace")
        try:
            answer: Any = json.loads(raw)
        except ValueError:
            answer = raw
        return response.status, response.headers, answer  # an email.message.Message: names in any case


def get_text(url: str, timeout: float = 5) -> Tuple[Optional[int], str]:
    """GET ``url``: (HTTP status, body), or (None, why) when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")
    except OSError as err:
        return None, str(err)


class HubServer:
    """A `hub serving start` process, its port and its log. Use it in a ``with`` block, which waits until it
    answers and stops it (with any gunicorn workers) at the end."""

    def __init__(self, args: List[str], hub_home: str, workdir: str, port: int, name: str = "server"):
        self.port = port
        self.url = "http://127.0.0.1:%d" % port
        self.headers: Dict[str, str] = {}  # sent with every predict, e.g. {"Authorization": "Bearer KEY"}
        self.log_path = os.path.join(workdir, name + ".log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([os.path.join(BIN, "hub"), "serving", "start"] + args, cwd=workdir,
                                            env=hub_env(hub_home), stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)  # gunicorn workers share the session

    @classmethod
    def with_modules(cls, modules: Sequence[str], hub_home: str, workdir: str) -> "HubServer":
        """`hub serving start -m MODULES -p PORT`: no config file."""
        port = free_port()
        return cls(["-m"] + list(modules) + ["-p", str(port)], hub_home, workdir, port)

    @classmethod
    def with_config(cls, config: dict, hub_home: str, workdir: str, name: str = "server") -> "HubServer":
        """`hub serving start -c` on ``config`` (a config.json dict; its port is replaced by a free one)."""
        port = free_port()
        path = write_config(os.path.join(workdir, name + ".json"), config, port)
        return cls(["-c", path], hub_home, workdir, port, name)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> "HubServer":
        """Wait until the server answers its index page; raises ServerError with the log's end if it exits or
        does not answer in time."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise ServerError("server exited with %s:\n%s" % (self.process.returncode, self.log()[-4000:]))
            try:
                urllib.request.urlopen(self.url + "/", timeout=2)
                return self
            except OSError:
                time.sleep(0.5)
        raise ServerError("server not up after %d s:\n%s" % (timeout, self.log()[-4000:]))

    def wait_status_ready(self, metrics_port: int, timeout: float = START_TIMEOUT) -> List[str]:
        """Poll the status server's /ready on ``metrics_port`` until it answers 200; returns each distinct answer
        seen on the way ("503 not ready: 0 of 2 workers warm", ...). Raises ServerError like ``wait_ready``."""
        seen: List[str] = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise ServerError("server exited with %s:\n%s" % (self.process.returncode, self.log()[-4000:]))
            code, body = get_text("http://127.0.0.1:%d/ready" % metrics_port, timeout=2)
            answer = "%s %s" % (code, body.strip())
            if not seen or seen[-1] != answer:
                seen.append(answer)
            if code == 200:
                return seen
            time.sleep(0.1)
        raise ServerError("not ready after %d s (%s):\n%s" % (timeout, seen, self.log()[-4000:]))

    def __enter__(self) -> "HubServer":
        try:
            return self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def predict(self, module: str, images: List[Any], timeout: float = 300, **extra: Any) -> dict:
        """POST ``{"images": images, **extra}`` to /predict/``module`` (with ``self.headers``, e.g. an API key) and
        return the JSON answer."""
        return post_json("%s/predict/%s" % (self.url, module), dict(extra, images=images), timeout, self.headers)

    def paddlex_ocr(self, body: Any, timeout: float = 300) -> Tuple[int, dict]:
        """POST ``body`` to PaddleX's /ocr: (HTTP status, JSON answer)."""
        return self.paddlex("/ocr", body, timeout)

    def paddlex(self, path: str, body: Any, timeout: float = 300) -> Tuple[int, dict]:
        """POST ``body`` to a PaddleX endpoint (``/layout-parsing``...): (HTTP status, JSON answer)."""
        return post_for_status(self.url + path, body, timeout)

    def rss(self) -> float:
        """Resident bytes of the server and every process in its session (gunicorn workers included)."""
        return process_tree_rss(self.process.pid)

    def pids(self) -> List[int]:
        """The server's processes: itself and every process in its session (gunicorn workers included)."""
        return session_pids(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def run_until_exit(
    args: List[str], hub_home: str, cwd: str, timeout: float = START_TIMEOUT
) -> subprocess.CompletedProcess:
    """Run `hub serving start ARGS` expecting it to stop by itself (a start-up failure); returns its exit code and
    output."""
    return subprocess.run([os.path.join(BIN, "hub"), "serving", "start"] + args, cwd=cwd, env=hub_env(hub_home),
                          capture_output=True, text=True, timeout=timeout)


def start_failures(configs: Dict[str, dict], hub_home: str, workdir: str) -> Dict[str, str]:
    """Run `hub serving start -c` on each of ``configs`` (name -> config.json dict), each expected to stop by itself,
    as many at once as there are CPUs: most of a failed start is importing paddle and PaddleHub, one core each. A
    config keeps its port if it names one, else gets a free one. Returns each start's output by name; raises
    AssertionError for one that exited 0."""
    def run(name: str) -> str:
        port = configs[name].get("port") or free_port()
        path = write_config(os.path.join(workdir, name + ".json"), configs[name], port)
        result = run_until_exit(["-c", path], hub_home, workdir)
        assert result.returncode != 0, "%s started:\n%s" % (name, result.stdout[-2000:] + result.stderr[-2000:])
        return result.stdout + result.stderr

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return dict(zip(configs, pool.map(run, configs)))


def session_pids(pid: int) -> List[int]:
    """``pid`` and every process in its session (a server started as a session leader: gunicorn's workers), sorted."""
    pids = []
    for status in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(status) as handle:
                session = int(handle.read().rsplit(")", 1)[1].split()[3])
        except (OSError, ValueError, IndexError):
            continue
        member = int(status.split("/")[2])
        if session == pid or member == pid:
            pids.append(member)
    return sorted(pids)


def process_tree_rss(pid: int) -> float:
    """Resident bytes of ``pid`` and every process in its session."""
    total = 0
    for member in session_pids(pid):
        try:
            with open("/proc/%d/statm" % member) as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return float(total)
