"""Does a tip or a report note look like it names someone? Phone numbers, licence plates,
e-mail addresses and @usernames.

A heads-up before sending, not a filter: the person is asked "send anyway, or edit?", so
a miss or a false alarm costs little. The rules lean towards not crying wolf at the
numbers tips are full of: prices ("150", "1.500.000", "1500-2000"), times ("10:30",
"10.30-11.45", "9pm"), dates ("12/03", "2026-03-12", "12.03.2026"), "24/7", years
("2019-2024"), doses ("100mg") and short numbers ("1-800"). A full phone number, hotline
or not, is flagged: the person decides.
"""

from __future__ import annotations

import re

PHONE, PLATE, EMAIL, HANDLE = "phone", "plate", "email", "handle"
KINDS = (PHONE, PLATE, EMAIL, HANDLE)

MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15  # the longest number E.164 allows

# Digits with the separators people write numbers with (space, dash, dot, parentheses),
# at most three separator characters between two digits ("555 - 0101"), optionally
# after a "+". Not a colon or a slash: "10:30", "12/03" and "24/7" are never numbers.
_NUMBER = re.compile(r"(?<![\w.,])\+?\(?\d(?:[ ().\-]{0,3}\d)+\)?(?![\w])")
_DATE = re.compile(r"\d{1,4}([.\-])\d{1,2}\1\d{2,4}")  # 2026-03-12, 12.03.2026, 12-03-26
_TIME_RANGE = re.compile(r"\d{1,2}[.:]\d{2} ?- ?\d{1,2}[.:]\d{2}")  # 10.30-11.45
_THOUSANDS = re.compile(r"\d{1,2}(?:\.\d{3})+")  # 1.500.000 (written Spanish style)
_RANGE = re.compile(r"(\d{2,5}) ?- ?(\d{2,5})")  # 1500-2000, 2019-2024 (or 555-0101)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A username: @ then a letter or underscore ("@5pm" is a time), not inside an address.
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z_][A-Za-z0-9_.]{2,31}")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)

# One word of letters and digits, perhaps in two parts joined by a dash: ABC123, 7ABC123,
# ABC-1234. And the plate shapes written as two words, in capitals only ("call 1234 now"
# is not a plate): AB12 CDE (UK), 1234 ABC (Spain), ABC 123 (US).
_WORD = re.compile(r"(?<![\w@.\-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?(?![\w@\-])")
_SPACED = re.compile(
    r"(?<![\w@.\-])(?:[A-Z]{2}\d{2} [A-Z]{3}|\d{4} [A-Z]{3}|[A-Z]{3} \d{3,4})(?![\w@\-])"
)
# Numbers with a unit, ordinals and the like: "100mg", "2pm", "3rd", "24h", "2x", "20yo".
_UNIT = re.compile(
    r"\d+(?:mg|mcg|ug|ml|cl|l|g|kg|lb|lbs|oz|mm|cm|m|km|mi|h|hr|hrs|hs|min|mins|s|seg|"
    r"am|pm|st|nd|rd|th|er|o|a|x|k|usd|eur|gbp|mxn|yo|y)",
    re.I,
)
_TIMES = re.compile(r"\d+x\d+")
# Words, currencies and acronyms that mix letters and digits or sit beside a number.
_NOT_PLATES = frozenset(
    {
        "covid19", "covid-19", "sars-cov-2", "h1n1", "mp3", "mp4", "4g", "5g", "b12",
        "usd", "eur", "gbp", "mxn", "ars", "cop", "clp", "pen", "cad", "aud", "pesos",
        "euros", "hiv", "std", "sti", "ets", "its", "vih", "prep", "pep", "nhs", "rte",
        "apt", "am", "pm", "hrs", "min", "mins", "año", "anos", "años", "tel",
    }
)  # fmt: skip


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _is_phone(candidate: str) -> bool:
    digits = _digits(candidate)
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return False
    bare = candidate.strip("()")
    if candidate.startswith("+"):
        return True  # "+34 ...": nobody writes a price or a date like that
    if _DATE.fullmatch(bare) or _TIME_RANGE.fullmatch(bare) or _THOUSANDS.fullmatch(bare):
        return False
    ranged = _RANGE.fullmatch(bare)
    if ranged:
        low, high = ranged.groups()
        years = all(len(n) == 4 and 1900 <= int(n) <= 2099 for n in (low, high))
        round_ = all(n.endswith("00") and not n.startswith("0") for n in (low, high))
        if years or round_:
            return False
    return True


def _is_plate(word: str) -> bool:
    compact = word.replace(" ", "").replace("-", "")
    if not 5 <= len(compact) <= 8:
        return False
    parts = re.split(r"[ \-]", word.lower())
    if word.lower() in _NOT_PLATES or any(part in _NOT_PLATES for part in parts):
        return False
    if all(part.isdigit() or _UNIT.fullmatch(part) or _TIMES.fullmatch(part) for part in parts):
        return False  # "10am-2pm", "100mg", "2x100"
    if not (word.isupper() or word.islower()):
        return False  # "iPhone14": plates are written in one case
    letters = sum(c.isalpha() for c in compact)
    digits = sum(c.isdigit() for c in compact)
    return letters >= 1 and digits >= 2


def identifying_details(text: str) -> list[str]:
    """The kinds of identifying detail `text` seems to hold, in the order of KINDS:
    "phone", "plate", "email", "handle". An empty list when none is seen."""
    found: set[str] = set()
    emails = _EMAIL.findall(text)
    if emails:
        found.add(EMAIL)
    rest = _EMAIL.sub(" ", text)
    if _HANDLE.search(rest):
        found.add(HANDLE)
    if any(_is_phone(m.group(0)) for m in _NUMBER.finditer(rest)):
        found.add(PHONE)
    words = _URL.sub(" ", _HANDLE.sub(" ", rest))
    plates = [*_WORD.finditer(words), *_SPACED.finditer(words)]
    if any(_is_plate(m.group(0)) for m in plates):
        found.add(PLATE)
    return [kind for kind in KINDS if kind in found]
