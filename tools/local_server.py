"""A local `hub serving start` for the tools (benchmark, soak): install modules into a private HUB_HOME, start a
server on a free port from a config dict, measure its memory, stop it. Nothing here touches ~/.paddlehub."""

import glob
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Sequence

BIN = os.path.dirname(sys.executable)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hub_env(hub_home: str) -> dict:
    # PaddleHub starts helpers as plain `python`; it must be this environment's. Unbuffered, so logs are whole.
    return dict(os.environ, HUB_HOME=hub_home, PYTHONUNBUFFERED="1", PATH=BIN + os.pathsep + os.environ.get("PATH", ""))


def install_modules(folders: Sequence[str], hub_home: str) -> None:
    """`hub install` module folders into ``hub_home``; exits with PaddleHub's output if that fails."""
    result = subprocess.run([os.path.join(BIN, "hub"), "install"] + [f.rstrip(os.sep) + os.sep for f in folders],
                            env=hub_env(hub_home), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("hub install failed:\n" + result.stdout + result.stderr)


class LocalServer:
    """`hub serving start -c` on ``config`` (a config.json dict; its port is replaced by a free one)."""

    def __init__(self, name: str, config: dict, hub_home: str, workdir: str, timeout: float = 300):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(workdir, name + ".log")
        path = os.path.join(workdir, name + ".json")
        with open(path, "w") as handle:
            json.dump(dict(config, port=self.port), handle)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([os.path.join(BIN, "hub"), "serving", "start", "-c", path], cwd=workdir,
                                            env=hub_env(hub_home), stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)  # gunicorn workers share the session
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("%s did not start; see %s" % (name, self.log_path))
            try:
                urllib.request.urlopen(self.url + "/", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit("%s not up after %d s; see %s" % (name, timeout, self.log_path))

    def rss(self) -> float:
        """Resident bytes of the server and every process in its session (gunicorn workers included)."""
        return process_tree_rss(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)


def process_tree_rss(pid: int) -> float:
    """Resident bytes of ``pid`` and every process in its session."""
    total = 0
    for status in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(status) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != pid and int(status.split("/")[2]) != pid:  # fields[3] is the session id
                continue
            with open(status.replace("/stat", "/statm")) as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return float(total)
