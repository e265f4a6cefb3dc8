"""The front's options (``http_front``, ``client_timeout``, ``max_request_bytes``): one set per serving process,
taken from whichever modules set them."""

from dataclasses import dataclass, fields
from typing import Any, Dict, Mapping

from ...options import read_view


@dataclass(frozen=True)
class FrontOptions:
    """Which front serves (``http_front``) and what it allows a client (``client_timeout``,
    ``max_request_bytes``); one set per process."""

    http_front: str
    client_timeout: int
    max_request_bytes: int



FRONT_OPTIONS = tuple(field.name for field in fields(FrontOptions))
# The front options the process's modules set, by name: each belongs to the whole server.
_claimed: Dict[str, Any] = {}


def use_options(explicit: Mapping[str, Any]) -> None:
    """Take the front options one module set in its params.py or init_args (checked values): a module that leaves
    one out takes what another set, or the default; two modules setting different values are refused."""
    for name, value in explicit.items():
        if name in _claimed and _claimed[name] != value:
            raise ValueError(
                "%s belongs to the whole server, and one module sets %r, another %r: set it once, in any one "
                "module's init_args (the others take it)" % (name, _claimed[name], value))
        _claimed[name] = value


def current_options() -> FrontOptions:
    """The options the process's modules set (``use_options``) over the defaults."""
    from ...options import merge_params

    return read_view(FrontOptions, merge_params(_claimed))
