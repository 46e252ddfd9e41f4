"""JSON encoding of talks and conferences, as `source_talks` keeps what each source said (pure)."""
from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import date, datetime

from archive.domain import Conference, Link, Speaker, Talk

_TALK_FIELDS = {f.name for f in fields(Talk)}
_CONFERENCE_FIELDS = {f.name for f in fields(Conference)}


def _default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def talk_to_json(talk: Talk) -> str:
    """Return a talk as compact JSON."""
    return json.dumps(asdict(talk), default=_default, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def talk_from_json(text: str) -> Talk:
    """Return the talk encoded by talk_to_json (unknown keys from a newer version are ignored)."""
    data = {k: v for k, v in json.loads(text).items() if k in _TALK_FIELDS}
    data["speakers"] = tuple(Speaker(**s) for s in data.get("speakers") or ())
    data["links"] = tuple(Link(**l) for l in data.get("links") or ())
    data["tags"] = tuple(data.get("tags") or ())
    if data.get("date"):
        data["date"] = date.fromisoformat(data["date"])
    if data.get("starts_at"):
        data["starts_at"] = datetime.fromisoformat(data["starts_at"])
    return Talk(**data)


def conference_to_json(conference: Conference) -> str:
    """Return a conference as compact JSON."""
    return json.dumps(asdict(conference), default=_default, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def conference_from_json(text: str | None) -> Conference | None:
    """Return the conference encoded by conference_to_json, or None for no text."""
    if not text:
        return None
    data = {k: v for k, v in json.loads(text).items() if k in _CONFERENCE_FIELDS}
    for key in ("start", "end"):
        if data.get(key):
            data[key] = date.fromisoformat(data[key])
    return Conference(**data)
