"""A local Telegram Bot API emulator for end-to-end tests and `lantern console`."""

from bot.emulator.faults import Fault, FaultPlan, fail_first
from bot.emulator.html import HTMLError, ParsedText, parse_html
from bot.emulator.models import EmuChat, EmuMessage, EmuUser, UploadedFile
from bot.emulator.server import BotAPIEmulator, EmulatorTimeout
from bot.emulator.spec import BotAPISpec, default_spec_path
from bot.emulator.state import EmuEvent

__all__ = [
    "BotAPIEmulator",
    "BotAPISpec",
    "EmuChat",
    "EmuEvent",
    "EmuMessage",
    "EmuUser",
    "EmulatorTimeout",
    "Fault",
    "FaultPlan",
    "HTMLError",
    "ParsedText",
    "UploadedFile",
    "default_spec_path",
    "fail_first",
    "parse_html",
]
