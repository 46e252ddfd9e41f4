"""The list filters of the talk lists (notes, kind, language), read from a request's query string."""
from __future__ import annotations

import re
from typing import Mapping

from werkzeug.exceptions import BadRequest

from archive.browse import ListFilters
from archive.domain import TALK_KINDS

_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_YES, _NO = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}
# The languages the catalogue names most (ISO 639-3 codes, as it gives them), offered in the form.
COMMON_LANGUAGES = {"eng": "English", "spa": "Spanish", "por": "Portuguese", "fra": "French", "deu": "German",
                    "ita": "Italian", "rus": "Russian", "pol": "Polish", "jpn": "Japanese", "zho": "Chinese",
                    "kor": "Korean", "ukr": "Ukrainian", "ces": "Czech", "nld": "Dutch", "swe": "Swedish"}


def list_filters(args: Mapping[str, str]) -> ListFilters:
    """Return the filters a list's query string asks for; BadRequest names a bad value."""
    notes = (args.get("notes") or "").strip().lower()
    if notes not in _YES | _NO:
        raise BadRequest(f"notes must be 1 or 0, not {notes[:20]!r}.")
    kind = (args.get("kind") or "").strip().lower() or None
    if kind is not None and kind not in TALK_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(TALK_KINDS)}, not {kind[:20]!r}.")
    language = (args.get("language") or "").strip() or None
    if language is not None and not _LANGUAGE.fullmatch(language):
        raise BadRequest(f"language must be a language code such as eng or ita, not {language[:20]!r}.")
    return ListFilters(notes=notes in _YES, kind=kind, language=language.lower() if language else None)
