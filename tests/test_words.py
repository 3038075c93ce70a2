"""How people write (knowledge/words.py, content/words.yaml): reading a message before
any search, and a broken words file reported as `path:line: message`."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.content import load_knowledge, load_snapshot
from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.taxonomy import LANGUAGES
from knowledge.words import load, parse, shipped_words


def test_whole_words_only():
    words = shipped_words()
    assert words.read("copy of my lease", "en").urgent is None
    assert words.rewrite("copy", "en") == "copy"  # "cop" is not inside "copy"
    assert words.rewrite("cops", "en") == "cops police"


def test_slang_of_the_other_language_becomes_the_contents_word():
    words = shipped_words()
    # "police" is French too, so it stays; the Spanish content's word is added.
    assert words.rewrite("la police me quito el phone", "es") == (
        "la police me quito el telefono policia"
    )
    assert words.rewrite("Policía", "en") == "policia police"


def test_the_language_of_a_query():
    words = shipped_words()
    assert words.read("me pegó un cliente", "en").language == "es"
    assert words.read("necesito abogado gratis", "en").language == "es"
    assert words.read("what do i do if cops stop me", "es").language == "en"
    assert words.read("narcan", "es").language is None  # one word of both: no switch
    # The interface language wins a tie: a mixed query stays where the person is.
    assert words.read("police policia", "es").language in (None, "es")
    # Two other languages level with each other: neither is clearly the query's.
    assert words.read("o sa-mi ia copilul", "ro").language is None


def test_crisis_and_small_talk():
    words = shipped_words()
    assert words.read("SOS", "en").urgent == "alone"
    assert words.read("help please", "en").urgent == "alone"
    assert words.read("help with my rent", "en").urgent is None
    assert words.read("my friend is not breathing", "en").urgent == "now"
    assert words.read("help me pego el cliente", "es").urgent == "now"
    assert words.read("help me pego", "es").urgent == "alone"
    assert words.read("hola!", "es").small_talk == "greeting"
    assert words.read("ok thanks", "en").small_talk == "thanks"
    assert words.read("hola necesito condones", "es").small_talk is None


def test_a_broken_words_file_is_reported_with_its_line(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    (content / "words.yaml").write_text(
        "synonyms:\n"
        "  - en: [police, cops]\n"
        "    de: [bullen]\n"
        "crisis:\n"
        "  now:\n"
        '    en: [sos, ""]\n'
        "small_talk:\n"
        "  chitchat:\n"
        "    en: [hi]\n"
        "nonsense: 1\n",
        encoding="utf-8",
    )
    _, problems = load(content)
    shown = [str(p) for p in problems]
    path = str(content / "words.yaml")
    assert f"{path}:2: a synonym group maps languages ({', '.join(LANGUAGES)}) to lists" in shown
    assert any(s.startswith(f"{path}:5: crisis now") and "no words" in s for s in shown)
    assert f"{path}:8: small_talk: 'chitchat' is not one of greeting, thanks, menu, okay" in shown
    assert f"{path}:10: unknown key 'nonsense'" in shown
    # Broken words are broken content: not served, and every problem is said.
    snapshot, said = load_snapshot(content)
    assert snapshot is None and set(shown) <= set(said)
    kb, said = load_knowledge(content)
    assert kb is None and said


def test_a_content_folder_without_a_words_file_uses_the_shipped_one(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    (content / "words.yaml").unlink()
    kb, problems = load_knowledge(content)
    assert problems == [] and kb is not None
    assert kb.read("sos", "en").urgent == "alone"


def test_not_a_mapping():
    found, problems = parse(["a", "list"], "words.yaml")
    assert [str(p) for p in problems] == [
        "words.yaml:1: expected a mapping with 'synonyms', 'crisis', ..."
    ]
    assert found.read("sos", "en").urgent is None


def test_order_yaml_puts_what_is_needed_first(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    (content / "order.yaml").write_text(
        "first:\n  - overdose-fentanyl-never-use-alone\n", encoding="utf-8"
    )
    kb, problems = load_knowledge(content)
    assert problems == [] and kb is not None
    assert kb.topic("overdose")[0].id == "overdose-fentanyl-never-use-alone"
    shipped, _ = load_knowledge(DEFAULT_CONTENT_DIR)
    assert shipped.topic("overdose")[0].id == "overdose-opioids-naloxone"


def test_order_yaml_naming_a_missing_entry_is_an_error(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    (content / "order.yaml").write_text("first:\n  - no-such-entry\n", encoding="utf-8")
    snapshot, said = load_snapshot(content)
    assert snapshot is None
    assert said == [f"{content / 'order.yaml'}:1: first: no entry has the id 'no-such-entry'"]
    (content / "order.yaml").write_text("last: []\n", encoding="utf-8")
    kb, said = load_knowledge(content)
    assert kb is None and "expected one key, 'first'" in said[0]
