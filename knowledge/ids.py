"""What entry ids, region slugs and language codes look like: one definition for the
loader and for the adapter's buttons and deep links.

The patterns keep `^...$` with `re.match`, exactly as every copy did before they were
gathered here: `$` also matches before a final newline, so "es\\n" passes; what follows
(a lookup in the content or the language list) is what turns such a value away.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

ENTRY_ID_MAX = 48
REGION_MAX = 31

# An entry id: 3 to 48 characters, starting and ending with a letter or digit.
ENTRY_ID = re.compile(rf"^[a-z0-9](?:[a-z0-9-]{{1,{ENTRY_ID_MAX - 2}}})[a-z0-9]$")
# A region slug: 1 to 31 characters, starting with a letter or digit.
REGION = re.compile(rf"^[a-z0-9][a-z0-9-]{{0,{REGION_MAX - 1}}}$")
LANG = re.compile(r"^[a-z]{2}$")
# Any id or slug a button or a deep link may carry (entry, topic or region): the shape
# they share, up to the longest of them (an entry id). Looser than ENTRY_ID and REGION on
# purpose: a value of the right shape that names nothing is turned away by the lookup.
SLUG = re.compile(rf"^[a-z0-9][a-z0-9-]{{0,{ENTRY_ID_MAX - 1}}}$")


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """A suggestion naming up to three close `known` words, ' (did you mean a, b?)', or
    '': for the messages that refuse an unknown topic, region or entry id (`validate`,
    `cards`, `search`)."""
    close = difflib.get_close_matches(word, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""
