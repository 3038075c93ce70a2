"""Asking the Bot API who the bot is (getMe), for the commands that need its @username:
`lantern doctor`, `lantern admin add`, `lantern cards`; and one plain line for any failed
call (`lantern profile`)."""

from __future__ import annotations

from bot.config import Config


class BotAnswer:
    """What the Bot API said about the bot: its username, or one plain line naming what
    failed (never a library's traceback), and a warning for what only looks worse."""

    def __init__(self, username: str = "", problem: str = "", warning: str = "") -> None:
        self.username = username
        self.problem = problem
        self.warning = warning


def call_failed(method: str, exc: BaseException, token: str = "") -> str:
    """One plain line for a failed call: the method and what happened ("setMyName: the
    Bot API refused it: Not Found (InvalidToken)"), never a traceback nor the token."""
    from telegram.error import InvalidToken, NetworkError, TelegramError

    kind = type(exc).__name__
    said = " ".join(str(exc).split())[:160]
    if token:
        said = said.replace(token, "<token>")
    if isinstance(exc, InvalidToken) and method == "getMe":
        line = f"{method}: Telegram refused the token"
    elif isinstance(exc, InvalidToken):
        # PTB's name for any 404: after getMe took the token, it means the server does
        # not have this method; the token is fine.
        return f"{method}: the server does not offer this method ({said or 'Not Found'})"
    elif isinstance(exc, NetworkError | OSError):
        line = f"{method}: no usable answer from the Bot API" + (f": {said}" if said else "")
    elif isinstance(exc, TelegramError):
        line = f"{method}: the Bot API refused it" + (f": {said}" if said else "")
    else:
        # PTB could not build the answer into its objects: what the server sent is not
        # what the Bot API describes (the error's own words quote the library, not it).
        line = f"{method}: the answer could not be read"
    return f"{line} ({kind})"


async def bot_username(config: Config, *, commands: bool = False) -> BotAnswer:
    """The bot's @username through getMe, or what went wrong (no token, no answer, an
    answer that cannot be read or is not a bot's).

    With `commands`, also getMyCommands (harmless: it changes nothing), as `lantern run`
    sets the command menu at start: a failure there is only a warning, since the bot
    serves people without its menu.
    """
    if not config.token:
        return BotAnswer(problem="no token is set")
    from telegram import Bot

    method = "getMe"
    try:
        async with Bot(config.token.reveal(), base_url=config.base_url) as bot:
            me = bot.bot
            if me.is_bot is not True:
                return BotAnswer(problem="getMe: the answer does not describe a bot")
            if not me.username:
                return BotAnswer(problem="getMe: the answer has no username")
            warning = ""
            if commands:
                method = "getMyCommands"
                try:
                    listed = await bot.get_my_commands()
                    if not isinstance(listed, tuple | list):
                        raise TypeError("not a list")
                except Exception as exc:  # any failure here is cosmetic
                    warning = call_failed(method, exc, config.token.reveal())
                method = "getMe"
            return BotAnswer(username=me.username, warning=warning)
    except Exception as exc:  # every failure becomes one plain line, never a traceback
        return BotAnswer(problem=call_failed(method, exc, config.token.reveal()))
