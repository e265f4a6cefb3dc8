"""Log lines a client cannot forge: in a serving process every log record's message is made printable
(``escape_log_records``), so a newline or other control character sent in a path, a header or a JSON value shows as
an escape on its one line instead of starting a line of its own."""

import logging
from typing import Any


def printable(text: str) -> str:
    """``text`` with every character that is not printable (newlines, tabs, other control and format characters)
    written as its Python escape, ``\\n``, ``\\x1b``, ``\\u2028``; printable text of any script is left as it is."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def escape_log_records() -> None:
    """From now on, make every log record's message printable in this process (a traceback, added by the
    formatter, keeps its lines). Called once, when a serving process starts."""
    make = logging.getLogRecordFactory()

    def escaped(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's to report, as it would without us
            return record
        clean = printable(message)
        if clean != message:
            record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(escaped)
