"""How long the request being served may still run: set by the serving layer for one request, checked before
every model run, so that a request never runs much past its time, whatever stage it is in.

A context variable rather than a parameter: the stages do not know about requests, and a Python caller who sets
no deadline gets none.
"""

import contextlib
import contextvars
import time
from typing import Iterator, Optional, Tuple

# (monotonic time the request must not run past, the seconds it was given)
_current: contextvars.ContextVar[Optional[Tuple[float, float]]] = contextvars.ContextVar("deadline", default=None)


class DeadlinePassed(RuntimeError):
    """The request's time ran out before a model run; ``seconds`` is the time it had."""

    def __init__(self, seconds: float):
        super().__init__("the request ran past its %g s" % seconds)
        self.seconds = seconds


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, a model run that would start more than ``seconds`` after the block began raises
    DeadlinePassed."""
    token = _current.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _current.reset(token)


def check_deadline() -> None:
    """Raise DeadlinePassed when the current deadline, if any, has passed."""
    current = _current.get()
    if current is not None and time.monotonic() > current[0]:
        raise DeadlinePassed(current[1])
