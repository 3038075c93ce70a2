"""Contact details made partial: enough to recognise, not enough to reach or identify.

Phone numbers are found and normalised by `phonenumbers` (the port of Google's
libphonenumber), never by a home-made pattern: numbers are written differently in every
country. A phone keeps its country code, its first national digit and its last four
digits (`+34 6•• •• 45 67`), so a partial search by the last digits finds it; an e-mail
keeps its first letter and its domain's last part (`j•••@•••.com`); a handle its first
two and last two characters (`@bi•••77`); a plate its first four characters (`AB12 •••`).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from moderation.identifying import _SPACED, _WORD, _is_plate

MASK = "•"
KEEP_LAST_DIGITS = 4
KEEP_PLATE = 4
# Region slugs that are countries, for reading numbers written without their +code.
_COUNTRY_ALIASES = {"uk": "GB", "gb": "GB"}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z_][A-Za-z0-9_.]{2,31}")


def country_of(region: str) -> str | None:
    """The ISO country a region slug names, if it names one (`es`, `uk`, `mx`...)."""
    slug = region.strip().lower()
    if slug in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[slug]
    code = slug.upper()
    if len(code) == 2 and code in phonenumbers.SUPPORTED_REGIONS:
        return code
    return None


def parse_phone(raw: str, country: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def normalise_phone(raw: str, country: str | None) -> str | None:
    """E.164 (`+34612344567`), or None when it is not a possible phone number."""
    number = parse_phone(raw, country)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number else None


def _mask_digits(text: str, keep_first: int, keep_last: int) -> str:
    """Replace every digit but the first `keep_first` and the last `keep_last`."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    hidden = set(positions[keep_first : max(keep_first, len(positions) - keep_last)])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def mask_phone(raw: str, country: str | None) -> str:
    """`+34 612 34 45 67` -> `+34 6•• •• 45 67`. A number phonenumbers cannot read keeps
    only its last four digits, whatever its shape."""
    number = parse_phone(raw, country)
    if number is None:
        return _mask_digits(raw.strip(), 0, KEEP_LAST_DIGITS)
    shown = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    code, _, national = shown.partition(" ")
    if not national:
        return _mask_digits(shown, 0, KEEP_LAST_DIGITS)
    return f"{code} {_mask_digits(national, 1, KEEP_LAST_DIGITS)}"


def mask_email(raw: str) -> str:
    local, _, domain = raw.strip().partition("@")
    tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{local[:1]}{MASK * 3}@{MASK * 3}.{tld}" if tld else f"{local[:1]}{MASK * 3}@{MASK * 3}"


def mask_handle(raw: str) -> str:
    name = raw.strip().lstrip("@")
    if len(name) <= 4:
        return "@" + name[:1] + MASK * 3
    return f"@{name[:2]}{MASK * 3}{name[-2:]}"


def mask_plate(raw: str) -> str:
    """The first four letters or digits stay, the rest become dots (spaces kept)."""
    out, kept = [], 0
    for ch in raw.strip().upper():
        if ch.isalnum():
            out.append(ch if kept < KEEP_PLATE else MASK)
            kept += 1
        else:
            out.append(ch)
    return "".join(out)


def mask_text(text: str, country: str | None) -> str:
    """Free text with every phone number, e-mail, handle and plate in it masked.

    Already-masked fragments are left as they are, so masking twice changes nothing.
    """
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _HANDLE.sub(lambda m: mask_handle(m.group(0)), text)
    pieces: list[str] = []
    copied = 0
    for match in PhoneNumberMatcher(text, country, leniency=Leniency.POSSIBLE):
        pieces.append(text[copied : match.start])
        pieces.append(mask_phone(match.raw_string, country))
        copied = match.end
    pieces.append(text[copied:])
    text = "".join(pieces)
    # Runs of digits phonenumbers did not take for a number (a foreign one without its
    # +code, say) still never show more than their last four digits when long enough to
    # reach someone: counted, not pattern-matched, so no country's format is assumed.
    text = _long_digit_runs(text)
    for pattern in (_SPACED, _WORD):
        text = pattern.sub(
            lambda m: mask_plate(m.group(0)) if _is_plate(m.group(0)) else m.group(0), text
        )
    return text


def _long_digit_runs(text: str, longest: int = 6) -> str:
    """Any run of more than `longest` digits (separators inside allowed) loses all but
    its last four digits."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if not text[i].isdigit():
            out.append(text[i])
            i += 1
            continue
        j, digits = i, 0
        end = i
        while j < len(text) and (
            text[j].isdigit() or (text[j] in " -." and j + 1 < len(text) and text[j + 1].isdigit())
        ):
            if text[j].isdigit():
                digits += 1
                end = j + 1
            j += 1
        run = text[i:end]
        out.append(_mask_digits(run, 0, KEEP_LAST_DIGITS) if digits > longest else run)
        i = end
    return "".join(out)


def compact(text: str) -> str:
    """For partial search: lower case, and no spaces, dashes or dots between characters,
    so `45 67` in `+34 6•• •• 45 67` is found by `4567`, and `ab12` finds `AB12 •••`."""
    return re.sub(r"[\s\-.()]+", "", text.casefold())
