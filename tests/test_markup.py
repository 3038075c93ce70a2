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
        (3, "a link must look like [text](https://...)"),
    ]


def test_overlapping_bold_and_italics_is_an_error():
    assert markup.check("**a _b** c_")


def test_html_tags_in_source_are_reported():
    problems = markup.check("hello\n<b>bold</b>")
    assert problems and problems[0].line == 1
