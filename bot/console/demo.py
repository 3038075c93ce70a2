"""`lantern console --demo`: the scripted tour. A team invites a moderator, writes a
tip, meets the two-person rule, approves it and finds it; each step's texts are checked,
and the first one missing fails the tour (exit status 1)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.console.input import Console
from bot.console.render import write
from bot.i18n import catalogue, t
from emulator import HTMLError, parse_html


@dataclass(frozen=True)
class DemoStep:
    """What the tour types, and the texts each person must have been shown meanwhile."""

    title: str
    lines: tuple[str, ...]
    # (person, text): the text, or one of several (the flows may change wording).
    expect: tuple[tuple[int, str | tuple[str, ...]], ...]
    # After the lines: answers screens as they come; returns a problem, or None.
    then: Callable[[Console], Awaitable[str | None]] | None = None


DEMO_TITLE = "Night van: free naloxone"
DEMO_BODY = (
    "The outreach van parks by the station on Friday nights, 10pm to 2am.",
    "Ask for the kit: no name, no ID, no questions.",
)


def plain(html: str) -> str:
    """A locale string as users read it (markup removed), whitespace run together."""
    try:
        text = parse_html(html).text
    except HTMLError:
        text = html
    return " ".join(text.split())


def demo_steps(lang: str = "en") -> list[DemoStep]:
    """The tour, with button labels and expected texts from the locale files."""

    def s(key: str, **values: object) -> str:
        return t(lang, key, **values)

    queue = s("mod.btn.queue", count=1)
    join = s("mod.join.ask_name")
    invite_text = plain(s("mod.invite.link", role=s("mod.role.moderator"), link=""))
    return [
        DemoStep(
            "A user, person 3, opens Lantern, taps 🆘 and searches",
            ("/as 3", "/start", f"/press {s('btn.helpnow')}", "overdose"),
            ((3, s("btn.helpnow")), (3, plain(s("helpnow.title"))), (3, "“overdose”")),
        ),
        DemoStep(
            "The operator makes person 1 an admin (`lantern admin add` on a server)",
            ("/as 1", "/admin", "Ada"),
            (
                (1, plain(join)),
                (1, plain(s("mod.join.done", role=s("mod.role.admin"), name="Ada"))),
            ),
        ),
        DemoStep(
            "Person 1 invites a moderator from the moderator menu",
            ("/mod", f"/press {s('mod.btn.team')}", f"/press {s('mod.btn.invite_mod')}"),
            ((1, invite_text),),
        ),
        DemoStep(
            "Person 2 opens the invite link and joins",
            ("/as 2", "/open", "Sam"),
            (
                (2, plain(join)),
                (2, plain(s("mod.join.done", role=s("mod.role.moderator"), name="Sam"))),
            ),
        ),
        DemoStep(
            "Person 2 writes a local tip (the region is the first one offered)",
            ("/mod", f"/press {s('mod.btn.new')}"),
            (
                (2, plain(s("mod.new.preview"))),
                (2, DEMO_BODY[1]),
                (2, plain(s("mod.new.submitted"))),
            ),
            then=lambda console: write_tip(console, lang),
        ),
        DemoStep(
            "The two-person rule: person 2 cannot approve their own tip",
            ("/mod", f"/press {queue}", f"/press {DEMO_TITLE}"),
            (
                (
                    2,
                    (
                        plain(s("mod.problem", problem=s("moderation_error.own_tip"))),
                        *_locale_start(lang, "mod.queue.waiting"),
                    ),
                ),
            ),
            # Where the author is offered Approve at all, the tour tries it.
            then=lambda console: press_if_offered(console, s("mod.btn.approve")),
        ),
        DemoStep(
            "Person 1 reviews it and approves: it is live at once",
            (
                "/as 1",
                "/mod",
                f"/press {queue}",
                f"/press {DEMO_TITLE}",
                f"/press {s('mod.btn.approve')}",
            ),
            ((1, plain(s("mod.approved"))),),
        ),
        DemoStep(
            "Person 3 finds the tip by searching",
            ("/as 3", "night van naloxone", f"/press {DEMO_TITLE}"),
            ((3, DEMO_TITLE), (3, DEMO_BODY[1])),
        ),
    ]


def _locale_start(lang: str, *keys: str) -> list[str]:
    """What each existing string starts with, up to its first placeholder, as users read it
    (to recognise a screen whatever its numbers and names)."""
    table = catalogue()
    found = []
    for key in keys:
        raw = table.get(lang, {}).get(key) or table["en"].get(key)
        if raw:
            found.append(plain(raw.split("{")[0]))
    return [start for start in found if start]


async def write_tip(console: Console, lang: str) -> str | None:
    """Answer the new-tip wizard screen by screen, the way a moderator would: first region,
    the overdose topic, a safety tip in `lang`, DEMO_TITLE and DEMO_BODY, six months, no
    search words, Submit. Screens are recognised by their locale strings, not their order."""
    from knowledge.taxonomy import TOPICS

    def labels_of(*keys: str, **values: object) -> list[str]:
        found = []
        for key in keys:
            with contextlib.suppress(KeyError):
                found.append(" ".join(t(lang, key, **values).split()))
        return found

    safety = TOPICS["safety"]
    topic = labels_of(f"topic.{'overdose' if 'overdose' in safety else safety[0]}")[0]
    language = " ".join(t(lang, "language_name").split())
    # Buttons to press wherever they show up (a chosen one is marked ✅, so not again).
    buttons = [
        labels_of("mod.new.submit"),
        labels_of("mod.new.months", months=6),
        labels_of("mod.w.kind.tip", "mod.new.kind.tip"),
        [language],
    ]
    asks = [
        (_locale_start(lang, "mod.w.ask.title", "mod.new.ask_title"), DEMO_TITLE),
        (_locale_start(lang, "mod.w.ask.body", "mod.new.ask_body"), "\\\n".join(DEMO_BODY)),
        (_locale_start(lang, "mod.w.ask.keywords"), ""),
    ]
    regions = _locale_start(lang, "mod.w.region", "mod.new.region")
    skip = labels_of("mod.w.skip")
    done = labels_of("btn.done")
    previous = ""
    for _ in range(30):
        messages = [m for m in console.emulator.bot_messages(console.current.user) if not m.deleted]
        if not messages:
            return "the tip wizard did not answer"
        message = messages[-1]
        text = " ".join(message.text.split())
        labels = [
            " ".join(str(b.get("text", "")).split()) for row in message.keyboard() for b in row
        ]
        screen = text + "|" + "|".join(labels)
        if screen == previous:
            return f"the tip wizard did not move on from “{text[:120]}”"
        previous = screen
        if any(start in text for start in _locale_start(lang, "mod.new.submitted")):
            return None
        typed: str | None = None
        for wanted in buttons:
            if any(label in labels for label in wanted):
                typed = f"/press {next(label for label in wanted if label in labels)}"
                break
        if typed is None and topic in labels and f"✅ {topic}" not in labels:
            typed = f"/press {topic}"
        elif typed is None and f"✅ {topic}" in labels and done and done[0] in labels:
            typed = f"/press {done[0]}"
        if typed is None:
            for starts, answer in asks:
                if any(start in text for start in starts):
                    typed = answer or (f"/press {skip[0]}" if skip else "naloxone, van, kit")
                    break
        if typed is None and any(start in text for start in regions):
            typed = "1"
        if typed is None:
            return f"the tip wizard showed a screen the tour does not know: “{text[:120]}”"
        await type_line(console, typed)
    return "the tip wizard took more than 30 answers"


async def press_if_offered(console: Console, label: str) -> str | None:
    """Press `label` if the speaker's latest message has it; never a problem if not."""
    messages = [m for m in console.emulator.bot_messages(console.current.user) if not m.deleted]
    wanted = " ".join(label.split())
    if messages and any(
        " ".join(str(b.get("text", "")).split()) == wanted
        for row in messages[-1].keyboard()
        for b in row
    ):
        await type_line(console, f"/press {label}")
    return None


async def type_line(console: Console, text: str) -> None:
    """Show `text` at the prompt, as typed (a \\ and newline go on the next line), and do it."""
    for index, line in enumerate(text.split("\n")):
        prompt = console.current.prompt if index == 0 else "... "
        write(console.out, f"{prompt}{line}\n")
    await console.handle(text.replace("\\\n", "\n"))


async def run_demo(console: Console, steps: Sequence[DemoStep] | None = None) -> int:
    """Type each step's lines, then check its expected texts; 0, or 1 at the first miss."""
    steps = list(steps) if steps is not None else demo_steps()
    out = console.out
    write(out, f"A tour in {len(steps)} steps: each types into the console as shown.\n\n")
    for number, step in enumerate(steps, 1):
        heading = f"== Step {number}/{len(steps)}: {step.title}"
        write(out, heading + "\n\n")
        mark = len(console.shown)
        for text in step.lines:
            await type_line(console, text)
        problem = await step.then(console) if step.then is not None else None
        console.flush_deletions()
        if problem:
            write(out, f"\nDEMO FAILED at step {number} ({step.title}): {problem}.\n")
            return 1
        seen = console.shown[mark:]
        for person, wanted in step.expect:
            chat = console.people[person].user.id if person in console.people else None
            texts = [
                " ".join(w.split()) for w in ((wanted,) if isinstance(wanted, str) else wanted)
            ]
            if not any(c == chat and w in shown for c, shown in seen for w in texts):
                either = " or ".join(f"“{w}”" for w in texts)
                write(
                    out,
                    f"\nDEMO FAILED at step {number} ({step.title}): person {person} was "
                    f"not shown {either}.\n",
                )
                return 1
        write(out, f"   ✓ step {number} done\n\n")
    write(out, f"The tour is done: all {len(steps)} steps showed what they should.\n")
    return 0
