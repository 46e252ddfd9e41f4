"""Signed pagination cursors: clustering-key tuples as opaque, tamper-proof URL tokens.

A cursor is an itsdangerous token of the compact JSON `{"s": scope, "k": [values]}` (dates as ISO
strings): its URL-safe base64, a dot, and the URL-safe base64 of an HMAC-SHA256 signature. The scope
names the list the key belongs to ("tag:testing", "timeline", ...) and is the signature's salt, so a
cursor of one list never verifies against another whose key has a different shape; the scope in the
payload is checked too.
Tokens carry no timestamp, so a cursor stays valid across restarts and workers as long as the
secret key is the same. Decoding checks the signature before parsing anything and then the scope,
the arity and the type of every value; any failure is a BadCursor, which the web layer answers
with 400.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

from itsdangerous import BadData, Serializer
from itsdangerous.encoding import base64_decode, base64_encode

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


class _Base64JSON:
    """Compact JSON in URL-safe base64: URLSafeSerializer's payload without its optional zlib step
    (which marks a compressed payload with a leading dot), so a cursor is always `payload.signature`."""

    @staticmethod
    def dumps(obj: Any) -> str:
        return base64_encode(json.dumps(obj, separators=(",", ":"), ensure_ascii=False)).decode("ascii")

    @staticmethod
    def loads(text: str) -> Any:
        return json.loads(base64_decode(text))


def serializer(secret: str, scope: str) -> Serializer:
    """The signer of one list's cursors: the scope is the salt, HMAC-SHA256 the signature."""
    return Serializer(secret, salt=f"notes-archive cursor {scope}", serializer=_Base64JSON,
                      signer_kwargs={"digest_method": hashlib.sha256})


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
    return serializer(secret, scope).dumps({"s": scope, "k": [_plain(v) for v in key]})


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
    try:
        data = serializer(secret, scope).loads(token)
    except BadData as exc:  # a bad signature, or (only if the secret leaked) a bad payload
        raise BadCursor("cursor is malformed, forged or of another list") from exc
    if not isinstance(data, dict) or data.get("s") != scope:
        raise BadCursor("cursor belongs to another list")
    values = data.get("k")
    if not isinstance(values, list) or len(values) != len(types):
        raise BadCursor("cursor key has the wrong shape")
    return tuple(_typed(v, t) for v, t in zip(values, types))
