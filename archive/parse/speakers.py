"""Speakers: who gave a talk, read from notes prose or from a catalogue's speakers list.

The one home of speaker splitting. In notes prose ("A and B of Org", "A, B and C", "Title by A from
Org": split_speakers, split_title) names are recognised by their shape (capitalised words,
initials, particles such as "van" or "Di"), organisations by a few tell-tale words, so "Google
Code" or "DISQUS" never become people. A speakers list (the pyvideo catalogue's field:
split_speaker_list) names only people, so there every entry is a person unless it names nobody
("Various speakers", "Lightning Talks, DAY 1"): the name-shape test would drop real names there
("Jake VanderPlas", "Boris FELD", "김대권"; 1,410 of the catalogue's 21,715 talks).
"""
from __future__ import annotations

import re

from archive.domain import Speaker, fold

# Lower-case (or capitalised) name particles that stay inside a name: "Guido van Rossum", "Massimo Di Pierro".
PARTICLES = frozenset({
    "van", "von", "de", "di", "da", "der", "den", "del", "della", "du", "la", "le", "dos", "das",
    "do", "bin", "ibn", "al", "el", "ter", "ten", "vander", "zu", "y",
})

# Words that mark an organisation, not a person ("Google Code", "Morningstar, Inc.").
ORG_WORDS = frozenset({
    "inc", "ltd", "llc", "gmbh", "corp", "corporation", "co", "company", "plc", "ag", "sa", "bv",
    "university", "college", "institute", "school", "labs", "lab", "laboratory", "foundation",
    "google", "microsoft", "mozilla", "canonical", "code", "software", "systems", "technologies",
    "group", "team", "project", "consulting", "solutions", "media", "network", "others", "et", "al",
})

# Words common in talk titles but not in people's names; they stop a title passing as a name.
COMMON_WORDS = frozenset("""
a an the and or of in on for with to at by from into about my our your his her their its this that
advanced introduction intro overview primer basics guide tips tricks lessons learned notes talks talk
lightning keynote tutorial workshop panel session sessions sprint sprints day welcome opening closing
remarks summary conclusion future status state best practices how why what when where who which new
old real world open source free software code cloud server servers database databases framework
frameworks library libraries application applications app apps api apis rest model models views
forms templates template engine language languages programming programmer programmers developer
developers core team project projects system systems network security performance scaling scalable
scalability memory machine science scientific computing analysis analytics stack tools tool toolkit
module modules patterns pattern python django flask web data design deep dive test tests testing
stuff other questions answers contents index indices tables meeting members conference news
distributed services service async realtime mobile game games hack hacks part reduced loading times
""".split())

_ABBREVIATIONS = frozenset({"inc", "ltd", "corp", "co", "jr", "sr", "llc", "plc", "bv", "ag", "sa"})
_BRACKETED = re.compile(r"<[^<>\s]*>")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+")
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_LIST_SEP = re.compile(r"\s*(?:,|;|&|\+|\band\b)\s*", re.IGNORECASE)
_ORG_SEP = re.compile(r"\s+(?:of|from|at|@)\s+", re.IGNORECASE)
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]?\.?")
_TITLE_SEPARATORS = ((" by ", False), (" - ", True), (" \u2013 ", True), (" \u2014 ", True), (" with ", True))

# A speakers list: entries that name nobody, entries naming a session rather than people
# ("Lightning Talks, DAY 1 - PyTexas 2023"), degrees and suffixes, and the separators of people
# within one entry (commas are read by _comma_people).
NOBODY = frozenset({"various speakers", "various", "unknown", "tba", "tbd", "n a", "none", "anonymous",
                    "speaker", "speakers", "multiple speakers", "several speakers"})
_SESSION = re.compile(r"\b(lightning|talks|panel(ists)?|session|keynotes?|workshop|organi[sz]ers|staff)\b", re.I)
_NAME_SUFFIXES = re.compile(r",?\s*\b(?:ph\.?\s?d|jr|sr|mba|m\.?d|et\.? al)\.?\s*$", re.I)
PERSON_SEP = re.compile(r"\s*(?:;|\s&\s|\band\b|\bund\b|\sy\s|\set\s)\s*", re.I)


def person_key(name: str) -> str:
    """Return the key two spellings of one person share: folded for Latin names; names in other
    scripts ("Андрей Светлов", "蘇羿豪"), which fold to almost nothing, are kept whole."""
    folded = fold(name)
    if folded and folded.replace(" ", "").isascii() and len(folded) >= len(name) // 2:
        return folded
    return name.casefold()


def _is_name_token(token: str) -> bool:
    """Return whether token can be part of a person's name (word shape only)."""
    if token.lower() in PARTICLES:
        return True
    if _INITIALS.fullmatch(token):
        return token[0].isupper()
    parts = re.split(r"[-'\u2019]", token)
    for index, part in enumerate(parts):
        if not part.isalpha():
            return False
        # "McDonald", "MacLeod": a known prefix may carry a second capital.
        core = part
        if part.startswith("Mc"):
            core = part[2:]
        elif part.startswith("Mac") and len(part) > 4:
            core = part[3:]
        if len(part) == 1 and index < len(parts) - 1 and part.isupper():
            continue  # the "O" of O'Reilly, the "D" of D'Angelo
        if not (core[:1].isupper() and core[1:].islower()):
            return False
    return True


def looks_like_name(text: str, min_words: int = 2, max_words: int = 4) -> bool:
    """Return whether text is shaped like a person's name ("Guido van Rossum", "J.J. Behrens")."""
    tokens = text.split()
    if not min_words <= len(tokens) <= max_words:
        return False
    if tokens[0].lower() in PARTICLES and not tokens[0][0].isupper():
        return False
    if tokens[-1].lower() in PARTICLES:
        return False
    for token in tokens:
        folded = fold(token)
        if not _is_name_token(token) or folded in COMMON_WORDS or folded in ORG_WORDS:
            return False
        # Gerunds ("Logging", "Discovering") are the commonest capitalised non-name words in titles.
        if folded.endswith("ing") and len(folded) > 5:
            return False
    return True


def _clean(text: str) -> str:
    """Return speaker text without URLs, e-mail addresses, (asides), @handles and "et al."."""
    # Bracketed links first, then (asides), then bare URLs: a bare URL may swallow a closing ")".
    text = _BRACKETED.sub(" ", text)
    while _PARENS.search(text):
        text = _PARENS.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = re.sub(r"\bet al\b\.?", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split()).strip(" ,;:/-")


def _split_org(item: str) -> tuple[str, str | None]:
    """Return (name, organisation) of "Name of Org" / "Name from Org"; organisation None if absent."""
    parts = _ORG_SEP.split(item, maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        return parts[0].strip(), _trim_org(parts[1]) or None
    return item.strip(), None


def _trim_org(org: str) -> str:
    """Return org without a sentence's closing full stop, keeping that of "Inc." or "Ltd."."""
    org = org.strip(" ,")
    if org.endswith(".") and fold(org.split()[-1]) not in _ABBREVIATIONS:
        org = org.rstrip(".")
    return org


def split_speakers(text: str | None) -> tuple[Speaker, ...]:
    """Return the people named in a speaker string, each with their affiliation when given."""
    cleaned = _clean(text or "")
    people: list[list] = []  # [name, affiliation, own_affiliation]
    for item in _LIST_SEP.split(cleaned):
        item = _trim_org(item)
        if not item:
            continue
        name, org = _split_org(item)
        single = len(name.split()) == 1
        person = looks_like_name(name, 1, 5) and not (single and people and len(people[-1][0].split()) > 1)
        if person:
            people.append([name, org, org is not None])
        elif people and item[:1].isupper():
            # "David Cramer, DISQUS" or "Morningstar, Inc.": extend the previous person's organisation.
            last = people[-1]
            last[1] = f"{last[1]}, {item}" if last[1] else item
            last[2] = True
    # "A and B of Org": an organisation given last applies to the people before it that have none.
    for index in range(len(people) - 2, -1, -1):
        if not people[index][2] and people[index + 1][1]:
            people[index][1] = people[index + 1][1]
    seen: set[str] = set()
    speakers = []
    for name, org, _ in people:
        if person_key(name) not in seen:
            seen.add(person_key(name))
            speakers.append(Speaker(name, org))
    return tuple(speakers)


def split_speaker_list(entries) -> tuple[Speaker, ...]:
    """Return the people of a speakers list (or a lone string), splitting "A and B", "A, B", "A & B"."""
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list):
        return ()
    people: list[str] = []
    for entry in entries:
        if not isinstance(entry, str) or _SESSION.search(entry):
            continue
        text = " ".join(entry.replace("\u00a0", " ").split()).strip(" .,;")
        text = re.sub(r"\s*\.\.\.$|\s*…$", "", text)
        if ":" in text:  # "Fireside Chat with: A and B"
            text = text.rsplit(":", 1)[1].strip()
        if " by " in text:  # "Some Title by A"
            text = text.rsplit(" by ", 1)[1].strip()
        text = _NAME_SUFFIXES.sub("", text).strip(" ,")
        for part in PERSON_SEP.split(text):
            people.extend(_comma_people(part))
    seen, speakers = set(), []
    for name in people:
        name = name.strip(" .,;")
        key = person_key(name)
        if not key or key in NOBODY or any(c.isdigit() for c in name) or key in seen:
            continue
        seen.add(key)
        speakers.append(Speaker(name))
    return tuple(speakers)


def _comma_people(part: str) -> list[str]:
    """Split "A B, C D" into people, but keep "Chu, Hua-Rong" (surname, given name) as one."""
    pieces = [p.strip() for p in part.split(",") if p.strip()]
    if len(pieces) > 1 and all(len(p.split()) >= 2 for p in pieces):
        return pieces
    if len(pieces) == 2 and all(len(p.split()) == 1 for p in pieces):
        return [f"{pieces[1]} {pieces[0]}"]  # "Chu, Hua-Rong" -> "Hua-Rong Chu"
    return [" ".join(part.split())] if part.strip() else []


def _is_speaker_suffix(text: str, needs_org: bool) -> bool:
    """Return whether text reads as "A, B and C [from Org]" with every person a full name."""
    cleaned = _clean(text)
    parts = _ORG_SEP.split(cleaned, maxsplit=1)
    if needs_org and len(parts) < 2:
        return False
    names = [n.strip(" .") for n in _LIST_SEP.split(parts[0]) if n.strip(" .")]
    return bool(names) and all(looks_like_name(n, 2, 5) for n in names)


_QUOTED = re.compile(r'^["\u201c\u201d](?P<title>[^"\u201c\u201d]+)["\u201c\u201d]\s*[,:\-\u2013\u2014]?\s*(?:by\s+(?P<who>.+))?$',
                     re.IGNORECASE)
_FIRST_ITEM = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)


def split_title(heading: str) -> tuple[str, str | None]:
    """Return (title, speakers text) of a heading: '"Title" by A, Org', 'Title by A and B', or just a title.

    A quoted title takes whatever follows "by" as its speakers; an unquoted one needs a full name
    right after its last fitting " by " (what follows the name may be roles and companies).
    """
    heading = " ".join(heading.split())
    quoted = _QUOTED.match(heading)
    if quoted:
        who = quoted.group("who")
        return quoted.group("title").strip(), who if who and split_speakers(who) else None
    title, who = strip_by_suffix(heading)
    if who:
        return title, who
    lowered = heading.lower()
    end = len(lowered)
    while (index := lowered.rfind(" by ", 0, end)) > 0:
        head, tail = heading[:index].strip(" ,:;"), heading[index + 4:].strip()
        first = _FIRST_ITEM.split(_clean(tail), maxsplit=1)[0].strip(" .")
        if head and looks_like_name(first, 2, 5) and split_speakers(tail):
            return head, tail
        end = index
    return heading, None


def strip_by_suffix(title: str) -> tuple[str, str | None]:
    """Return (title, speakers text) of "Title by A and B from Org"; speakers None if there are none.

    " by " needs only full names after it; " - ", " with " also need a "from/of Org" tail, since
    "Working with Pandas DataFrames" or "PyPy - Current Status" must keep their titles.
    """
    title = " ".join(title.split())
    lowered = title.lower()
    for separator, needs_org in _TITLE_SEPARATORS:
        end = len(lowered)
        while (index := lowered.rfind(separator, 0, end)) > 0:
            head, tail = title[:index].strip(" ,:;"), title[index + len(separator):].strip()
            if head and _is_speaker_suffix(tail, needs_org):
                return head, tail
            end = index
    return title, None
