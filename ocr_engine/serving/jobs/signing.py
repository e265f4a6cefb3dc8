"""Links that carry their own permission: a result or image URL is signed with the job store's secret (shared by
every process on that store) and an expiry, so that a client may fetch it without its key (the official clients
do) while an altered or expired link gets 403."""

import hashlib
import hmac
import os
import time
from typing import Mapping, Optional
from urllib.parse import urlencode

# A link lasts this long from the status answer that gave it; a client polls again for a fresh one.
LINK_SECONDS = 3600


def load_secret(path: str) -> bytes:
    """The secret in ``path``, made (32 random bytes, owner-only) the first time; processes racing to make it all
    end up reading the one that was written first."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(32).hex().encode())
    for _ in range(50):  # another process may be between creating the file and writing it
        with open(path, "rb") as handle:
            secret = handle.read().strip()
        if secret:
            return secret
        time.sleep(0.01)
    raise RuntimeError("the job store's secret %s is empty" % path)


def signature(secret: bytes, path: str, expires: int) -> str:
    """The signature of ``path`` until ``expires`` (Unix seconds)."""
    return hmac.new(secret, ("%s\n%d" % (path, expires)).encode("utf-8"), hashlib.sha256).hexdigest()


def signed_query(secret: bytes, path: str, now: Optional[float] = None) -> str:
    """The query string that lets ``path`` be fetched without a key for ``LINK_SECONDS``."""
    expires = int((time.time() if now is None else now) + LINK_SECONDS)
    return urlencode({"expires": expires, "signature": signature(secret, path, expires)})


def link_problem(secret: bytes, path: str, query: Mapping[str, str], now: Optional[float] = None) -> Optional[str]:
    """Why a link to ``path`` with ``query`` may not be followed (None: it may)."""
    expires, given = query.get("expires", ""), query.get("signature", "")
    if not expires.isdigit() or not given:
        return "this link is not signed: ask the job's status for its result link"
    if not hmac.compare_digest(signature(secret, path, int(expires)), given):
        return "this link's signature does not match it: use the link as the job's status gave it"
    if int(expires) < (time.time() if now is None else now):
        return "this link has expired: ask the job's status for a fresh one"
    return None
