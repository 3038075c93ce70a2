"""No library log record, at any level, can carry what people sent."""

from __future__ import annotations

import io
import logging

from bot import logs

CANARY = "Canary-Rosa-Whitfield-4242"


def test_library_records_lose_their_arguments_and_error_messages():
    stream = io.StringIO()
    logs.configure("DEBUG", stream=stream)
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    keep = Keep()
    library = logging.getLogger("telegram.ext.ExtBot")
    library.setLevel(logging.DEBUG)  # as if an operator had turned it up
    library.addHandler(keep)
    try:
        library.debug("Call to `%s` finished with return value `%s`", "getUpdates", [CANARY])
        library.critical("Error while parsing updates! Received data was %r", [{"t": CANARY}])
        try:
            raise ValueError(f"bad value {CANARY}")
        except ValueError:
            library.exception("Parsing failed")
        logging.getLogger("asyncio").error(
            f"Task exception was never retrieved\nfuture: <Task exception={CANARY!r}>"
        )
    finally:
        library.removeHandler(keep)
        library.setLevel(logging.NOTSET)
    output = stream.getvalue()
    raw = "".join(f"{r.getMessage()} {r.args} {r.exc_info} {r.exc_text}" for r in seen)
    assert CANARY not in output and CANARY not in raw
    assert "Error while parsing updates! Received data was %r [details withheld]" in output
    assert "Parsing failed (ValueError)" in output
    assert "Task exception was never retrieved [details withheld]" in output


def test_lanterns_own_records_keep_their_words():
    stream = io.StringIO()
    logs.configure("DEBUG", stream=stream)
    logging.getLogger("lantern.test").info("content reloaded: %d entries", 106)
    assert "content reloaded: 106 entries" in stream.getvalue()
