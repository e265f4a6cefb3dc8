"""A job's document fetched from a URL the operator allows (``job_fetch_prefixes``), never any other: held to the
upload's size limit, and to a time limit, so that a URL cannot make the server read without end."""

import time
from typing import Sequence
from urllib.parse import unquote, urlsplit

from ..errors import InputError
from ..images import describe_size

# Seconds one read may wait, and the whole fetch may take.
READ_SECONDS = 30
TOTAL_SECONDS = 300


class TooLarge(InputError):
    """A fetched document over ``job_max_upload_bytes`` (413, as an upload would be)."""


def fetch(url: str, prefixes: Sequence[str], max_bytes: int) -> bytes:
    """The bytes at ``url`` when it starts with one of ``prefixes``; InputError in a sentence otherwise, or when it
    cannot be fetched in time, and TooLarge past ``max_bytes``."""
    if not isinstance(url, str) or not any(url.startswith(prefix) for prefix in prefixes) or _climbs(url):
        raise InputError("fileUrl: this server fetches only from the URL prefixes its operator allows "
                         "(job_fetch_prefixes)%s; upload the file itself (multipart, field file)"
                         % (", and this URL is not under one" if prefixes else ", and allows none"))
    if "@" in urlsplit(url).netloc:
        raise InputError("fileUrl: a URL with a user name or password is not fetched")
    import requests

    deadline = time.monotonic() + TOTAL_SECONDS
    try:
        with requests.get(url, stream=True, timeout=READ_SECONDS, allow_redirects=False) as response:
            if response.status_code != 200:
                raise InputError("fileUrl: fetching it answered HTTP %d, not the document" % response.status_code)
            data = bytearray()
            for chunk in response.iter_content(65536):
                data += chunk
                if len(data) > max_bytes:
                    raise TooLarge("fileUrl: the document is over the limit of %s a job (job_max_upload_bytes)"
                                   % describe_size(max_bytes))
                if time.monotonic() > deadline:
                    raise InputError("fileUrl: the document did not arrive within %d s" % TOTAL_SECONDS)
    except requests.RequestException as err:
        raise InputError("fileUrl: it could not be fetched (%s)" % type(err).__name__) from None
    return bytes(data)


def _climbs(url: str) -> bool:
    """Whether the URL's path has ``.`` or ``..`` segments (plain or percent-encoded), which could lead a fetch
    out from under its prefix once a client or server resolves them."""
    return any(segment in (".", "..") for segment in unquote(urlsplit(url).path).split("/"))
