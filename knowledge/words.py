"""How people write, as data (content/words.yaml): slang and synonyms, crisis words, small
talk, and the little words that tell one language from another.

Content writers and moderators extend the file; nothing here is tuned in code. Every
phrase is folded the way queries are (knowledge.normalize), so "Policía" and "policia"
are one phrase, and is matched as whole words: "cop" does not match inside "copy".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.loader import DEFAULT_CONTENT_DIR, WORDS_FILE, Problem, read_yaml
from knowledge.normalize import MAX_QUERY_CHARS, STOPWORDS, has_han, words
from knowledge.taxonomy import LANGUAGES

SMALL_TALK_KINDS = ("greeting", "thanks", "menu", "okay")
# Longest phrase, in words, that the file may hold: matching cost stays small and fixed.
MAX_PHRASE_WORDS = 6

# A crisis word typed with one slip ("mrir", "resira", "ehlp") is that word, from this
# many letters (a shorter word one slip from another is as likely another word).
SLIP_FROM = 4

Phrase = tuple[str, ...]
Urgency = Literal["now", "alone"]


@dataclass(frozen=True)
class Group:
    """Words that mean one thing; `main[lang]` is the word the content uses for it."""

    main: Mapping[str, str]
    phrases: Mapping[Phrase, str | None]  # each phrase, and its language (None: any)


@dataclass(frozen=True)
class Reading:
    """What a message says about itself, before any search."""

    urgent: Urgency | None  # "now": a crisis phrase; "alone": a word like "help", alone
    small_talk: str | None  # a kind from SMALL_TALK_KINDS when that is all it says
    language: str | None  # the language most of its telling words belong to


@dataclass(frozen=True)
class Words:
    groups: tuple[Group, ...] = ()
    # Every synonym phrase: its group (an index into groups) and its language, if only one.
    synonyms: Mapping[Phrase, tuple[int, str | None]] = field(default_factory=dict)
    crisis: Mapping[Phrase, Urgency] = field(default_factory=dict)
    small_talk: Mapping[Phrase, str] = field(default_factory=dict)
    markers: Mapping[str, str] = field(default_factory=dict)  # word -> its language
    filler: frozenset[str] = frozenset()  # words that never change what a message means

    def read(self, text: str, lang: str, known: Callable[[str], bool] | None = None) -> Reading:
        """How to read `text` typed by someone whose interface is in `lang`.

        With `known` (whether a word is a word of the content), a crisis word typed with
        a slip counts as that word, unless the word typed is itself one the content
        knows: someone in danger types fast, but "looked in" is not "locked in".
        """
        found = words(text[:MAX_QUERY_CHARS])
        urgent: Urgency | None = None
        covered = [False] * len(found)
        options = [(word,) for word in found] if known is None else self._crisis_slips(found, known)
        # Every place is tried, overlaps too: "help me pego" holds "help me" and "me pego".
        for i in range(len(found)):
            match = self._crisis_at(options, i)
            if match is not None:
                covered[i : i + len(match[0])] = [True] * len(match[0])
                if urgent != "now":
                    urgent = match[1]
        if urgent is not None:
            # Only crisis words ("sos", "help please"): Need help now itself. Among other
            # words, a crisis phrase puts it first; "help" there is just a word.
            if self._only(found, covered):
                urgent = "alone"
            elif urgent == "alone":
                urgent = None
        counts: dict[str, int] = {}
        for word in found:
            language = self.markers.get(word)
            if language is not None:
                counts[language] = counts.get(language, 0) + 1
        for _phrase, (_group, language) in _matches(found, self.synonyms, [False] * len(found)):
            if language is not None:
                counts[language] = counts.get(language, 0) + 1
        if has_han(text):
            # Chinese script says which language it is better than any word list could.
            counts["zh"] = counts.get("zh", 0) + len(found)
        language = _leading(counts, lang)
        return Reading(urgent, self._small_talk(found), language)

    def rewrite(self, text: str, lang: str) -> str:
        """The query as the content of `lang` words it: slang from another language is
        replaced by the content's word, slang in `lang` gets the content's word added."""
        found = words(text[:MAX_QUERY_CHARS])
        kept: list[str] = []
        added: list[str] = []
        i = 0
        while i < len(found):
            match = _match_at(found, i, self.synonyms)
            if match is None:
                kept.append(found[i])
                i += 1
                continue
            phrase, (group, language) = match
            main = self.groups[group].main.get(lang)
            if language is not None and language != lang and main:
                kept.append(main)  # a word of the other language, in this one
            else:
                kept.extend(phrase)
                if main and not _within(tuple(main.split()), found):
                    added.append(main)
            i += len(phrase)
        # The person's own words first: when a query is cut to size, theirs stay.
        return " ".join(dict.fromkeys([*kept, *added]))

    @functools.cached_property
    def _crisis_index(self) -> tuple[dict[str, list[Phrase]], tuple[str, ...]]:
        """Crisis phrases by their first word, longest first; and the words of crisis
        phrases long enough to be typed with a slip."""
        by_first: dict[str, list[Phrase]] = {}
        for phrase in sorted(self.crisis, key=len, reverse=True):
            by_first.setdefault(phrase[0], []).append(phrase)
        every = {word for phrase in self.crisis for word in phrase}
        return by_first, tuple(sorted(w for w in every if len(w) >= SLIP_FROM))

    def _crisis_slips(
        self, found: list[str], known: Callable[[str], bool]
    ) -> list[tuple[str, ...]]:
        """For each word of `found`, the crisis words it may be: itself, and any crisis
        word one slip from it when it is no word of the content nor a little word.
        Nothing is kept (privacy invariant)."""
        _, long_enough = self._crisis_index
        options = []
        for word in found:
            if len(word) < SLIP_FROM or word in STOPWORDS or known(word):
                options.append((word,))
                continue
            close = process.extract(word, long_enough, scorer=OSA.distance, score_cutoff=1)
            options.append((word, *(crisis_word for crisis_word, _, _ in close)))
        return options

    def _crisis_at(self, options: list[tuple[str, ...]], i: int) -> tuple[Phrase, Urgency] | None:
        """The longest crisis phrase starting at word `i`, each of its words one of the
        words that word may be."""
        by_first, _ = self._crisis_index
        best: Phrase | None = None
        for first in options[i]:
            for phrase in by_first.get(first, ()):
                if best is not None and len(phrase) <= len(best):
                    break
                rest = options[i + 1 : i + len(phrase)]
                if len(rest) == len(phrase) - 1 and all(
                    word in choices for word, choices in zip(phrase[1:], rest, strict=True)
                ):
                    best = phrase
                    break
        return None if best is None else (best, self.crisis[best])

    def _only(self, found: list[str], covered: list[bool]) -> bool:
        """Whether every word was matched, or is one that changes nothing ("please")."""
        return all(seen or word in self.filler for word, seen in zip(found, covered, strict=True))

    def _small_talk(self, found: list[str]) -> str | None:
        if not found:
            return None
        covered = [False] * len(found)
        kinds = [kind for _, kind in _matches(found, self.small_talk, covered)]
        if not kinds or not self._only(found, covered):
            return None
        return "thanks" if "thanks" in kinds else kinds[0]


def _match_at(
    found: list[str], i: int, phrases: Mapping[Phrase, object]
) -> tuple[Phrase, Any] | None:
    """The longest phrase of `phrases` starting at word `i`."""
    for size in range(min(MAX_PHRASE_WORDS, len(found) - i), 0, -1):
        phrase = tuple(found[i : i + size])
        if phrase in phrases:
            return phrase, phrases[phrase]
    return None


def _matches(
    found: list[str], phrases: Mapping[Phrase, object], covered: list[bool]
) -> Iterable[tuple[Phrase, object]]:
    """Phrases of `phrases` in `found`, longest first at each place; marks their words."""
    i = 0
    while i < len(found):
        match = _match_at(found, i, phrases)
        if match is None:
            i += 1
            continue
        for j in range(i, i + len(match[0])):
            covered[j] = True
        yield match
        i += len(match[0])


def _within(phrase: Phrase, found: list[str]) -> bool:
    size = len(phrase)
    return any(tuple(found[i : i + size]) == phrase for i in range(len(found) - size + 1))


def _leading(counts: dict[str, int], lang: str) -> str | None:
    """The query's language when its words say so clearly; None when they do not."""
    if not counts:
        return None
    best = max(counts, key=lambda code: (counts[code], code == lang))
    # Another language only when it leads every other, the phone's included: one word
    # of Portuguese and one of Spanish in a Romanian message say neither.
    others = max((n for code, n in counts.items() if code != best), default=0)
    if best != lang and counts[best] <= max(others, counts.get(lang, 0)):
        return None
    return best


# ----- reading the file ------------------------------------------------------------------


def _phrase(value: object) -> Phrase:
    return tuple(words(str(value)))


def _phrases(
    value: object, where: str, line: int, problems: list[Problem], what: str
) -> list[Phrase]:
    if not isinstance(value, list) or not value:
        problems.append(Problem(where, line, f"{what}: expected a list of words or phrases"))
        return []
    found = []
    for item in value:
        if not isinstance(item, str | int) or isinstance(item, bool):
            problems.append(
                Problem(where, getattr(item, "line", line), f"{what}: {item!r} is not text")
            )
            continue
        phrase = _phrase(item)
        if not phrase:
            problems.append(Problem(where, line, f"{what}: {item!r} has no words"))
        elif len(phrase) > MAX_PHRASE_WORDS:
            problems.append(
                Problem(where, line, f"{what}: '{item}' is longer than {MAX_PHRASE_WORDS} words")
            )
        else:
            found.append(phrase)
    return found


def _lined(data: object, key: str) -> int:
    line_of = getattr(data, "line_of", None)
    return line_of(key) if line_of else 1


def parse(data: object, where: str) -> tuple[Words, list[Problem]]:
    """Words from the file's data; problems as `path:line: message`."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return Words(), [Problem(where, 1, "expected a mapping with 'synonyms', 'crisis', ...")]
    unknown = set(data) - {"synonyms", "crisis", "small_talk", "markers", "filler"}
    for key in sorted(map(str, unknown)):
        problems.append(Problem(where, _lined(data, key), f"unknown key '{key}'"))

    groups: list[Group] = []
    synonyms = data.get("synonyms", [])
    if not isinstance(synonyms, list):
        problems.append(Problem(where, _lined(data, "synonyms"), "synonyms: expected a list"))
        synonyms = []
    for item in synonyms:
        line = getattr(item, "line", _lined(data, "synonyms"))
        if not isinstance(item, dict) or not set(item) <= set(LANGUAGES) or not item:
            problems.append(
                Problem(
                    where, line, f"a synonym group maps languages ({', '.join(LANGUAGES)}) to lists"
                )
            )
            continue
        main: dict[str, str] = {}
        phrases: dict[Phrase, str | None] = {}
        for code, listed in item.items():
            for phrase in _phrases(listed, where, _lined(item, code), problems, f"synonyms {code}"):
                main.setdefault(code, " ".join(phrase))
                # A phrase listed in two languages ("test", "pep") tells no language apart.
                phrases[phrase] = None if phrase in phrases and phrases[phrase] != code else code
        groups.append(Group(main, phrases))

    crisis: dict[Phrase, Urgency] = {}
    section = data.get("crisis", {})
    if not isinstance(section, dict):
        problems.append(
            Problem(where, _lined(data, "crisis"), "crisis: expected 'now' and 'alone'")
        )
        section = {}
    for urgency in ("now", "alone"):
        for listed in (section.get(urgency) or {}).values():
            for phrase in _phrases(
                listed, where, _lined(section, urgency), problems, f"crisis {urgency}"
            ):
                crisis[phrase] = urgency  # type: ignore[assignment]

    talk: dict[Phrase, str] = {}
    section = data.get("small_talk", {})
    for kind, by_lang in section.items() if isinstance(section, dict) else ():
        if kind not in SMALL_TALK_KINDS:
            problems.append(
                Problem(
                    where,
                    _lined(section, kind),
                    f"small_talk: '{kind}' is not one of {', '.join(SMALL_TALK_KINDS)}",
                )
            )
            continue
        for listed in (by_lang or {}).values():
            for phrase in _phrases(
                listed, where, _lined(section, kind), problems, f"small_talk {kind}"
            ):
                talk[phrase] = kind

    markers: dict[str, str] = {}
    ambiguous: set[str] = set()
    for code, listed in (data.get("markers") or {}).items():
        if code not in LANGUAGES:
            problems.append(
                Problem(where, _lined(data, "markers"), f"markers: unknown language '{code}'")
            )
            continue
        for phrase in _phrases(listed, where, _lined(data, "markers"), problems, f"markers {code}"):
            for word in phrase:
                if markers.get(word, code) != code:
                    ambiguous.add(word)
                markers[word] = code
    for word in ambiguous:
        del markers[word]

    filler = frozenset(
        word
        for phrase in _phrases(
            data.get("filler", ["please"]), where, _lined(data, "filler"), problems, "filler"
        )
        for word in phrase
    )
    synonyms: dict[Phrase, tuple[int, str | None]] = {}
    for number, group in enumerate(groups):
        for phrase, language in group.phrases.items():
            synonyms.setdefault(phrase, (number, language))
    return Words(tuple(groups), synonyms, crisis, talk, markers, filler), problems


@functools.cache
def shipped_words() -> Words:
    """The shipped file's words (checked by the tests and by `lantern validate`)."""
    found, problems = load(DEFAULT_CONTENT_DIR)
    if problems:
        raise ValueError("\n".join(map(str, problems)))
    return found


def load(directory: Path | str | None = None) -> tuple[Words, list[Problem]]:
    """The content directory's words.yaml, or the shipped one where it has none."""
    root = Path(directory) if directory is not None else DEFAULT_CONTENT_DIR
    path = root / WORDS_FILE
    if not path.exists():
        path = DEFAULT_CONTENT_DIR / WORDS_FILE
    problems: list[Problem] = []
    data = read_yaml(path, str(path), problems)
    if problems:
        return Words(), problems
    found, more = parse(data, str(path))
    return found, more
