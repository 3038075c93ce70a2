import html
import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from knowledge import markup


def test_bold_italics_links_and_bullets_render_to_telegram_html():
    html = markup.to_html("Say **no** and _leave_ [here](https://example.org/a_b)\n\n- one\n- two")
    assert html == (
        'Say <b>no</b> and <i>leave</i> <a href="https://example.org/a_b">here</a>\n\n• one\n• two'
    )


def test_everything_else_is_escaped():
    html = markup.to_html('<script>alert(1)</script> & "x" < y')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html


def test_underscores_inside_words_are_text_not_italics():
    assert markup.to_html("snake_case_name") == "snake_case_name"


def test_paragraph_lines_join_and_blank_lines_separate():
    assert markup.to_html("one\ntwo\n\nthree") == "one two\n\nthree"


def test_plain_rendering_shows_link_targets():
    assert markup.to_plain("see [the site](https://example.org)") == (
        "see the site (https://example.org)"
    )


def test_check_reports_each_broken_line_with_its_number():
    problems = markup.check("fine\n**never closed\nok\n[x](http://insecure)")
    assert [(p.line, p.message) for p in problems] == [
        (1, "'**' is opened but never closed on this line"),
        (3, "a link must look like [text](https://...) or [text](entry:entry-id)"),
    ]


def test_overlapping_bold_and_italics_is_an_error():
    assert markup.check("**a _b** c_")


def test_html_tags_in_source_are_reported():
    problems = markup.check("hello\n<b>bold</b>")
    assert problems and problems[0].line == 1


def test_link_labels_take_inline_markup_but_not_nested_links():
    assert markup.to_html("[**big** _news_](https://example.org)") == (
        '<a href="https://example.org"><b>big</b> <i>news</i></a>'
    )
    assert markup.to_plain("a ***b** c") == "a *b c"


_PIECES = st.sampled_from(
    [*"ab _*[]()<>&\"'-é1", "**", "[x](https://e.org/q?a=1&b=2)", "](", "_a_", "\n", "\n\n- "]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_any_source_renders_to_balanced_safe_html_or_a_located_error(source):
    problems = markup.check(source)
    try:
        rendered = markup.to_html.__wrapped__(source)
    except markup.MarkupError as exc:
        assert any(p.line == exc.line for p in problems)
        return
    tags = re.findall(r"</?([a-z]+)[^>]*>", rendered)
    assert set(tags) <= {"b", "i", "a"}
    assert tags.count("b") % 2 == 0 and tags.count("i") % 2 == 0
    # Outside the tags Lantern made, every '<' and '&' of the source arrives escaped.
    text = re.sub(r"</?(?:b|i)>|<a href=\"[^\"]*\">|</a>", "", rendered)
    assert "<" not in text and ">" not in text
    assert not re.search(r"&(?!amp;|lt;|gt;)", text)
    plain = markup.to_plain.__wrapped__(source)
    assert html.unescape(text).replace(" ", "") == re.sub(
        r" \((https://[^)]*)\)", "", plain
    ).replace(" ", "")


_NO_MARKUP = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="*_[\x85"
)


@given(st.text(alphabet=_NO_MARKUP, max_size=200))
def test_text_without_markup_characters_is_only_escaped(source):
    line = source.strip()
    assume(line and not line.startswith("- "))
    assert markup.to_html.__wrapped__(line) == html.escape(line, quote=False)
