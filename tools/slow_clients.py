"""What misbehaving clients do to a served config, through each HTTP front, side by side in one run:

    .venv/bin/python tools/slow_clients.py [--configs cpu.json,cpu_multiprocess.json]
        [--fronts buffered,paddlehub,nginx] [--stalled 64] [--wait 15] [--rounds 2]

For each config and front: ``buffered`` and ``paddlehub`` are the ``http_front`` option's values; ``nginx`` is
PaddleHub's own server behind an nginx of this run (tools/rolling_restart.py's, buffering each request), the other
design the issue weighed. Reported: images/s over ``--rounds`` passes over the photos, one client; the time of a
normal request (a shared photo, ocr_system) with no stalled connection and with ``--stalled`` of them open (each
sent half a request, then nothing); what a 300 MB body and a 2 GB Content-Length get and how long they take; the
server's RSS before and after. A request with no answer within ``--wait`` seconds is reported so. Every client
talks to a port on this machine only."""

import argparse
import contextlib
import os
import tempfile
import time
from typing import Callable, Iterator, List, Tuple

from rolling_restart import Nginx

from testkit.inputs import encode_file, photo_paths
from testkit.misbehaving import declared_length, oversize_body, stalled_connections
from testkit.server import HubServer, free_port, install_modules, post_json, shipped_config


def timed(call: Callable[[], str], wait: float) -> Tuple[str, str]:
    """(what ``call`` got, seconds it took) or the timeout's words."""
    started = time.monotonic()
    try:
        got = call()
    except (OSError, ValueError, RuntimeError) as err:  # no answer in time, or one that is not the service's JSON
        return "no usable answer after %.0f s (%s)" % (time.monotonic() - started, type(err).__name__), "-"
    return got, "%.2f s" % (time.monotonic() - started)


@contextlib.contextmanager
def behind_nginx(server_port: int, workdir: str, front: str) -> Iterator[int]:
    """The port clients use: the server's own, or an nginx's in front of it."""
    if front != "nginx":
        yield server_port
        return
    root = tempfile.mkdtemp(prefix="nginx_", dir=workdir)
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(root, folder))
    nginx = Nginx(root, free_port())
    nginx.start([server_port])
    try:
        time.sleep(0.5)
        yield nginx.port
    finally:
        nginx.stop()


def measure(config_name: str, front: str, args, hub_home: str, workdir: str) -> List[str]:
    config = shipped_config(config_name)
    for module in config["modules_info"].values():
        module["init_args"]["http_front"] = "paddlehub" if front == "nginx" else front
    photos = [encode_file(path) for path in photo_paths()]

    def normal(photo: str = photos[0]) -> str:
        answer = post_json("http://127.0.0.1:%d/predict/ocr_system" % port, {"images": [photo]}, args.wait)
        return "%s, %d lines" % (answer["status"], len(answer["results"][0]))

    with HubServer.with_config(config, hub_home, workdir, "%s-%s" % (config_name, front)) as server, \
            behind_nginx(server.port, workdir, front) as port:
        normal()  # the first request warms what is left cold
        rows = []
        started = time.monotonic()
        for _ in range(args.rounds):
            for photo in photos:
                normal(photo)
        rows.append("%d photos x %d rounds, 1 client | %.2f images/s |" % (
            len(photos), args.rounds, len(photos) * args.rounds / (time.monotonic() - started)))
        got, took = timed(normal, args.wait)
        rows.append("normal request, no stalled connection | %s | %s" % (took, got))
        with stalled_connections(port, args.stalled):
            got, took = timed(normal, args.wait)
        rows.append("normal request, %d stalled connections | %s | %s" % (args.stalled, took, got))
        before = server.rss()
        got, took = timed(lambda: "%s" % oversize_body(port, 300 * 1000 ** 2)["msg"][:70], 120)
        rows.append("300 MB body | %s | %s" % (took, got))
        got, took = timed(lambda: "HTTP %s %s" % declared_length(port, 2 * 1024 ** 3), args.wait)
        rows.append("2 GB Content-Length | %s | %s" % (took, got[:90]))
        time.sleep(1)
        rows.append("RSS before / after the two | %d / %d MB |" % (before / 2 ** 20, server.rss() / 2 ** 20))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="cpu.json,cpu_multiprocess.json")
    parser.add_argument("--fronts", default="buffered,paddlehub")
    parser.add_argument("--stalled", type=int, default=64)
    parser.add_argument("--wait", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="ocr_slow_clients_")
    hub_home = os.path.join(workdir, "hub_home")
    install_modules(hub_home)
    for config_name in args.configs.split(","):
        for front in args.fronts.split(","):
            print("\n%s, http_front %s:\nwhat | time | answer" % (config_name, front))
            print("\n".join(measure(config_name, front, args, hub_home, workdir)))


if __name__ == "__main__":
    main()
