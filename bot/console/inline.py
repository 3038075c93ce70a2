"""Inline mode: what typing "@bot WORDS" in any chat shows (`/inline`), and sending one
of the results (`/pick N`)."""

from __future__ import annotations

from bot.console.actions import Actions
from bot.console.render import INDENT, render_message, wrap, write
from emulator import EmuMessage, HTMLError, parse_html


class Inline(Actions):
    """A console session, with inline mode."""

    async def inline(self, words: str) -> None:
        """Inline mode: the results the bot offers for `@bot words`."""
        person = self.current
        emulator = self.emulator
        query_id = await self.act(emulator.send_inline_query(person.user, words))
        answer = emulator.inline_answers.get(str(query_id)) if query_id else None
        if answer is None:
            self._say("(the bot gave no inline results)")
            return
        results = [r for r in answer.get("results", []) if isinstance(r, dict)]
        person.inline_results = results
        lines = [f"Inline results for “{words}”" + (" (/pick N sends one):" if results else ":")]
        for number, result in enumerate(results, 1):
            lines.append(wrap(f"[{number}] {result.get('title', result.get('type', ''))}", INDENT))
            if result.get("description"):
                lines.append(wrap(str(result["description"]), INDENT * 3))
        if not results:
            lines.append(INDENT + "(none)")
        button = answer.get("button")
        if isinstance(button, dict) and button.get("text"):
            opens = button.get("start_parameter")
            suffix = f" (opens Lantern: /start {opens})" if opens else ""
            lines.append(wrap(f"Above the results: “{button['text']}”{suffix}", INDENT))
        write(self.out, "\n".join(lines) + "\n\n")

    def pick(self, rest: str) -> None:
        results = self.current.inline_results
        if not results:
            self._say("(no inline results to pick from: /inline WORDS first)")
            return
        if not rest.isdigit() or not 1 <= int(rest) <= len(results):
            self._say(f"(/pick 1 to {len(results)})")
            return
        result = results[int(rest) - 1]
        content = result.get("input_message_content") or {}
        source = str(content.get("message_text", ""))
        if content.get("parse_mode") == "HTML":
            try:
                parsed = parse_html(source)
                text, entities = parsed.text, tuple(parsed.entities)
            except HTMLError as exc:
                self._say(f"[spec] inline result {rest}: {exc}")
                text, entities = source, ()
        else:
            text, entities = source, ()
        chat = self.emulator.private_chat(self.current.user)
        markup = result.get("reply_markup")
        message = EmuMessage(0, chat, "user", 0, text=text, html=source, entities=entities)
        message.reply_markup = markup if isinstance(markup, dict) else None
        self._remember_link(message)
        header = (
            f"Person {self.current.label} sent, via @{self.bot_username}, "
            "in the chat where they typed it:"
        )
        rendered = render_message(message, header=header)
        write(self.out, rendered)
        if self.last_link and any("url" in b for row in message.keyboard() for b in row):
            self._say(
                "(whoever taps its button opens Lantern: /open follows the link as the "
                "current person)"
            )
            write(self.out, "\n")
