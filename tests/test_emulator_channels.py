"""The emulator's channels: posts with protect_content, edits, and a bot that may not post."""

from __future__ import annotations

from telegram import Bot
from telegram.error import Forbidden

from emulator import BotAPIEmulator

TOKEN = "7000000031:emulator-channels-token-0123456789ab"


async def test_a_channel_post_is_protected_and_editable():
    async with BotAPIEmulator(TOKEN) as emu:
        channel = emu.new_channel("Alerts · Spain")
        async with Bot(emu.token, base_url=emu.base_url) as bot:
            sent = await bot.send_message(
                channel.id, "<b>alert</b>", parse_mode="HTML", protect_content=True
            )
            assert sent.chat.type == "channel" and sent.from_user is None
            assert sent.sender_chat.id == channel.id and sent.has_protected_content
            await bot.edit_message_text("expired", chat_id=channel.id, message_id=sent.message_id)
        (post,) = emu.bot_messages(channel)
        assert post.text == "expired" and post.protect_content and post.edited
        assert emu.violations == []


async def test_a_channel_the_bot_cannot_post_in_refuses():
    async with BotAPIEmulator(TOKEN) as emu:
        channel = emu.new_channel("Closed", bot_can_post=False)
        async with Bot(emu.token, base_url=emu.base_url) as bot:
            try:
                await bot.send_message(channel.id, "hello")
            except Forbidden:
                pass
            else:
                raise AssertionError("a channel the bot cannot post in took a post")
        assert emu.bot_messages(channel) == []
