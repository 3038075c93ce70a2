"""`lantern admin`: invite moderators, list them, list and revoke open invites, remove a
moderator (a lost phone), and make or move the moderator key (outside the data
directory); and what `lantern doctor` says about that key."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot import getme
from bot.cli.data import with_store
from bot.config import BOT_USERNAME_ENV, Config
from moderation.identity import (
    LEGACY_KEY_FILE,
    FoundKey,
    ModeratorKeyError,
    erase_removed_legacy_hashes,
    inside,
    legacy_moderators,
    read_key_file,
    write_key_file,
)
from moderation.operators import (
    NotFound,
    find_moderator,
    open_invites,
    remove_moderator,
    revoke_invites,
)
from moderation.store import DB_NAME, Store, StoreError
from moderation.workflow import Moderation

NO_KEY_HELP = """\
no moderator key is set, so the bot could not recognise anyone as a moderator.
Create one outside the data directory, and give the same setting to `lantern run`:
  lantern admin new-key /etc/lantern/moderator.key
  export LANTERN_MODERATOR_KEY_FILE=/etc/lantern/moderator.key
(README, "Peer moderation": the key as a Docker or systemd secret.)"""
KEY_IN_DATA_DIR = (
    "the moderator key is in the data directory, so a copy of that disk or a backup holds "
    "both the hashes and the key; move it: `lantern admin migrate-key --to "
    "/etc/lantern/moderator.key`, then set LANTERN_MODERATOR_KEY_FILE to that path"
)


def moderator_key(config: Config) -> tuple[FoundKey | None, str]:
    """The configured key, or None and what to do about it."""
    try:
        found = config.find_moderator_key()
    except ModeratorKeyError as exc:
        return None, f"the moderator key cannot be used: {exc}"
    return found, "" if found is not None else NO_KEY_HELP


def manage_moderators(args: argparse.Namespace, config: Config) -> int:
    if args.admin_command == "new-key":
        return _new_key(args, config)
    if args.admin_command == "migrate-key":
        return _migrate_key(args, config)
    if args.admin_command == "add":
        found, problem = moderator_key(config)
        if found is None:
            print(f"lantern admin add: {problem}", file=sys.stderr)
            return 2
        if found.in_data_dir or found.legacy_file:
            print(f"lantern: warning: {KEY_IN_DATA_DIR}", file=sys.stderr)

    async def add(moderation: Moderation) -> int:
        code = await moderation.create_invite(args.role)
        username, problem = config.bot_username, ""
        if not username:
            answer = await getme.bot_username(config)
            username, problem = answer.username, answer.problem
        print(f"One-time {args.role} invite, valid for 48 hours.")
        if username:
            print("Open it in Telegram:")
            print(f"  https://t.me/{username}?start={code}")
            return 0
        print("Send it to the bot in Telegram (the whole line):")
        print(f"  /start {code}")
        asked = f" ({problem})" if config.token and problem else ""
        # The invite works anyway: only the link's username is missing.
        print(
            f"lantern admin add: no link, since the bot's username is unknown{asked}; set "
            f"{BOT_USERNAME_ENV} to the NAME in t.me/NAME (or LANTERN_BOT_TOKEN) to get one",
            file=sys.stderr,
        )
        return 0

    async def listing(moderation: Moderation) -> int:
        moderators = await moderation.moderators()
        if not moderators:
            print("No moderators yet: run `lantern admin add` for an admin's invite.")
        for moderator in moderators:
            print(f"#{moderator.id:<4} {moderator.role:<10} {moderator.pseudonym}")
        invites = await open_invites(moderation)
        if invites:
            print(f"{len(invites)} open invite(s): `lantern admin invites` lists them.")
        return 0

    async def invites(moderation: Moderation) -> int:
        found = await open_invites(moderation)
        if not found:
            print("No open invites.")
        for invite in found:
            expires = invite.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            print(
                f"#{invite.number:<4} {invite.role:<10} by {invite.created_by}, expires {expires}"
            )
        if found:
            print("Revoke one with `lantern admin revoke NUMBER` (or `all`).")
        return 0

    async def revoke(moderation: Moderation) -> int:
        try:
            revoked = await revoke_invites(moderation, args.invite)
        except NotFound as exc:
            print(f"lantern admin revoke: {exc}", file=sys.stderr)
            return 1
        for invite in revoked:
            print(f"Revoked {invite.role} invite #{invite.number}: its link no longer works.")
        return 0

    async def remove(moderation: Moderation) -> int:
        try:
            moderator = await find_moderator(moderation, args.moderator)
            removed, admins = await remove_moderator(moderation, moderator.id)
        except NotFound as exc:
            print(f"lantern admin remove: {exc} (`lantern admin list` shows them)", file=sys.stderr)
            return 1
        print(
            f"Removed {removed.role} #{removed.id} {removed.pseudonym}: that Telegram account "
            "can no longer use /mod. Their published tips stay."
        )
        if admins == 0:
            print("No admins are left: run `lantern admin add` to invite a new one.")
        return 0

    work = {
        "add": add,
        "list": listing,
        "invites": invites,
        "revoke": revoke,
        "remove": remove,
    }[args.admin_command]
    return with_store(config, work)


def _new_key(args: argparse.Namespace, config: Config) -> int:
    """Write a fresh key, refusing whatever would lock existing moderators out."""
    path: Path = args.path

    def refuse(message: str) -> int:
        print(f"lantern admin new-key: {message}", file=sys.stderr)
        return 2

    if inside(path, config.data_dir):
        return refuse(
            f"{path} is inside the data directory ({config.data_dir}), the one place the key "
            "must not be; choose a path on another mount, e.g. /etc/lantern/moderator.key"
        )
    if (config.data_dir / LEGACY_KEY_FILE).exists():
        return refuse(
            f"{config.data_dir / LEGACY_KEY_FILE} already exists, and existing moderators are "
            f"recognised with it; move it instead: lantern admin migrate-key --to {path}"
        )
    if path.exists():
        return refuse(f"{path} already exists; Lantern never overwrites a key")
    if not args.force and (config.data_dir / DB_NAME).exists():

        async def count() -> int:
            store = await Store.open(config.data_dir)
            try:
                return len(await Moderation(store).moderators())
            finally:
                await store.close()

        try:
            moderators = asyncio.run(count())
        except StoreError as exc:
            return refuse(str(exc))
        if moderators:
            return refuse(
                f"the database has {moderators} moderator(s), recognised with the key "
                "configured until now; a new key would lock them all out. Keep using that "
                "key, or add --force and invite everyone again."
            )
    try:
        write_key_file(path)
    except OSError as exc:
        return refuse(f"cannot write {path}: {exc.strerror}")
    print(f"Wrote a new moderator key to {path} (readable by this user only).")
    print(f"Now set LANTERN_MODERATOR_KEY_FILE={path} for `lantern run` and `lantern admin`")
    print("(the user that runs the bot must be able to read the file; see README).")
    print(
        "Keep a copy apart from the database backups: without the key no moderator can be "
        "recognised; with both, working out who moderates is meant to stay impractical."
    )
    return 0


def _migrate_key(args: argparse.Namespace, config: Config) -> int:
    """Move the old data-directory key to PATH; moderators keep access (same key)."""
    target: Path = args.to
    legacy = config.data_dir / LEGACY_KEY_FILE

    def refuse(message: str) -> int:
        print(f"lantern admin migrate-key: {message}", file=sys.stderr)
        return 2

    if not legacy.exists():
        found, _ = moderator_key(config)
        if found is not None and not found.in_data_dir:
            print(
                f"Nothing to move: no {LEGACY_KEY_FILE} in {config.data_dir}; the key "
                f"comes from {found.source}."
            )
            return 0
        return refuse(f"there is no {legacy} to move")
    if inside(target, config.data_dir):
        return refuse(f"{target} is inside the data directory; choose a path on another mount")
    try:
        key = read_key_file(legacy)
        configured = config.moderator_key.reveal() or config.moderator_key_file
        if configured:
            found = config.find_moderator_key()
            if found is not None and found.key != key:
                return refuse(
                    "LANTERN_MODERATOR_KEY(_FILE) is set to a different key than "
                    f"{legacy}; unset it, run this again, then set "
                    f"LANTERN_MODERATOR_KEY_FILE={target}"
                )
        if target.exists():
            if read_key_file(target) != key:
                return refuse(f"{target} already exists and holds another key")
        else:
            write_key_file(target, key)
        if read_key_file(target) != key:  # never delete the only copy unverified
            return refuse(f"{target} does not read back as the same key; nothing deleted")
    except (ModeratorKeyError, OSError) as exc:
        return refuse(str(exc))

    async def tidy(moderation: Moderation) -> int:
        erased = await erase_removed_legacy_hashes(moderation.store)
        remaining = await legacy_moderators(moderation.store)
        print(f"Removed moderators' old-style hashes erased: {erased}.")
        print(
            f"Moderators with old-style hashes: {remaining}; each is upgraded to the slow "
            "hash the next time they use /mod."
        )
        return 0

    if (config.data_dir / DB_NAME).exists() and with_store(config, tidy) != 0:
        return refuse(f"the database could not be updated; {legacy} was left in place")
    legacy.unlink()
    print(f"Moved the moderator key to {target} and deleted {legacy}.")
    print(f"Now set LANTERN_MODERATOR_KEY_FILE={target} for `lantern run` (systemd unit or")
    print("Docker secret, see README) and restart the bot; moderators keep their access.")
    print(
        "Deleting a file does not wipe the disk, and older backups of the data directory "
        "still hold the key: destroy those copies, or treat them as holding it."
    )
    return 0
