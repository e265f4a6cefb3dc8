"""The serving process as one typed object, ``SERVER``: the settings that belong to the whole process, and the one
registry of the hub modules it serves.

PaddleHub starts each hub module in turn (its ``_initialize``) before it builds its app; each calls ``join`` once.
The first sets the process up (logging, Pillow's guard, gunicorn's hooks and timeouts, the front, the status
server); every module may set a process option (``options.PROCESS_OPTIONS``): a module that leaves one out takes
what another set, or the default, and two modules setting different values stop start-up in a sentence. Then the
module is registered, and every route finds it by name here.
"""

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Set

from ..options import PROCESS_OPTIONS, merge_params, read_view
from . import process
from .access import AccessOptions, Guard
from .front import FrontOptions
from .jobs import JobOptions, register_gauges, store_problem
from .status import StatusOptions, start_status_server


@dataclass(frozen=True)
class ProcessSettings:
    """What belongs to the whole serving process: its HTTP front's options, its status server's (port None:
    none), the longest ``request_timeout`` of its modules (gunicorn's worker timeout is raised above it), and who
    may use it (``access``), and where its job store is and what a job may hold (``jobs``)."""

    front: FrontOptions
    status: StatusOptions
    request_timeout: int
    access: AccessOptions
    jobs: JobOptions

    @property
    def metrics_port(self) -> Optional[int]:
        return self.status.metrics_port


class Server:
    """The serving process: its settings, read from its modules' options as they join, and its modules by name."""

    def __init__(self) -> None:
        self.modules: Dict[str, Any] = {}
        self._set: Dict[str, Any] = {}  # the process options the modules set, by name
        self._longest_timeout = 0
        self.current = self.settings  # as of the last module that joined; what every request reads
        self.guard = Guard(self.access, self.modules)  # who may use the server, one for the process

    @property
    def settings(self) -> ProcessSettings:
        """The settings now: the options modules set, over the defaults."""
        merged = merge_params(self._set)
        return ProcessSettings(read_view(FrontOptions, merged), read_view(StatusOptions, merged),
                               self._longest_timeout, read_view(AccessOptions, merged), read_view(JobOptions, merged))

    def access(self) -> AccessOptions:
        """Who may use the server, as the modules that joined so far set it."""
        return self.current.access

    def jobs(self) -> JobOptions:
        """The job API's options, as the modules that joined so far set them."""
        return self.current.jobs

    def problem(self) -> Optional[str]:
        """Why no request, or no job, can be served now (None: all can): ``/ready``'s answer."""
        return self.guard.problem() or store_problem(self.jobs())

    def claim(self, explicit: Mapping[str, Any]) -> None:
        """Take the process options one module set (checked values); ValueError when another module set a
        different value."""
        for name, value in explicit.items():
            if name in self._set and self._set[name] != value:
                raise ValueError(
                    "%s belongs to the whole server, and one module sets %r, another %r: set it once, in any one "
                    "module's init_args (the others take it)" % (name, self._set[name], value))
            self._set[name] = value

    def join(self, params: Mapping[str, Any], given: Set[str]) -> None:
        """A hub module starting, with its merged ``params`` (``given``: the names its params.py and init_args
        set), before it builds anything: the process set up, with what the module sets for it."""
        process.refuse_zmq_mode()
        process.configure_process()
        self.claim({option: params[option] for option in PROCESS_OPTIONS if option in given})
        self._longest_timeout = max(self._longest_timeout, params["request_timeout"])
        settings = self.current = self.settings
        process.allow_requests_of(settings.request_timeout)
        process.warm_workers()
        process.serve_through_front(settings.front, self.modules, self.guard, self.jobs)
        if settings.metrics_port is not None:
            register_gauges(self.jobs)
            start_status_server(settings.status, self.problem)

    def register(self, name: str, module: Any) -> None:
        """A hub module built and ready: every route finds it under ``name`` from now on."""
        self.modules[name] = module


# The one serving process this interpreter is.
SERVER = Server()
