"""The front's options (``http_front``, ``client_timeout``, ``min_body_rate``, ``max_request_bytes``): one set per
serving process (``server.ProcessSettings``), taken from whichever modules set them."""

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class FrontOptions:
    """Which front serves (``http_front``) and what it allows a client (``client_timeout``, ``min_body_rate``,
    ``max_request_bytes``); one set per process."""

    http_front: str
    client_timeout: int
    min_body_rate: int
    max_request_bytes: int


FRONT_OPTIONS = tuple(field.name for field in fields(FrontOptions))
