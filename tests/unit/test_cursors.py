"""Signed pagination cursors: round trips, every kind of bad token is a BadCursor, the installation key."""
from __future__ import annotations

import base64
import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from archive.formats.cursors import decode_cursor, encode_cursor, installation_secret, serializer
from archive.domain import BadCursor

SECRET = "s3cret"
KEY = (date(2012, 3, 9), "pycon-us-2012--fast-test-slow-test")
TYPES = (date, str)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_round_trip_keeps_types_and_is_url_safe():
    token = encode_cursor(KEY, SECRET, "tag:testing")
    assert decode_cursor(token, SECRET, "tag:testing", TYPES) == KEY
    assert all(c.isalnum() or c in "-_." for c in token)
    timeline = (2013, date(2013, 5, 15), "djangocon-europe-2013")
    assert decode_cursor(encode_cursor(timeline, SECRET, "timeline"), SECRET, "timeline", (int, date, str)) == timeline
    unicode_key = (date(2013, 5, 16), "conf--café-ünïcode")
    assert decode_cursor(encode_cursor(unicode_key, SECRET, "s"), SECRET, "s", TYPES) == unicode_key


def test_payload_is_compact_json_with_iso_dates():
    body = encode_cursor(KEY, SECRET, "tag:testing").split(".")[0]
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    assert payload == '{"s":"tag:testing","k":["2012-03-09","pycon-us-2012--fast-test-slow-test"]}'


def test_same_key_gives_same_token():
    assert encode_cursor(KEY, SECRET, "a") == encode_cursor(KEY, SECRET, "a")
    assert encode_cursor(KEY, SECRET, "a") != encode_cursor(KEY, "other", "a")


@pytest.mark.parametrize("token", [
    "", "garbage", ".", "a.", ".b", "a.b.c", "!!!.???", "x" * 5000, "%00.%00",
])
def test_malformed_tokens_are_bad_cursors(token):
    with pytest.raises(BadCursor):
        decode_cursor(token, SECRET, "tag:testing", TYPES)


def test_tampering_with_payload_or_signature_is_detected():
    token = encode_cursor(KEY, SECRET, "tag:testing")
    body, sig = token.split(".")
    forged_body = b64(json.dumps({"s": "tag:testing", "k": ["2099-01-01", "x"]}, separators=(",", ":")).encode())
    for bad in (f"{forged_body}.{sig}", f"{body}.{sig[:-2]}", f"{body}.{b64(b'0' * 32)}",
                body[:-1] + ("A" if body[-1] != "A" else "B") + "." + sig):
        with pytest.raises(BadCursor):
            decode_cursor(bad, SECRET, "tag:testing", TYPES)
    with pytest.raises(BadCursor):  # signed with another key
        decode_cursor(token, "another-secret", "tag:testing", TYPES)


def test_cursor_of_another_list_or_shape_is_refused():
    token = encode_cursor(KEY, SECRET, "tag:testing")
    with pytest.raises(BadCursor):
        decode_cursor(token, SECRET, "tag:mocking", TYPES)
    with pytest.raises(BadCursor):
        decode_cursor(token, SECRET, "tag:testing", (date, int, str))


def test_signed_but_ill_typed_values_are_refused():
    # Correctly signed payloads with wrong value types (only possible with the secret, or a bug).
    for key, types in (((2012, "x"), TYPES), (("not-a-date", "x"), TYPES), (("2012-03-09", 5), TYPES)):
        token = encode_cursor(key, SECRET, "s")
        with pytest.raises(BadCursor):
            decode_cursor(token, SECRET, "s", types)
    for payload in ({"s": "s", "k": [True, "2012-01-01", "c"]}, {"s": "s", "k": "2012"}, ["s"], {"k": [1]}):
        token = serializer(SECRET, "s").dumps(payload)  # signed as the list "s" signs
        with pytest.raises(BadCursor):
            decode_cursor(token, SECRET, "s", (int, date, str))


def test_unsupported_values_cannot_be_encoded():
    with pytest.raises(TypeError):
        encode_cursor((1.5,), SECRET, "s")
    with pytest.raises(TypeError):
        encode_cursor((None,), SECRET, "s")


def test_installation_secret_is_made_once_private_and_random(tmp_path):
    path = tmp_path / "var" / "secret_key"
    with ThreadPoolExecutor(8) as pool:  # workers starting at once agree on one key
        keys = set(pool.map(lambda _: installation_secret(path), range(16)))
    assert len(keys) == 1 and len(keys.pop()) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left
    assert installation_secret(tmp_path / "other") != installation_secret(path)


def test_installation_secret_refuses_a_short_key(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("short\n")
    with pytest.raises(ValueError, match="shorter"):
        installation_secret(path)


def test_the_scope_is_the_signature_salt():
    # Signed with the right secret, claiming the right scope, but under another list's salt.
    token = serializer(SECRET, "tag:mocking").dumps({"s": "tag:testing", "k": ["2012-03-09", "x"]})
    with pytest.raises(BadCursor):
        decode_cursor(token, SECRET, "tag:testing", TYPES)
    with pytest.raises(BadCursor):  # and the payload's own scope is checked too
        decode_cursor(token, SECRET, "tag:mocking", TYPES)


# Made once by encode_cursor(KEY, SECRET, "tag:testing"): no timestamp, no process state, so a
# cursor handed out before a restart (or by another worker) still reads with the same secret.
PINNED = ("eyJzIjoidGFnOnRlc3RpbmciLCJrIjpbIjIwMTItMDMtMDkiLCJweWNvbi11cy0yMDEyLS1mYXN0LXRlc3Qtc2xvdy10ZXN0Il19"
          ".X1eyv0cy4RqdBGyqfaaIX_4DyDADvBov_JC1JsWKLrQ")


def test_a_cursor_made_earlier_still_reads_with_the_same_secret():
    assert decode_cursor(PINNED, SECRET, "tag:testing", TYPES) == KEY
    assert encode_cursor(KEY, SECRET, "tag:testing") == PINNED
    with pytest.raises(BadCursor):
        decode_cursor(PINNED, "another-secret", "tag:testing", TYPES)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_other_string_is_a_bad_cursor(token):
    with pytest.raises(BadCursor):
        decode_cursor(PINNED[:40] + token, SECRET, "tag:testing", TYPES)
