"""A local Telegram Bot API emulator for end-to-end tests and `lantern console`."""

from emulator.faults import (
    TRANSIT_FAULTS,
    Fault,
    FaultKind,
    FaultPlan,
    PlanRecord,
    SeededPlan,
    combine,
    fail_first,
    for_methods,
)
from emulator.hostile import Hostile
from emulator.html import HTMLError, ParsedText, parse_html
from emulator.models import EmuChat, EmuMessage, EmuUser, UploadedFile
from emulator.server import BotAPIEmulator, EmulatorTimeout
from emulator.spec import BotAPISpec, default_spec_path
from emulator.state import EmuEvent, MalformedKind

__all__ = [
    "TRANSIT_FAULTS",
    "BotAPIEmulator",
    "BotAPISpec",
    "EmuChat",
    "EmuEvent",
    "EmuMessage",
    "EmuUser",
    "EmulatorTimeout",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "HTMLError",
    "Hostile",
    "MalformedKind",
    "ParsedText",
    "PlanRecord",
    "SeededPlan",
    "UploadedFile",
    "combine",
    "default_spec_path",
    "fail_first",
    "for_methods",
    "parse_html",
]
