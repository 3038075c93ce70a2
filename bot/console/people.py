"""The simulated people: each a Telegram user of the emulator, numbered as `/as` knows
them, and switching between them (`/as N [LANG]`, `/as NAME`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from bot.console.render import wrap, write
from bot.i18n import languages

if TYPE_CHECKING:
    from emulator import BotAPIEmulator, EmuUser

_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?")


@dataclass
class Person:
    """One simulated Telegram user, numbered as `/as` knows them."""

    number: int
    user: EmuUser
    name: str = ""
    inline_results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}" if self.name else str(self.number)

    @property
    def prompt(self) -> str:
        return f"[{self.label} {self.user.language_code or '-'}] > "


class People:
    """The first layer of a console session: its people and who is speaking."""

    def __init__(self, emulator: BotAPIEmulator, out: TextIO, language_code: str = "en") -> None:
        self.emulator = emulator
        self.out = out
        self.language_code = language_code
        self.people: dict[int, Person] = {}
        self.current = self._new_person(1, "", language_code)

    def _new_person(self, number: int, name: str, language_code: str) -> Person:
        user = self.emulator.new_user(name or f"Person {number}", language_code=language_code)
        person = Person(number, user, name)
        self.people[number] = person
        return person

    def person_of_chat(self, chat_id: int | None) -> Person | None:
        for person in self.people.values():
            if person.user.id == chat_id:
                return person
        return None

    @property
    def bot_username(self) -> str:
        return self.emulator.username

    def switch(self, rest: str) -> None:
        words = rest.split()
        if not words:
            for person in self.people.values():
                marker = "  <- speaking" if person is self.current else ""
                self._say(
                    f"person {person.label}, Telegram language {person.user.language_code}{marker}"
                )
            return
        language = None
        if len(words) > 1 and _LANGUAGE_CODE.fullmatch(words[-1]):
            language = words.pop()
        who = " ".join(words)
        person: Person | None
        if who.isdigit():
            person = self.people.get(int(who))
            number, name = int(who), ""
        else:
            person = next((p for p in self.people.values() if p.name.lower() == who.lower()), None)
            number, name = max(self.people) + 1, who
        if number < 1:
            self._say("(people are numbered from 1)")
            return
        if person is None:
            person = self._new_person(number, name, language or self.language_code)
            self._say(
                f"(person {person.label} is new here, Telegram language "
                f"{person.user.language_code}: send /start to open Lantern, or /open a link)"
            )
        elif language and language != person.user.language_code:
            person.user.language_code = language
            self._say(f"(person {person.label}'s Telegram language is now {language})")
        if language and language.split("-")[0].split("_")[0] not in languages():
            self._say(f"(Lantern does not speak {language}; it answers in its default language)")
        self.current = person

    def _say(self, text: str) -> None:
        write(self.out, wrap(text, "") + "\n")
