"""What a query word stands for: the word typed first, its inflections, and longer or
misspelled words only where they cannot outweigh it."""

from __future__ import annotations

import dataclasses
import functools

from knowledge.loader import load_or_raise
from knowledge.model import Entry, Snapshot, Text
from knowledge.search import SearchIndex
from knowledge.taxonomy import EXAMPLE_REGION


@functools.cache
def _template() -> Entry:
    shipped = load_or_raise()
    return next(e for e in shipped.entries if EXAMPLE_REGION not in e.regions)


def entry(number: int, title: str, body: str = "") -> Entry:
    text = Text(title=title, body=body or title, keywords=())
    return dataclasses.replace(
        _template(), id=f"e{number:04d}", texts={"en": text, "es": text}, origin="test"
    )


def index_of(*entries: Entry) -> SearchIndex:
    return SearchIndex(Snapshot(entries=entries, regions=load_or_raise().regions))


def ids(hits) -> list[str]:
    return [hit.entry.id for hit in hits]


def filler(count: int, word: str, start: int) -> list[Entry]:
    return [entry(start + n, f"{word} note {n}", f"{word} and other words") for n in range(count)]


def test_a_rarer_longer_word_does_not_outrank_the_word_typed():
    # "free" is common, "freezes" rare: the rarer word would weigh more if it counted as
    # "free" at its own rarity.
    common = filler(40, "free", 100)
    wanted = entry(1, "Free legal advice")
    other = entry(2, "Account freezes and frozen payments")
    index = index_of(other, wanted, *common)
    assert "e0002" not in ids(index.search("free legal", lang="en", limit=3))
    assert ids(index.search("free legal", lang="en", limit=1)) == ["e0001"]


def test_a_known_word_still_finds_its_inflections():
    index = index_of(entry(1, "Condones gratis"), entry(2, "Otra cosa"))
    assert ids(index.search("condon", lang="es", limit=3)) == ["e0001"]


def test_a_known_word_does_not_stand_for_other_words_it_begins():
    index = index_of(entry(1, "Transporte nocturno"), entry(2, "Trans health clinic"))
    assert ids(index.search("trans", lang="en", limit=3)) == ["e0002"]


def test_a_word_cut_short_still_finds_the_longer_word():
    # "transpor" is no word of the content: someone stopped typing.
    index = index_of(entry(1, "Transporte nocturno"), entry(2, "Trans health clinic"))
    assert ids(index.search("transpor", lang="es", limit=3)) == ["e0001"]


def test_a_misspelling_holds_more_slips_the_longer_the_word():
    index = index_of(entry(1, "Police stop"), entry(2, "Housing help"))
    assert ids(index.search("polcie", lang="en", limit=3)) == ["e0001"]  # one swap
    assert ids(index.search("polcei", lang="en", limit=3)) == ["e0001"]  # two in six letters
    # Five letters typed, two slips from "police": more likely another word than this.
    assert ids(index.search("pliec", lang="en", limit=3)) == []
    # A long word may hold three, as words spelled as they sound do.
    long_word = index_of(entry(1, "Streetlight corner"), entry(2, "Housing help"))
    assert ids(long_word.search("streetlite", lang="en", limit=3)) == ["e0001"]


def test_three_hits_show_different_things_when_scores_are_close():
    from knowledge.search.ranking import SAME_TOPICS, _varied

    a, b, c = entry(1, "a"), entry(2, "b"), entry(3, "c")
    b = dataclasses.replace(b, topics=a.topics)  # about the same as a
    c = dataclasses.replace(c, topics=("money",) if a.topics != ("money",) else ("housing",))
    close = [(90.0, a), (89.0, b), (88.0, c)]
    assert [e.id for _, e in _varied(close, 3)] == ["e0001", "e0003", "e0002"]
    # Each is scored as it was placed, so scores still fall down the list.
    assert [s for s, _ in _varied(close, 3)] == [90.0, 88.0, 89.0 * SAME_TOPICS]
    # A clearly better hit about the same keeps its place.
    far = [(90.0, a), (89.0, b), (89.0 * SAME_TOPICS - 1, c)]
    assert [e.id for _, e in _varied(far, 3)] == ["e0001", "e0002", "e0003"]
    assert [s for s, _ in _varied(far, 3)] == [90.0, 89.0 * SAME_TOPICS, 89.0 * SAME_TOPICS - 1]
    assert [e.id for _, e in _varied(close, 1)] == ["e0001"]


def test_varied_places_each_hit_as_scoring_every_hit_again_would():
    """Placing hits by looking only at the first fresh and the first repeated topic gives
    what scoring every hit left at each step gives, ties to the earlier hit included."""
    import random

    from knowledge.search.ranking import SAME_TOPICS, _varied

    def every_hit(ranked, limit):
        left, shown, out = list(ranked), set(), []
        while left and len(out) < limit:
            placed = [s * (SAME_TOPICS if e.topics in shown else 1.0) for s, e in left]
            best = max(range(len(left)), key=lambda i: (placed[i], -i))
            _, chosen = left.pop(best)
            shown.add(chosen.topics)
            out.append((placed[best], chosen))
        return out

    rng = random.Random(7)
    topics = [("money",), ("housing",), ("arrest",), ("money", "housing")]
    for case in range(300):
        scores = sorted(
            (rng.choice([40.0, 60.0, 75.0, 80.0, 100.0]) for _ in range(12)), reverse=True
        )
        ranked = [
            (s, dataclasses.replace(entry(n + 1, "t"), topics=rng.choice(topics)))
            for n, s in enumerate(scores[: rng.randint(0, 12)])
        ]
        for limit in (1, 3, 5, 10):
            assert _varied(ranked, limit) == every_hit(ranked, limit), (case, limit)


def test_short_words_with_one_slip_are_found():
    index = index_of(entry(1, "Kids and custody"), entry(2, "Housing help"))
    assert ids(index.search("kads", lang="en", limit=3)) == ["e0001"]  # a letter changed
    assert ids(index.search("kdis", lang="en", limit=3)) == ["e0001"]  # two swapped
    assert ids(index.search("kid", lang="en", limit=3)) == ["e0001"]  # one dropped
    assert ids(index.search("ki", lang="en", limit=3)) == []  # too short to guess


def test_every_kind_of_slip_counts_the_same():
    index = index_of(entry(1, "Police stop"), entry(2, "Housing help"))
    vocabulary = index._expander.vocabulary

    def police(query: str) -> float:
        return dict((vocabulary[n], s) for n, s in index.expand(query)).get("police", 0.0)

    # A letter dropped, two swapped, one changed, one added: one slip each.
    assert 0 < police("plice") == police("polcie") == police("polixe") == police("poliice") < 1
    assert police("police") == 1.0
    assert ids(index.search("polcie", lang="en", limit=3)) == ["e0001"]


def test_a_misspelled_little_word_of_a_question_goes_as_stopwords_do():
    index = index_of(entry(1, "Police stop"), entry(2, "Wheat bread"))
    # "whhat" is "what" with a slip, not "wheat": it says nothing about what is asked.
    assert ids(index.search("whhat police", lang="en", limit=3)) == ["e0001"]
    assert ids(index.search("witout police", lang="en", limit=3)) == ["e0001"]
    # Alone, it is all there is to go on.
    assert ids(index.search("whhat", lang="en", limit=3)) == ["e0002"]


def test_of_spellings_as_close_the_word_in_more_entries_is_the_one_meant():
    # Eight words one slip from "cose", each in one tip (a peer's slip, a name), and
    # "code" in many: "cose" must stand for "code", the likeliest meant, although the
    # rarer words come first in the alphabet and only a few close words are tried.
    rare = ["aose", "bose", "case", "cise", "cmse", "coae", "cobe", "cole"]
    entries = [entry(n, f"{word} note", f"{word} and more") for n, word in enumerate(rare)]
    codes = [entry(100 + n, f"Phone code {n}", "unlock code for the phone") for n in range(30)]
    index = index_of(*entries, *codes)
    vocabulary = index._expander.vocabulary
    assert "code" in {vocabulary[n] for n, _ in index.expand("cose")}
    assert any(i.startswith("e01") for i in ids(index.search("phone cose", lang="en", limit=10)))


def test_a_word_known_only_from_a_few_tips_is_also_the_common_word_it_is_one_slip_from():
    # 1,000 tips; "cleint" (a slip peers make) is in 4, "client" in 200. A query typed
    # with the same slip finds the tips about clients, not only the ones with the slip.
    slips = [entry(n, f"Cleint note {n}", "the cleint and the weather") for n in range(4)]
    wanted = entry(10, "Screening a client before a date", "screening client safety")
    clients = [entry(100 + n, f"Client payment {n}", "client money") for n in range(199)]
    screening = [entry(400 + n, f"Screening guide {n}", "screening calls") for n in range(100)]
    rest = [entry(600 + n, f"Other subject {n}", "other words") for n in range(696)]
    index = index_of(*slips, wanted, *clients, *screening, *rest)
    assert ids(index.search("screening cleint", lang="en", limit=3))[0] == "e0010"


def test_a_misspelling_weighs_as_the_likely_word_not_as_a_rare_one_further_away():
    # 1,000 tips: "pruiba" is one slip from "prueba" (in 40) and two from "piba" (in
    # one). The rarer word would weigh more if it counted at its own rarity; the one
    # meant is the common word one slip away.
    rare = entry(1, "Piba vih", "una piba y el vih")
    tests = [entry(100 + n, f"Prueba de vih {n}", "prueba de vih gratis") for n in range(40)]
    rest = [entry(200 + n, f"Otro tema {n}", "vih y otras cosas") for n in range(959)]
    index = index_of(rare, *tests, *rest)
    expander = index._expander
    # What each word adds to a document holding it: its rarity, similarity and cap.
    weights = {
        expander.vocab.words[term]: float(expander.stats.idf[term]) * similarity * cap
        for term, similarity, cap in expander.expand("pruiba")
    }
    assert weights["piba"] < weights["prueba"]
    found = ids(index.search("pruiba de vih", lang="es", limit=3))
    assert found and all(i.startswith("e01") for i in found)
    # Typed as itself, the rare word is what is asked for.
    assert ids(index.search("piba vih", lang="es", limit=1)) == ["e0001"]


def test_in_a_small_base_a_few_entries_more_do_not_outweigh_a_slip_less():
    # "souvenir" is one slip from "soutenir" (in 2 tips) and two from "souvent" (in 12):
    # so few entries say little about which is meant, the slip says more.
    near = [entry(n, f"Soutenir {n}", "soutenir une amie") for n in range(2)]
    far = [entry(10 + n, f"Souvent {n}", "souvent la nuit") for n in range(12)]
    rest = [entry(100 + n, f"Autre chose {n}", "autre chose") for n in range(30)]
    index = index_of(*near, *far, *rest)
    expander = index._expander
    caps = {expander.vocab.words[t]: cap for t, _, cap in expander.expand("souvenir")}
    assert caps["soutenir"] == 1.0
    assert caps["souvent"] < 1.0


def _without_coordination(monkeypatch, index, query):
    import knowledge.search.ranking as ranking

    with monkeypatch.context() as patched:
        patched.setattr(ranking, "COORDINATION", 0.0)
        return index.search(query, lang="en", limit=3)


def _search_without_coordination(monkeypatch, index, query):
    return ids(_without_coordination(monkeypatch, index, query))


def test_an_entry_holding_every_word_asked_comes_before_one_rare_word_in_a_title(monkeypatch):
    # "hostel" is rare: an entry with it in the title alone outweighs, by summed weights,
    # one about the eviction that also names the hostel. A person asking both words
    # means the second.
    common = filler(9, "eviction", 100)
    rare_title = entry(1, "Hostel bunk beds")
    both = entry(2, "Eviction notice", "eviction from a hostel room: what to do")
    noise = filler(30, "weather", 200)
    index = index_of(rare_title, both, *common, *noise)
    assert _search_without_coordination(monkeypatch, index, "hostel eviction")[0] == "e0001"
    assert ids(index.search("hostel eviction", lang="en", limit=3))[0] == "e0002"
    # A word held under another spelling is held: the misspelling stands for it, so the
    # entry holding both keeps its whole score and the one holding one word does not.
    scores = {h.entry.id: h.score for h in index.search("hostle eviction", lang="en", limit=3)}
    plain = {
        h.entry.id: h.score for h in _without_coordination(monkeypatch, index, "hostle eviction")
    }
    assert scores["e0002"] == plain["e0002"]
    assert scores["e0001"] < plain["e0001"]
    # One word asked: nothing to hold together, the rare title still answers first.
    assert ids(index.search("hostel", lang="en", limit=3))[0] == "e0001"


def test_coordination_orders_hits_and_never_hides_one(monkeypatch):
    # "Harbour" alone is close enough to show (its own score is well above 0.4 of the
    # best); placed by the one word of three it holds, it falls below that line, and
    # must still be shown, after the entry holding every word.
    def about(number: int, title: str, topics: tuple[str, ...], body: str = "") -> Entry:
        return dataclasses.replace(entry(number, title, body), topics=topics)

    wanted = about(1, "Harbour ferry timetable", ("housing",))
    partial = about(2, "Harbour", ("money",))
    noise = [
        about(200 + n, f"weather note {n}", ("alerts",), "ferry timetable changes")
        for n in range(8)
    ]
    index = index_of(wanted, partial, *noise)
    hits = index.search("harbour ferry timetable", lang="en", limit=10)
    assert ids(hits) == ["e0001", "e0002"]
    assert hits[1].score < hits[0].score * 0.4  # placed below the line, yet shown
    assert ids(_without_coordination(monkeypatch, index, "harbour ferry timetable")) == [
        "e0001",
        "e0002",
    ]
