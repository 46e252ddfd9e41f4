"""Signed pagination cursors: clustering-key tuples as opaque, tamper-proof URL tokens.

A cursor is the URL-safe base64 of compact JSON `{"s": scope, "k": [values]}` (dates as ISO
strings), a dot, and the URL-safe base64 of its HMAC-SHA256 under the secret key. The scope names
the list the key belongs to ("tag:testing", "timeline", ...), so that a cursor of one list can
never be replayed against another whose key has a different shape. Decoding checks the signature
before parsing anything and then the scope, the arity and the type of every value; any failure is
a BadCursor, which the web layer answers with 400.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

from archive.domain import BadCursor

MAX_CURSOR_LENGTH = 2048  # keys are a few short values; anything longer is not ours
MIN_SECRET_LENGTH = 32


def installation_secret(path: Path) -> str:
    """Return the key kept in path, creating it (random, mode 0600) the first time; safe to race."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(temp, path)  # fails if another process made it first: then use theirs
            except FileExistsError:
                pass
        finally:
            temp.unlink(missing_ok=True)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise ValueError(f"{path} holds a key shorter than {MIN_SECRET_LENGTH} characters; delete it to make a new one")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BadCursor("cursor is not valid base64") from exc


def _sign(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).digest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):  # a datetime is a date too: refuse rather than lose the time
        raise TypeError("cursor keys hold dates, not datetimes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def encode_cursor(key: Sequence[Any], secret: str, scope: str) -> str:
    """Return the signed token of a clustering key within the named list."""
    payload = json.dumps({"s": scope, "k": [_plain(v) for v in key]}, separators=(",", ":"),
                         ensure_ascii=False).encode("utf-8")
    return f"{_b64(payload)}.{_b64(_sign(secret, payload))}"


def _typed(value: Any, kind: type) -> Any:
    if kind is date:
        if not isinstance(value, str):
            raise BadCursor("cursor date is not a string")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise BadCursor("cursor date is not an ISO date") from exc
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise BadCursor("cursor value is not an integer")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise BadCursor("cursor value is not a string")
        return value
    raise TypeError(f"unsupported cursor type {kind!r}")


def decode_cursor(token: str, secret: str, scope: str, types: Sequence[type]) -> tuple:
    """Return the clustering key a token carries, or raise BadCursor if it is malformed or forged."""
    if not isinstance(token, str) or not token or len(token) > MAX_CURSOR_LENGTH:
        raise BadCursor("cursor is empty or too long")
    body, sep, signature = token.partition(".")
    if not sep or not body or not signature:
        raise BadCursor("cursor is malformed")
    payload = _unb64(body)
    if not hmac.compare_digest(_unb64(signature), _sign(secret, payload)):
        raise BadCursor("cursor signature does not match")
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # only reachable if the secret leaked
        raise BadCursor("cursor is not JSON") from exc
    if not isinstance(data, dict) or data.get("s") != scope:
        raise BadCursor("cursor belongs to another list")
    values = data.get("k")
    if not isinstance(values, list) or len(values) != len(types):
        raise BadCursor("cursor key has the wrong shape")
    return tuple(_typed(v, t) for v, t in zip(values, types))
