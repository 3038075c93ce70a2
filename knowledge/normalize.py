"""Text normalisation shared by indexing and queries, for any script."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# The words a run of ideographs (three or more, as typed) stands for; see `query_tokens`.
Segmenter = Callable[[str], list[str]]

# Long enough for any real question; hostile input is cut before it costs anything.
MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 12

STOPWORDS: frozenset[str] = frozenset(
    """
    a an the and or but if of to in on at by for from with without about as into onto is
    are was were be been being am do does did doing have has had i me my mine you your
    yours he him his she her hers it its we us our they them their this that these those
    what which who whom whose when where why how can could should would will shall may
    might must not no so than too very just there here get got any some all please help
    need want know tell im dont cant wont u ur pls plz
    el la los las lo un una unos unas y o u pero si de del al a en con sin por para sobre
    como que qué cual cuál quien quién cuando cuándo donde dónde porque es son fue era ser
    estar estoy esta está están he ha han hay yo me mi mis tu tus te se su sus nos nuestro
    le les este esta estos estas ese esa eso muy mas más ya no ni tengo tiene puedo puede
    quiero necesito hacer hago algo alguien q k x soy consigo conseguir
    """.split()
) | frozenset(
    # Portuguese, Romanian and French: the little words a query of a few words is mostly
    # made of, which would otherwise outweigh the one word that says what is needed.
    """
    eu voce meu minha seu sua um uma os as do da dos das na nos nas pra pro isso isto esse
    essa ele ela mim tô ta tb vc onde oq faco quero preciso posso tenho fazer acho
    sa ma mi dupa aici acum pot poate vreau sunt este cum unde care cu din pe si nu fiu imi
    gasesc
    ti il ii lui ei al ale asta acest aceasta n
    je j tu il elle on nous vous ils elles le les l une des du d et ou mon mes ton tes son
    ses ce c ca qu qui quoi est suis es ai dans pour par avec sans sur pas ne se s m t y moi
    toi comment veux veut peux peut faire dois aller
    """.split()
) | frozenset(
    # Chinese: pairs of characters that are question words and fillers ("怎么办" gives
    # 怎么 and 么办), in almost every text: they only drown the pairs that mean something.
    """
    怎么 么办 什么 是不 不是 我的 你的 可以 一个 这个 那个 如果 没有 我们 他们 一下 要不
    会不 吗 了 的 是 我 你 他 她 在 有 和 就 都 也 还 吧 呢 啊 该怎 应该 现在 知道 请问
    """.split()
)


def _mark_class() -> re.Pattern[str]:
    """A character class of every combining mark in the Basic Multilingual Plane."""
    ranges: list[tuple[int, int]] = []
    # One pass of C calls over the plane (this runs at every start), then the few marks.
    categories = map(unicodedata.category, map(chr, range(0x300, 0x10000)))
    marks = [code for code, cat in enumerate(categories, 0x300) if cat[0] == "M"]
    for code in marks:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    parts = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[{parts}]+")


_MARKS = _mark_class()
_NON_WORD = re.compile(r"[\W_]+")
# ASCII text folds with one C-speed table lookup per character: letters to lower case,
# everything but letters and digits to a space (what _NON_WORD does, ten times faster).
_ASCII_FOLD = {code: (chr(code).lower() if chr(code).isalnum() else " ") for code in range(128)}


def _decompose(text: str) -> str:
    """Case-folded, with accents and other combining marks removed."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    # Accents and Arabic vowel marks are combining marks once decomposed.
    return _MARKS.sub("", unicodedata.normalize("NFKD", folded))


# Chinese is written without spaces between words: a run of ideographs becomes its
# overlapping pairs ("警察局" -> "警察", "察局"), which match the words a query shares with
# a text without a dictionary (most Chinese words are two characters); one ideograph alone
# stays itself.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def _han_pairs(found: list[str]) -> list[str]:
    out: list[str] = []
    for word in found:
        if not _HAN.search(word):
            out.append(word)
            continue
        pos = 0
        for run in _HAN.finditer(word):
            if run.start() > pos:
                out.append(word[pos : run.start()])
            chars = run.group()
            if len(chars) == 1:
                out.append(chars)
            else:
                out.extend(chars[i : i + 2] for i in range(len(chars) - 1))
            pos = run.end()
        if pos < len(word):
            out.append(word[pos:])
    return out


def _is_pair(word: str) -> bool:
    return len(word) == 2 and _HAN.fullmatch(word) is not None


def _segmented(found: list[str], segment: Segmenter) -> list[str]:
    """`found` with each chain of overlapping ideograph pairs (a run as `words` cuts it,
    or as a query already cut into pairs arrives) replaced by the words of its run."""
    out: list[str] = []
    chain: list[str] = []

    def close() -> None:
        if len(chain) > 1:
            out.extend(segment(chain[0] + "".join(pair[1] for pair in chain[1:])))
        else:
            out.extend(chain)
        chain.clear()

    for word in found:
        if chain and not (_is_pair(word) and chain[-1][1] == word[0]):
            close()
        if _is_pair(word):
            chain.append(word)
        else:
            out.append(word)
    close()
    return out


def words(text: str) -> list[str]:
    """The folded words of a text: `fold(text).split()`, without building the string."""
    if text.isascii():
        return text.translate(_ASCII_FOLD).split()
    folded = _decompose(text)
    if folded.isascii():
        return folded.translate(_ASCII_FOLD).split()
    found = _NON_WORD.sub(" ", folded).split()
    return _han_pairs(found) if _HAN.search(folded) else found


def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Policía' -> 'policia', works in any script."""
    return " ".join(words(text))


def tokens(text: str, *, keep_stopwords: bool = False) -> list[str]:
    found = words(text)
    if keep_stopwords:
        return found
    return [w for w in found if w not in STOPWORDS]


def stem(word: str) -> str:
    """A light suffix strip (plurals, -ing, -ed) so 'cars', 'working' meet 'car', 'work'.

    Deliberately crude and language-blind: it is applied to both the index and the query,
    and the unstemmed word is always kept too, so it can only add matches.
    """
    if len(word) >= 6 and word.endswith("ing"):
        return word[:-3]
    if len(word) >= 5 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) >= 5 and word.endswith("ed"):
        return word[:-2]
    if len(word) >= 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def query_tokens(query: str, segment: Segmenter | None = None) -> list[str]:
    """Tokens of a user's query, bounded in length and count whatever they send.

    With `segment`, a run of ideographs is given as the words `segment` reads in it
    rather than as all its overlapping pairs, before stopwords go and the count is cut.
    """
    cut = query[:MAX_QUERY_CHARS]
    every = words(cut)
    if segment is not None and _HAN.search(cut):
        every = _segmented(every, segment)
    # A query of only stopwords ("help me") still means something.
    found = [w for w in every if w not in STOPWORDS] or every
    seen: list[str] = []
    for token in found:
        if token not in seen:
            seen.append(token)
    return seen[:MAX_QUERY_TOKENS]
