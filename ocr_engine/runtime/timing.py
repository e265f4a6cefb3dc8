"""Where a request's time goes: each stage marks its work with ``timed``, and the serving layer collects the
seconds per stage of one request (``collect_timings``) for its log line and metrics.

A context variable, like ``deadline``: the stages know nothing of requests, and a caller who collects nothing pays
one lookup per stage call. Process-wide listeners (``add_listener``) see every timed block, inside a request or
not, which is how predictor loads at start-up are counted.
"""

import contextlib
import contextvars
import functools
import time
from typing import Callable, Dict, Iterator, List, Optional

_current: contextvars.ContextVar[Optional[Dict[str, float]]] = contextvars.ContextVar("timings", default=None)
_listeners: List[Callable[[str, float], None]] = []


@contextlib.contextmanager
def timed(stage: str) -> Iterator[None]:
    """Add the block's wall-clock seconds to ``stage`` in the request's timings (if one collects) and tell every
    listener ``(stage, seconds)``; also when the block raises, since a failed stage took time too."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - start
        timings = _current.get()
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + seconds
        for listener in _listeners:
            listener(stage, seconds)


def timed_stage(stage: str) -> Callable:
    """Decorator form of ``timed`` for a stage's entry point."""

    def wrap(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            with timed(stage):
                return function(*args, **kwargs)

        return run

    return wrap


@contextlib.contextmanager
def collect_timings() -> Iterator[Dict[str, float]]:
    """Within the block, ``timed`` stages add their seconds to the dict yielded (stage name -> seconds)."""
    timings: Dict[str, float] = {}
    token = _current.set(timings)
    try:
        yield timings
    finally:
        _current.reset(token)


def add_listener(listener: Callable[[str, float], None]) -> None:
    """Call ``listener(stage, seconds)`` after every timed block in this process from now on."""
    if listener not in _listeners:
        _listeners.append(listener)
