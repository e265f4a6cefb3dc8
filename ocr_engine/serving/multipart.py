"""Multipart form bodies (``curl -F file=@scan.pdf``): a request's text fields and files, read with Werkzeug's
parser (Flask's, already here through PaddleHub). A file sent this way travels as its bytes, so a multi-megabyte
scan needs no base64 on a command line (where the shell's argument limit stops it)."""

import io
from dataclasses import dataclass, field
from typing import Dict

from werkzeug.exceptions import HTTPException
from werkzeug.formparser import MultiPartParser
from werkzeug.http import parse_options_header

from .errors import InputError

MULTIPART = "multipart/form-data"
# More parts than any endpoint has fields: a form of thousands of tiny parts is refused, not parsed.
MAX_PARTS = 64
# Text fields are settings (a number, a name, a short JSON list); files are not held to this.
MAX_TEXT_BYTES = 1_000_000


@dataclass
class Form:
    """A multipart body's text fields and files by name, each name once."""

    texts: Dict[str, str] = field(default_factory=dict)
    files: Dict[str, bytes] = field(default_factory=dict)


def is_multipart(content_type: str) -> bool:
    """Whether a Content-Type header announces a multipart form."""
    return parse_options_header(content_type)[0].lower() == MULTIPART


def read_form(body: bytes, content_type: str) -> Form:
    """The fields and files of a ``multipart/form-data`` ``body``; an unreadable form or a name sent twice is
    refused in a sentence (Werkzeug's own wording never reaches the client)."""
    boundary = parse_options_header(content_type)[1].get("boundary")
    if not boundary:
        raise InputError("the multipart body's Content-Type names no boundary: let the client set the header (curl "
                         "-F file=@page.pdf does)")
    parser = MultiPartParser(max_form_memory_size=MAX_TEXT_BYTES, max_form_parts=MAX_PARTS)
    try:
        texts, files = parser.parse(io.BytesIO(body), boundary.encode("latin-1"), len(body))
    except (ValueError, HTTPException):
        raise InputError("the multipart body could not be read as a form: it ends early, does not match its "
                         "boundary, or holds more than %d parts or a text field over %d bytes"
                         % (MAX_PARTS, MAX_TEXT_BYTES)) from None
    form = Form()
    for name, value in texts.items(multi=True):
        _once(form, name)
        form.texts[name] = value
    for name, upload in files.items(multi=True):
        _once(form, name)
        try:
            form.files[name] = upload.read()
        finally:
            upload.close()  # a large one was spooled to a temporary file: freed now
    return form


def _once(form: Form, name: str) -> None:
    if name in form.texts or name in form.files:
        raise InputError("the form sends %s more than once: send each field once" % name)
