"""A gunicorn worker that serves through the front (``front``) instead of gunicorn's sync loop: the master still
forks, watches and replaces workers, and each worker reads its connections in an event loop.

gunicorn's sync worker reads one request at a time on the thread that runs it, with no read timeout, so one
stalled client per worker stopped the service. gunicorn's own documentation puts sync workers behind a buffering
proxy for that reason; this worker buffers in-process instead. ``process.serve_through_front`` makes it gunicorn's
default worker class, the one setting PaddleHub leaves to its default.
"""

import os

from gunicorn.workers.base import Worker

from .front import Front
from .server import SERVER


class FrontWorker(Worker):
    """Serves ``self.wsgi`` on the master's listening sockets until told to stop, then finishes what it has read
    (within gunicorn's graceful timeout) and exits. Requests run on the worker's main thread, which warmed the
    models (``process.warm_worker``), one at a time as a sync worker runs them."""

    def run(self) -> None:
        front = Front(self.wsgi, SERVER.settings.front, sockets=[listener.sock for listener in self.sockets],
                      guard=SERVER.guard)
        front.start()
        # notify is gunicorn's heartbeat: a worker silent for its timeout is replaced.
        front.serve_requests(lambda: self.alive and self.ppid == os.getppid(), idle=self.notify)
        if self.ppid != os.getppid():
            self.log.info("parent changed, shutting down: %s", self)
        front.stop_accepting()
        front.serve_requests(front.busy, idle=self.notify)
