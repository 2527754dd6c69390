"""Read pinning: which reads of the current context must go to the primary database.

Replicas lag behind the primary, so once a request (or a task, or a command) has written, its
reads go to the primary for the rest of it, and the client's next requests for a few seconds too.
The state lives in context variables, set fresh for each request and each Celery task and reset at
their end, so it never leaks to another request on the same thread. The project's database router
and middleware (shop.db_router, shop.middleware) act on it; domain code only pins (`pin_reads`,
`pin_client_key`).
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar, Token
from typing import TypeAlias

# Reads of this context go to the primary (it wrote, or the client wrote a moment ago).
_pinned: ContextVar[bool] = ContextVar("db_pinned_to_primary", default=False)
# Whether this context wrote; the middleware extends the pin to the client's next requests.
_wrote: ContextVar[bool] = ContextVar("db_wrote_primary", default=False)
# The client keys of the current request (None outside requests), see PrimaryPinMiddleware.
_client_keys: ContextVar[set[str] | None] = ContextVar("db_pin_client_keys", default=None)
# What `begin` returns and `end` takes back.
PinTokens: TypeAlias = "tuple[Token[bool], Token[bool], Token[set[str] | None]]"


def pinned() -> bool:
    return _pinned.get()


def wrote() -> bool:
    return _wrote.get()


def client_keys() -> set[str] | None:
    """The client keys of the current request whose next requests the pin extends to (None
    outside a request)."""
    return _client_keys.get()


def pin_to_primary() -> None:
    """Send this context's reads to the primary from now on (db_for_write does it by itself)."""
    _pinned.set(True)
    _wrote.set(True)


def pin_reads() -> None:
    """Send this context's reads to the primary from now on, without counting as a write (the
    client's next requests stay unpinned). For answers that outlive the request, like a cache
    fill: built from a lagging replica after an invalidation, they would keep serving the old
    data long after the replica caught up."""
    _pinned.set(True)


def pin_client_key(kind: str, value: object) -> None:
    """Pin also the next requests that identify themselves by this key (e.g. a guest cart token
    the request just created and the client will send back as X-Cart-Token)."""
    keys = _client_keys.get()
    if keys is not None and value:
        keys.add(client_key(kind, value))


def client_key(kind: str, value: object) -> str:
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()
    return f"dbpin:{kind}:{digest}"


def begin(*, pinned: bool = False, client_keys: set[str] | None = None) -> PinTokens:
    """Start a fresh pin scope (a request, a task); returns what `end` needs to restore."""
    return (_pinned.set(pinned), _wrote.set(False), _client_keys.set(client_keys))


def end(tokens: PinTokens) -> None:
    pinned_token, wrote_token, keys_token = tokens
    _pinned.reset(pinned_token)
    _wrote.reset(wrote_token)
    _client_keys.reset(keys_token)
