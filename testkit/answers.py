"""What ``/predict/<module>`` answers, read one way by every test and tool: a success (``status`` "000") holds
``results``; a refusal ("101") holds one sentence in ``msg``, no ``results``, and nothing of the server's insides."""

from typing import List, Optional

from .inputs import INTERNALS
from .rendering import squash

OK, REFUSED = "000", "101"


def assert_ok(answer: dict) -> list:
    """The results of a successful answer; fails showing the answer otherwise."""
    assert answer["status"] == OK, answer
    assert answer["msg"] == ""
    return answer["results"]


def is_refused(answer: dict) -> bool:
    """Whether the answer refuses the request (any reason)."""
    return answer["status"] == REFUSED


def assert_refused(answer: dict, expected: Optional[str] = None) -> str:
    """The sentence of a refusal, checked to be one: status "101", no results, no internals, and ``expected``
    exactly when given. Fails showing the answer otherwise."""
    assert answer["status"] == REFUSED and answer["results"] == "", answer
    assert not INTERNALS.search(answer["msg"]), answer
    if expected is not None:
        assert answer["msg"] == expected, answer
    return answer["msg"]


def read_texts(answer: dict) -> List[List[str]]:
    """Per image of a successful answer, its lines' texts without spaces (see ``rendering.squash``)."""
    return [[squash(line["text"]) for line in lines] for lines in assert_ok(answer)]
