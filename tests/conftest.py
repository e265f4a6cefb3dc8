"""Fixtures that run the real thing: `hub install` into a temporary HUB_HOME, `hub serving start` on a free port."""

import base64
import json
import os
import signal
import subprocess
import sys
import time
from typing import Dict, List, Optional

import cv2
import numpy as np
import pytest
import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
MODULES = ["ocr_det", "ocr_cls", "ocr_rec", "ocr_system"]
START_TIMEOUT = 180

sys.path.insert(0, os.path.join(REPO, "tools"))
from local_server import free_port, hub_env  # noqa: E402  (one free-port and environment rule for tools and tests)


def encode(image: np.ndarray, ext: str = ".png") -> str:
    ok, data = cv2.imencode(ext, image)
    assert ok
    return base64.b64encode(data.tobytes()).decode("ascii")


def encode_file(path: str) -> str:
    with open(path, "rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")


class Server:
    """A `hub serving start` process and what it logged."""

    def __init__(self, args: List[str], hub_home: str, port: int, log_path: str):
        self.port = port
        self.url = "http://127.0.0.1:%d" % port
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [os.path.join(BIN, "hub"), "serving", "start"] + args,
            cwd=os.path.dirname(log_path),
            env=hub_env(hub_home),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # gunicorn workers die with the group
        )

    def wait_ready(self) -> "Server":
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("server exited with %s:\n%s" % (self.process.returncode, self.log()[-4000:]))
            try:
                if requests.get(self.url + "/", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.5)
        raise AssertionError("server not up after %ds:\n%s" % (START_TIMEOUT, self.log()[-4000:]))

    def __enter__(self) -> "Server":
        try:
            return self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        self._log.flush()
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def predict(self, module: str, images: List[str], timeout: float = 120, **extra) -> dict:
        body = dict(extra, images=images)
        response = requests.post("%s/predict/%s" % (self.url, module), json=body, timeout=timeout)
        assert response.status_code == 200, response.text
        return response.json()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def config_server(hub_home: str, workdir: str, base: str, init_args: Optional[Dict[str, dict]] = None) -> Server:
    """`hub serving start -c` on configs/``base`` with a free port and extra init_args (see ``write_config``),
    config and log in ``workdir``; use it in a ``with`` block, which waits until it answers."""
    port = free_port()
    config = write_config(os.path.join(workdir, "config.json"), base, port, init_args)
    return Server(["-c", config], hub_home, port, os.path.join(workdir, "server.log"))


def run_until_exit(args: List[str], hub_home: str, cwd: str, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess:
    """Run `hub serving start ...` expecting it to fail at start-up; returns its exit code and output."""
    return subprocess.run(
        [os.path.join(BIN, "hub"), "serving", "start"] + args,
        cwd=cwd,
        env=hub_env(hub_home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_config(path: str, base: str, port: int, init_args: Optional[Dict[str, dict]] = None) -> str:
    """Copy a config from configs/ with a free port and, per module, extra init_args."""
    with open(os.path.join(REPO, "configs", base)) as handle:
        config = json.load(handle)
    config["port"] = port
    for module, extra in (init_args or {}).items():
        config["modules_info"].setdefault(module, {"init_args": {"version": "1.0.0"}, "predict_args": {}})
        config["modules_info"][module]["init_args"].update(extra)
    with open(path, "w") as handle:
        json.dump(config, handle)
    return path


@pytest.fixture(scope="session")
def hub_home(tmp_path_factory) -> str:
    """A HUB_HOME holding the four modules, installed with the real `hub install`."""
    home = str(tmp_path_factory.mktemp("hub_home"))
    folders = [os.path.join(REPO, "hubserving", name) + os.sep for name in MODULES]
    result = subprocess.run(
        [os.path.join(BIN, "hub"), "install"] + folders,
        cwd=str(tmp_path_factory.mktemp("install_cwd")),
        env=hub_env(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in MODULES:
        assert os.path.isfile(os.path.join(home, "modules", name, "module.py")), name
    return home


@pytest.fixture(scope="session")
def server(hub_home, tmp_path_factory):
    """One process serving all four modules, started with `hub serving start -m` (no config file)."""
    workdir = str(tmp_path_factory.mktemp("serve_m"))
    port = free_port()
    with Server(["-m"] + MODULES + ["-p", str(port)], hub_home, port, os.path.join(workdir, "server.log")) as srv:
        yield srv


@pytest.fixture(scope="session")
def multiprocess_server(hub_home, tmp_path_factory):
    """configs/cpu_multiprocess.json: gunicorn workers with oneDNN, started with `hub serving start -c`."""
    with config_server(hub_home, str(tmp_path_factory.mktemp("serve_mp")), "cpu_multiprocess.json") as srv:
        yield srv


def assert_ok(answer: dict) -> list:
    """The results of a successful answer; fails showing the answer otherwise."""
    assert answer["status"] == "000", answer
    assert answer["msg"] == ""
    return answer["results"]


@pytest.fixture(scope="session")
def english():
    """Three rendered English lines: (BGR image, where each line was drawn)."""
    from rendering import ENGLISH_LINES, latin_font, render_lines

    return render_lines(ENGLISH_LINES, latin_font())


@pytest.fixture(scope="session")
def data_dir() -> str:
    return os.path.join(REPO, "tests", "data")
