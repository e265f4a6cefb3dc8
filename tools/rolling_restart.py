"""A rolling restart that must lose nothing: replicas behind nginx, restarted one by one while clients send photos.

    .venv/bin/python tools/rolling_restart.py [--replicas 3] [--restarts 3] [--clients 4] [--images DIR]
        [--config deploy/kubernetes/base/config.json] [--drain 3] [--json report.json]

This is what Kubernetes does with the manifests in deploy/kubernetes, played with real processes on loopback:
- each replica is `hub serving start -c CONFIG` (the manifests' config by default: gunicorn workers, status server)
  on its own port and status port;
- nginx stands in for the Service: its upstream holds the replicas whose /ready answers 200, polled every 0.5 s as
  a readiness probe is, and is reloaded when that set changes;
- a restart is a pod's deletion: the replica leaves the upstream at once (the endpoints controller), then after
  ``--drain`` seconds (the preStop sleep) gets SIGTERM, and must exit by itself; a new one starts on the same ports
  and joins the upstream when its /ready says every worker is warm.

Clients send the photos in turn through nginx the whole time. Each answer is compared with the answer a replica
gave the same photo before any restart. The report counts requests sent, answered, failed (an HTTP error, a lost
connection, a status other than 000) and wrong (an answer that differs), and compares each restarted replica's
first answers with the same photos' latency over the whole run. Exit status 1 when anything failed or was wrong.
"""

import argparse
import collections
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional

from testkit.inputs import encode_file, photo_paths
from testkit.server import REPO, HubServer, ServerError, free_port, get_text, install_modules

NGINX_CONF = """\
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    client_max_body_size 400m;
    client_body_buffer_size 16m;
    upstream ocr {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://ocr;
            # A Service does not retry a request on another pod, so neither does this stand-in for it: a request
            # a stopping replica drops is a failed request here.
            proxy_next_upstream off;
            proxy_http_version 1.1;
            proxy_read_timeout 600s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Nginx:
    """An nginx of our own (its own prefix and pid file) whose upstream is set with ``route``."""

    def __init__(self, root: str, port: int):
        self.root, self.port = root, port
        self.conf = os.path.join(root, "nginx.conf")
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.routed: Optional[List[int]] = None

    def write(self, ports: List[int]) -> None:
        # An upstream cannot be empty; a server marked down answers 502, which a client counts as failed.
        lines = ["        server 127.0.0.1:%d;" % port for port in ports] or ["        server 127.0.0.1:1 down;"]
        servers = "\n".join(lines)
        user = "user root;\n" if os.geteuid() == 0 else ""  # else its workers run as nobody and cannot write root/
        with open(self.conf, "w") as handle:
            handle.write(NGINX_CONF.format(user=user, root=self.root, servers=servers, port=self.port))

    def start(self, ports: List[int]) -> None:
        self.write(ports)
        self.routed = sorted(ports)
        subprocess.run([self.binary, "-p", self.root, "-c", self.conf], check=True, stderr=subprocess.DEVNULL)

    def route(self, ports: List[int]) -> bool:
        """Send traffic to ``ports`` only (a graceful reload: requests in flight finish where they are)."""
        if sorted(ports) == self.routed:
            return False
        self.write(ports)
        subprocess.run([self.binary, "-p", self.root, "-c", self.conf, "-s", "reload"], check=True,
                       stderr=subprocess.DEVNULL)  # its notices would interleave with the report
        self.routed = sorted(ports)
        return True

    def stop(self) -> None:
        subprocess.run([self.binary, "-p", self.root, "-c", self.conf, "-s", "quit"], check=False,
                       stderr=subprocess.DEVNULL)


class Replica:
    """One `hub serving start`: a pod. ``terminating`` takes it out of the upstream, as deletion does."""

    def __init__(self, index: int, config: dict, hub_home: str, workdir: str):
        self.index, self.config, self.hub_home, self.workdir = index, config, hub_home, workdir
        self.port, self.status_port = free_port(), free_port()
        self.terminating = False
        self.server: Optional[HubServer] = None
        self.starts = 0

    def start(self) -> None:
        config = json.loads(json.dumps(self.config))
        for module in config["modules_info"].values():
            module["init_args"]["metrics_port"] = self.status_port
        config["port"] = self.port
        self.starts += 1
        name = "replica%d-%d" % (self.index, self.starts)
        path = os.path.join(self.workdir, name + ".json")
        with open(path, "w") as handle:
            json.dump(config, handle)
        self.server = HubServer(["-c", path], self.hub_home, self.workdir, self.port, name)
        self.terminating = False

    def ready(self) -> bool:
        if self.terminating or self.server is None or self.server.process.poll() is not None:
            return False
        return get_text("http://127.0.0.1:%d/ready" % self.status_port, timeout=1)[0] == 200

    def stop(self, timeout: float) -> float:
        """SIGTERM the server (gunicorn's master) and wait for it to exit by itself; returns seconds taken."""
        started = time.time()
        self.server.process.send_signal(signal.SIGTERM)
        try:
            code = self.server.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.server.stop()
            raise ServerError("replica %d did not stop within %g s of SIGTERM" % (self.index, timeout)) from None
        if code != 0:
            log = self.server.log()[-2000:]
            raise ServerError("replica %d exited with %s on SIGTERM:\n%s" % (self.index, code, log))
        return time.time() - started


class Endpoints(threading.Thread):
    """The readiness probes and the endpoints controller: every 0.5 s, the upstream is the replicas ready."""

    def __init__(self, replicas: List[Replica], nginx: Nginx):
        super().__init__(daemon=True)
        self.replicas, self.nginx = replicas, nginx
        self.stopped = threading.Event()
        self.reloads = 0
        self.lock = threading.Lock()  # probe and route as one step, or a stale probe could route a replica back

    def sync(self) -> List[int]:
        with self.lock:
            ports = [replica.port for replica in self.replicas if replica.ready()]
            self.reloads += self.nginx.route(ports)
            return ports

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.sync()


class Outcome(collections.namedtuple("Outcome", "photo upstream seconds at problem")):
    """One request through nginx: which photo, which replica port answered, how long it took, when it ended, and
    what was wrong ("" when nothing)."""


def send(port: int, photo: str, body: bytes, expected: Optional[list]) -> Outcome:
    started = time.time()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    upstream, problem = "", ""
    try:
        connection.request("POST", "/predict/ocr_system", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        upstream = (response.getheader("X-Upstream") or "").rsplit(",", 1)[-1].strip()
        if response.status != 200:
            problem = "failed: HTTP %d %s" % (response.status, data[:200])
        else:
            answer = json.loads(data)
            if answer.get("status") != "000":
                problem = "failed: status %s %s" % (answer.get("status"), answer.get("msg"))
            elif expected is not None and answer["results"] != expected:
                problem = "wrong"
    except (OSError, http.client.HTTPException, ValueError) as err:
        problem = "failed: %s" % (err or type(err).__name__)
    finally:
        connection.close()
    return Outcome(photo, upstream, time.time() - started, time.time(), problem)


def client(port: int, photos: Dict[str, bytes], expected: Dict[str, list], stop: threading.Event, offset: int,
           outcomes: List[Outcome]) -> None:
    names = sorted(photos)
    i = offset
    while not stop.is_set():
        name = names[i % len(names)]
        outcomes.append(send(port, name, photos[name], expected[name]))
        i += 1


def first_answers_ratio(outcomes: List[Outcome], port: int, since: float, count: int) -> Optional[float]:
    """Median, over a restarted replica's first ``count`` answers after ``since``, of each answer's time over the
    median time of the same photo in the whole run (1.0: as fast as usual)."""
    usual = {photo: statistics.median(o.seconds for o in outcomes if o.photo == photo and not o.problem)
             for photo in {o.photo for o in outcomes}}
    first = sorted((o for o in outcomes if o.upstream.endswith(":%d" % port) and o.at - o.seconds >= since),
                   key=lambda o: o.at)[:count]
    if not first:
        return None
    return statistics.median(o.seconds / usual[o.photo] for o in first)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--restarts", type=int, default=3, help="replicas restarted, in turn")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--images", default=None, help="photos to send (default ../shared/ocr-images or tests/data)")
    parser.add_argument("--config", default=os.path.join(REPO, "deploy", "kubernetes", "base", "config.json"))
    parser.add_argument("--drain", type=float, default=3, help="seconds between leaving the upstream and SIGTERM")
    parser.add_argument("--settle", type=float, default=5, help="seconds of traffic before and after the restarts")
    parser.add_argument("--json", default=None, help="also write the report here")
    args = parser.parse_args()
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        print("nginx is needed (Debian: apt-get install nginx-light)", file=sys.stderr)
        return 2
    with open(args.config) as handle:
        config = json.load(handle)
    photos = {os.path.basename(path): path for path in photo_paths(args.images)}
    bodies = {name: json.dumps({"images": [encode_file(path)]}).encode() for name, path in photos.items()}

    root = tempfile.mkdtemp(prefix="rolling-restart-")
    hub_home = os.path.join(root, "hub_home")
    install_modules(hub_home)
    replicas = [Replica(i, config, hub_home, root) for i in range(args.replicas)]
    nginx = Nginx(root, free_port())
    endpoints = Endpoints(replicas, nginx)
    stop = threading.Event()
    outcomes: List[Outcome] = []
    restarts: List[dict] = []
    threads: List[threading.Thread] = []
    try:
        for replica in replicas:
            replica.start()
        for replica in replicas:
            replica.server.wait_status_ready(replica.status_port)
        nginx.start([replica.port for replica in replicas])
        endpoints.start()
        # The reference answers: each photo once, from one replica, before any restart.
        expected = {name: replicas[0].server.predict("ocr_system", [encode_file(path)])["results"]
                    for name, path in photos.items()}
        threads += [threading.Thread(target=client, args=(nginx.port, bodies, expected, stop, i, outcomes), daemon=True)
                    for i in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(args.settle)
        for turn in range(args.restarts):
            replica = replicas[turn % len(replicas)]
            replica.terminating = True
            endpoints.sync()
            time.sleep(args.drain)
            stopped = replica.stop(timeout=600)
            began = time.time()
            replica.start()
            replica.server.wait_status_ready(replica.status_port)
            while replica.port not in endpoints.sync():
                time.sleep(0.1)
            restarts.append({"replica": replica.index, "port": replica.port, "stop_seconds": round(stopped, 1),
                             "ready_seconds": round(time.time() - began, 1), "back_at": time.time()})
            print("restart %d: replica %d stopped in %.1f s, ready again in %.1f s"
                  % (turn + 1, replica.index, stopped, time.time() - began), flush=True)
        time.sleep(args.settle)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=600)  # each client finishes the request it is on
        endpoints.stopped.set()
        nginx.stop()
        for replica in replicas:
            if replica.server is not None:
                replica.server.stop()

    problems = collections.Counter(o.problem.split(":")[0] for o in outcomes if o.problem)
    for restart in restarts:
        ratio = first_answers_ratio(outcomes, restart["port"], restart.pop("back_at"), count=5)
        restart["first_answers_vs_usual"] = None if ratio is None else round(ratio, 2)
    report = {
        "replicas": args.replicas, "restarts": restarts, "clients": args.clients, "photos": len(photos),
        "sent": len(outcomes), "answered": sum(not o.problem for o in outcomes),
        "failed": problems["failed"], "wrong": problems["wrong"], "nginx_reloads": endpoints.reloads,
        "examples": sorted({o.problem for o in outcomes if o.problem})[:5],
    }
    print(json.dumps(report, indent=1))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)
    shutil.rmtree(root, ignore_errors=True)
    return 0 if report["failed"] == report["wrong"] == 0 and report["sent"] else 1


if __name__ == "__main__":
    sys.exit(main())
