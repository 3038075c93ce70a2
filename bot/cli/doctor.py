"""`lantern doctor`: check configuration, token, content, database and data directory, and
say what to fix; `--health` is the quiet container health check."""

from __future__ import annotations

import argparse
import asyncio
import os

from bot import getme
from bot.cli.moderators import KEY_IN_DATA_DIR, moderator_key
from bot.config import Config
from bot.content import COMPILED_DIR, compiled_for, load_knowledge
from moderation.identity import legacy_moderators
from moderation.store import Store, StoreError


def check_setup(args: argparse.Namespace, config: Config) -> int:
    """Check configuration, token, content, database and data directory; say what to fix."""
    results: list[tuple[bool, str]] = []
    # What works, but not as it should: never "All good", yet `lantern run` starts.
    warnings: list[str] = []

    def check(ok: bool, good: str, fix: str) -> None:
        results.append((ok, good if ok else fix))

    data_dir = config.data_dir
    # Read what `lantern run` compiled, never write it: doctor may run as another user.
    kb, problems = load_knowledge(
        config.content_dir, compiled_in=data_dir / COMPILED_DIR, save=False
    )
    check(
        kb is not None,
        f"content: {len(kb.snapshot.entries) if kb else 0} entries, all valid",
        f"content: {len(problems)} problem(s); run `lantern validate` and fix them",
    )
    if data_dir.exists():
        mode = data_dir.stat().st_mode & 0o777
        check(
            os.access(data_dir, os.W_OK),
            f"data directory {data_dir} is writable",
            f"data directory {data_dir} is not writable by this user; fix its owner",
        )
        check(
            mode & 0o077 == 0,
            "data directory is private (no access for others)",
            f"data directory mode is {mode:o}; run `chmod 700 {data_dir}`",
        )

    async def database() -> tuple[bool, str]:
        try:
            store = await Store.open(data_dir)
        except StoreError as exc:
            return False, f"database: {exc}"
        try:
            version = await store.schema_version()
            integrity = await store.integrity_check()
            legacy = await legacy_moderators(store)
        finally:
            await store.close()
        if integrity != "ok":
            return False, f"database integrity check says {integrity!r}; restore a backup"
        upgrading = (
            f"; {legacy} moderator(s) still have old-style hashes, upgraded at their next /mod"
            if legacy
            else ""
        )
        return True, f"database: schema version {version}, integrity ok{upgrading}"

    ok, message = asyncio.run(database())
    results.append((ok, message))
    if not args.health:
        # Not in the health check: without a key users are still served (README).
        key, problem = moderator_key(config)
        if key is None:
            results.append((False, "moderator key: " + problem.replace("\n", "\n      ")))
        elif key.in_data_dir or key.legacy_file:
            results.append((False, f"moderator key: {KEY_IN_DATA_DIR}"))
        else:
            results.append((True, f"moderator key: from {key.source}, outside the data directory"))
        found = compiled_for(config.content_dir, data_dir / COMPILED_DIR) if kb else None
        results.append(
            (
                True,
                "compiled content: current, so restarts are fast"
                if found
                else "compiled content: none yet for these files; the next start makes it",
            )
        )
        if config.token:
            # What `lantern run` needs from the Bot API before it serves anyone: getMe, as
            # a bot. The command menu it sets next is cosmetic: a warning only.
            answer = asyncio.run(getme.bot_username(config, commands=True))
            check(
                bool(answer.username),
                f"token: accepted by the Bot API as @{answer.username}",
                f"token: {answer.problem}; check LANTERN_BOT_TOKEN and LANTERN_API_URL",
            )
            if answer.warning:
                warnings.append(
                    f"command menu: {answer.warning}; Lantern runs without its menu of "
                    "commands until the server allows it"
                )
            elif answer.username:
                results.append((True, "command menu: the bot can read it"))
        else:
            results.append((False, "token: LANTERN_BOT_TOKEN is not set; get one from @BotFather"))
        if config.webhook_url or config.webhook_secret:
            check(
                bool(config.webhook_url and config.webhook_secret),
                "webhook: URL and secret are set",
                "webhook: set both LANTERN_WEBHOOK_URL and LANTERN_WEBHOOK_SECRET",
            )
    if not args.health:
        # Check-ins live in the running bot's memory only; this process cannot see them.
        results.append(
            (
                True,
                "check-ins: kept in the running bot's memory, so doctor cannot count them; "
                "GET /healthz (webhook mode) gives the count in X-Lantern-Checkins, a stop "
                "logs it, and a restart cancels them (people and contacts are told)",
            )
        )
    healthy = all(ok for ok, _ in results)
    if args.health:
        return 0 if healthy else 1
    for ok, message in results:
        print(("ok    " if ok else "FIX   ") + message)
    for message in warnings:
        print("WARN  " + message)
    if not healthy:
        print("Fix the lines marked FIX, then run `lantern doctor` again.")
    elif warnings:
        print("Lantern can run, but see the lines marked WARN.")
    else:
        print("All good.")
    return 0 if healthy else 1
