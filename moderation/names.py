"""Moderators' display names (valid, told apart by their look) and invite codes' hashes."""

from __future__ import annotations

import hashlib
import unicodedata

from moderation.drafts import clean
from moderation.errors import ModerationError

MAX_PSEUDONYM = 32


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def valid_pseudonym(name: str) -> str:
    name = clean(name)
    if not 1 <= len(name) <= MAX_PSEUDONYM or "\n" in name:
        raise ModerationError("name_length", limit=MAX_PSEUDONYM)
    if not name_key(name):
        raise ModerationError("name_invisible")
    return name


# Cyrillic and Greek letters that look like Latin ones (after casefolding), and a few
# Latin variants, so that "Stаr" with a Cyrillic а cannot pose as "Star". A small part of
# Unicode's confusables table: the letters that appear in names.
_CONFUSABLE = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɑ": "a", "ı": "i",
        "ɡ": "g", "ο": "o", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k",
        "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
        "ѵ": "v", "ʏ": "y", "ᴀ": "a",
    }
)  # fmt: skip
# Names the audit log and the review queue use for actions no moderator took.
_RESERVED_NAMES = frozenset({"server", "import"})


def name_key(name: str) -> str:
    """What a display name looks like, for telling names apart.

    Two names with the same key would be read as the same person in the audit log and
    the review queue, so only one moderator may hold each key. Folded: compatibility
    forms (NFKC: full-width, ligatures), case, invisible format characters, accents and
    other combining marks, look-alike Cyrillic and Greek letters, and runs of spaces.
    """
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.translate(_CONFUSABLE).split())


async def _name_taken(db, name: str, moderator_id: int | None) -> bool:
    """Whether another moderator, present or past, holds a name that looks like `name`.

    Past moderators count too: the audit log still shows their names.
    """
    key = name_key(name)
    if key in _RESERVED_NAMES:
        return True
    cursor = await db.execute("SELECT pseudonym FROM moderators WHERE id IS NOT ?", (moderator_id,))
    return any(name_key(row["pseudonym"]) == key for row in await cursor.fetchall())
