"""The `lantern` command: run, console, validate, search, stats."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot import getme, logs
from bot.config import Config, ConfigError, Secret
from bot.content import COMPILED_DIR, compiled_for, load_knowledge, load_snapshot
from bot.hardening import harden_process
from knowledge.base import KnowledgeBase, stats
from knowledge.loader import content_files
from knowledge.taxonomy import ALL_TOPICS, LANGUAGES
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
from moderation.store import DB_NAME, Store, StoreError
from moderation.workflow import Moderation

if TYPE_CHECKING:
    from telegram.ext import Application

CONSOLE_TOKEN = "1000000001:console-token-for-the-local-emulator"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lantern",
        description="Lantern: anonymous safety tips, rights and non-police services on Telegram.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (long polling); without a token, the console")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates on a webhook (LANTERN_WEBHOOK_URL, _LISTEN, _SECRET)",
    )
    console = sub.add_parser("console", help="try the bot in this terminal, no Telegram needed")
    console.add_argument("--lang", default="en", help="your Telegram language (en, es, ...)")
    console.add_argument(
        "--hostile",
        nargs="?",
        const="default",
        metavar="SETTINGS",
        help="make the emulator misbehave: 10%% each of 429, 5xx, slow and dropped calls, "
        "no long polling, a malformed update beside each of yours; SETTINGS such as "
        "'rate=0.2,seed=3,404=setMyCommands' (see emulator/hostile.py); "
        "also LANTERN_CONSOLE_HOSTILE",
    )

    validate = sub.add_parser("validate", help="check content files; exit 1 on any problem")
    validate.add_argument("directory", nargs="?", type=Path, help="content directory")

    search = sub.add_parser("search", help="search the knowledge base from the command line")
    search.add_argument("query", nargs="?", help="what to look for (omit with --batch)")
    search.add_argument("--lang", default="en", choices=LANGUAGES)
    search.add_argument("--region", default=None, help="region slug (default: all regions)")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--json", action="store_true", help="one JSON line per query")
    search.add_argument("--batch", action="store_true", help="read one query per line from stdin")

    stat = sub.add_parser("stats", help="entries by kind, topic, language and region")
    stat.add_argument("--json", action="store_true")

    admin = sub.add_parser("admin", help="manage moderators from the server")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    admin_add = admin_sub.add_parser("add", help="print a one-time invite link for an admin")
    admin_add.add_argument("--role", choices=["admin", "moderator"], default="admin")
    admin_sub.add_parser("list", help="list moderators (display names and roles only)")
    new_key = admin_sub.add_parser(
        "new-key", help="write a new moderator key to PATH (0600), outside the data directory"
    )
    new_key.add_argument("path", type=Path, help="e.g. /etc/lantern/moderator.key")
    new_key.add_argument(
        "--force",
        action="store_true",
        help="even though the database has moderators (all of them would need new invites)",
    )
    migrate_key = admin_sub.add_parser(
        "migrate-key", help="move the old moderator.key out of the data directory to PATH"
    )
    migrate_key.add_argument("--to", type=Path, required=True, metavar="PATH")

    backup = sub.add_parser("backup", help="online backup of the database to PATH")
    backup.add_argument("path", type=Path)
    export = sub.add_parser("export", help="write published peer tips as YAML into DIR")
    export.add_argument("directory", type=Path)
    import_ = sub.add_parser("import", help="load YAML entries from DIR into the review queue")
    import_.add_argument("directory", type=Path)

    sub.add_parser("reload", help="tell the running bot to reload its content (SIGHUP)")

    doctor = sub.add_parser("doctor", help="check the set-up and say what to fix")
    doctor.add_argument(
        "--health",
        action="store_true",
        help="quiet container health check (database and content; no network)",
    )

    profile = sub.add_parser(
        "profile", help="set the bot's public name and description (neutral by default)"
    )
    profile.add_argument("--name", help="display name (default: a neutral one per language)")
    profile.add_argument("--description", help="text shown before someone starts the bot")
    profile.add_argument("--short-description", help="text on the bot's profile page")
    profile.add_argument("--lang", choices=LANGUAGES, help="only this language")

    from bot.cards import add_arguments as add_card_arguments

    add_card_arguments(sub.add_parser("cards", help="printable pocket cards with QR codes"))
    return parser


def main(argv: list[str] | None = None) -> int:
    # Everything any command writes (database, backups, exports, keys) is owner-only
    # from its first byte, whatever mode a library asks for.
    os.umask(0o077)
    # No core dumps and no reading this process from outside: it holds people's messages.
    hardening_problems = harden_process()
    args = _parser().parse_args(argv)
    for problem in hardening_problems:
        print(f"lantern: warning: {problem}", file=sys.stderr)
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"lantern: configuration error: {exc}", file=sys.stderr)
        return 2
    handler = {
        "run": _run,
        "console": _console,
        "validate": _validate,
        "search": _search,
        "stats": _stats,
        "cards": _cards,
        "profile": _profile,
        "doctor": _doctor,
        "reload": _reload,
        "admin": _admin,
        "backup": _backup,
        "export": _export,
        "import": _import,
    }[args.command]
    return handler(args, config)


def _knowledge_or_report(
    config: Config, out: TextIO = sys.stderr, *, use_compiled: bool = False
) -> KnowledgeBase | None:
    kb, problems = load_knowledge(
        config.content_dir,
        show_examples=config.show_examples,
        compiled_in=config.data_dir / COMPILED_DIR if use_compiled else None,
    )
    for problem in problems:
        print(problem, file=out)
    if kb is None:
        print(f"lantern: {len(problems)} problem(s) in the content; not serving it.", file=out)
    return kb


def _validate(args: argparse.Namespace, config: Config) -> int:
    directory = args.directory or config.content_dir
    snapshot, problems = load_snapshot(directory)
    for problem in problems:
        print(problem)
    if snapshot is None:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    files = len(content_files(Path(directory)))
    print(f"OK: {len(snapshot.entries)} entries in {files} files, all valid.")
    unused = [t for t in ALL_TOPICS if not any(t in e.topics for e in snapshot.entries)]
    if unused:
        print("note: topics with no entries yet: " + ", ".join(unused))
    return 0


def _search(args: argparse.Namespace, config: Config) -> int:
    kb = _knowledge_or_report(config)
    if kb is None:
        return 1
    if args.batch:
        queries = [line.rstrip("\n") for line in sys.stdin]
    elif args.query is not None:
        queries = [args.query]
    else:
        print("lantern search: give a QUERY, or --batch with queries on stdin", file=sys.stderr)
        return 2
    limit = max(1, min(args.limit, 50))
    for query in queries:
        hits = kb.search(query, lang=args.lang, region=args.region, limit=limit)
        if args.json:
            record = {
                "query": query,
                "hits": [
                    {
                        "id": h.entry.id,
                        "kind": h.entry.kind.value,
                        "topics": list(h.entry.topics),
                        "title": h.entry.text(args.lang).title,
                        "score": h.score,
                    }
                    for h in hits
                ],
            }
            print(json.dumps(record, ensure_ascii=False))
            continue
        print(f"{query}")
        if not hits:
            print("  (nothing found)")
        for rank, hit in enumerate(hits, start=1):
            title = hit.entry.text(args.lang).title
            print(f"  {rank}. {hit.score:5.1f}  {hit.entry.id}  [{hit.entry.kind.value}]  {title}")
    return 0


def _stats(args: argparse.Namespace, config: Config) -> int:
    kb = _knowledge_or_report(config)
    if kb is None:
        return 1
    figures = stats(kb.snapshot, date.today())
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    print(f"entries: {figures['entries']}")
    for key in ("by_kind", "by_language", "by_region", "by_topic"):
        print(f"{key.replace('_', ' ')}:")
        for name, count in figures[key].items():  # type: ignore[union-attr]
            print(f"  {name:<26} {count}")
    overdue = figures["past_review_by"]
    print(f"past review_by: {len(overdue)}")  # type: ignore[arg-type]
    for entry_id in overdue:  # type: ignore[union-attr]
        print(f"  {entry_id}")
    return 0


def _with_store(config: Config, work) -> int:
    """Run `work(moderation)` against the database, with clear messages on failure."""

    async def runner() -> int:
        store = await Store.open(config.data_dir)
        try:
            return await work(Moderation(store))
        finally:
            await store.close()

    try:
        return asyncio.run(runner())
    except StoreError as exc:
        print(f"lantern: {exc}", file=sys.stderr)
        return 1


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


def _moderator_key(config: Config) -> tuple[FoundKey | None, str]:
    """The configured key, or None and what to do about it."""
    try:
        found = config.find_moderator_key()
    except ModeratorKeyError as exc:
        return None, f"the moderator key cannot be used: {exc}"
    return found, "" if found is not None else NO_KEY_HELP


def _admin(args: argparse.Namespace, config: Config) -> int:
    if args.admin_command == "new-key":
        return _admin_new_key(args, config)
    if args.admin_command == "migrate-key":
        return _admin_migrate_key(args, config)
    if args.admin_command == "add":
        found, problem = _moderator_key(config)
        if found is None:
            print(f"lantern admin add: {problem}", file=sys.stderr)
            return 2
        if found.in_data_dir or found.legacy_file:
            print(f"lantern: warning: {KEY_IN_DATA_DIR}", file=sys.stderr)

    async def add(moderation: Moderation) -> int:
        code = await moderation.create_invite(args.role)
        answer = await getme.bot_username(config)
        username = answer.username
        if config.token and answer.problem:
            # The invite works anyway: only the link's username is missing.
            print(f"lantern admin add: {answer.problem}", file=sys.stderr)
        print(f"One-time {args.role} invite, valid for 48 hours. Open it in Telegram:")
        if username:
            print(f"  https://t.me/{username}?start={code}")
        else:
            print(f"  https://t.me/<your bot's username>?start={code}")
            print(f"  (or send the bot: /start {code})")
        return 0

    async def listing(moderation: Moderation) -> int:
        for moderator in await moderation.moderators():
            print(f"{moderator.role:<10} {moderator.pseudonym}")
        return 0

    return _with_store(config, add if args.admin_command == "add" else listing)


def _admin_new_key(args: argparse.Namespace, config: Config) -> int:
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


def _admin_migrate_key(args: argparse.Namespace, config: Config) -> int:
    """Move the old data-directory key to PATH; moderators keep access (same key)."""
    target: Path = args.to
    legacy = config.data_dir / LEGACY_KEY_FILE

    def refuse(message: str) -> int:
        print(f"lantern admin migrate-key: {message}", file=sys.stderr)
        return 2

    if not legacy.exists():
        found, _ = _moderator_key(config)
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

    if (config.data_dir / DB_NAME).exists() and _with_store(config, tidy) != 0:
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


def _backup(args: argparse.Namespace, config: Config) -> int:
    async def work(moderation: Moderation) -> int:
        target = await moderation.store.backup(args.path)
        print(f"Backed up to {target}")
        return 0

    return _with_store(config, work)


def _export(args: argparse.Namespace, config: Config) -> int:
    from moderation.exchange import export_tips

    async def work(moderation: Moderation) -> int:
        path = await export_tips(moderation, args.directory)
        print(f"Wrote {len(await moderation.published())} published peer tips to {path}")
        return 0

    return _with_store(config, work)


def _import(args: argparse.Namespace, config: Config) -> int:
    from moderation.exchange import import_tips

    if not args.directory.is_dir():
        print(f"lantern import: {args.directory} is not a directory", file=sys.stderr)
        return 2
    snapshot, problems = load_snapshot(config.content_dir)
    if snapshot is None:
        print("\n".join(problems), file=sys.stderr)
        return 1

    async def work(moderation: Moderation) -> int:
        regions = {r.slug for r in snapshot.regions} | {r.slug for r in await moderation.regions()}
        queued, found = await import_tips(moderation, args.directory, regions)
        for problem in found:
            print(problem, file=sys.stderr)
        print(f"Queued {queued} entries for review.")
        return 1 if found else 0

    return _with_store(config, work)


def _reload(args: argparse.Namespace, config: Config) -> int:
    """Send SIGHUP to the bot running with this data directory, and to nothing else.

    The PID file's number is trusted only while the running bot holds the file's lock
    (see bot.reload): SIGHUP's default action ends a process, so a stale file must never
    point it at whatever process has that number now.
    """
    import signal

    from bot.reload import NoRunningBot, running_bot

    try:
        pid = running_bot(config.data_dir)
        os.kill(pid, signal.SIGHUP)
    except NoRunningBot as exc:
        print(f"lantern reload: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"lantern reload: could not signal the bot ({exc.strerror})", file=sys.stderr)
        return 1
    print(
        "Asked the bot to reload its content. If the new content has problems, it keeps "
        "serving the old one and tells the admins in their chat; `lantern validate` shows "
        "them here."
    )
    return 0


def _doctor(args: argparse.Namespace, config: Config) -> int:
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
        key, problem = _moderator_key(config)
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


def _profile(args: argparse.Namespace, config: Config) -> int:
    """setMyName / setMyDescription / setMyShortDescription, per language."""
    if not config.token:
        print("lantern profile: set LANTERN_BOT_TOKEN first", file=sys.stderr)
        return 2
    from telegram import Bot

    from bot.i18n import t
    from knowledge.taxonomy import DEFAULT_LANGUAGE

    # The call being made, so a failure names it ("setMyName: ..."), whatever it raised.
    step = ["getMe"]

    async def apply() -> None:
        async with Bot(config.token.reveal(), base_url=config.base_url) as bot:
            for lang in [args.lang] if args.lang else list(LANGUAGES):
                code = None if lang == DEFAULT_LANGUAGE and not args.lang else lang
                step[0] = "setMyName"
                await bot.set_my_name(args.name or t(lang, "profile.name"), language_code=code)
                step[0] = "setMyDescription"
                await bot.set_my_description(
                    args.description or t(lang, "profile.description"), language_code=code
                )
                step[0] = "setMyShortDescription"
                await bot.set_my_short_description(
                    args.short_description or t(lang, "profile.short"), language_code=code
                )
                print(f"{lang}: name and descriptions set")
            step[0] = "shutdown"

    try:
        asyncio.run(apply())
    except Exception as exc:  # a refusal, or an answer that cannot be read: one line
        failed = getme.call_failed(step[0], exc, config.token.reveal())
        print(f"lantern profile: {failed}", file=sys.stderr)
        return 1
    return 0


def _cards(args: argparse.Namespace, config: Config) -> int:
    from bot.cards import main as cards_main

    return cards_main(args, config)


def _console(args: argparse.Namespace, config: Config) -> int:
    logs.configure("WARNING")
    kb = _knowledge_or_report(config)
    if kb is None:
        return 1
    from bot.app import build_application
    from bot.console import run_console
    from bot.services import Services
    from emulator import Hostile

    # getattr: `lantern run` without a token opens the console with a bare Namespace.
    hostile_text = getattr(args, "hostile", None) or os.environ.get("LANTERN_CONSOLE_HOSTILE")
    hostile = None
    if hostile_text:
        try:
            hostile = Hostile.parse(hostile_text)
        except ValueError as exc:
            print(f"lantern console: --hostile: {exc}", file=sys.stderr)
            return 2
    services = Services(kb)

    def factory(api_url: str, token: str) -> Application:
        local = Config(token=Secret(token), api_url=api_url, data_dir=config.data_dir)
        return build_application(local, services)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_console(factory, language_code=args.lang, hostile=hostile))
    return 0


def _run(args: argparse.Namespace, config: Config) -> int:
    logs.configure(config.log_level, config.token.reveal())
    try:
        asyncio.run(_check_store(config.data_dir))
    except StoreError as exc:
        print(f"lantern: {exc}", file=sys.stderr)
        return 1
    kb = _knowledge_or_report(config, use_compiled=True)
    if kb is None:
        print("lantern: refusing to start on invalid content.", file=sys.stderr)
        return 1
    if not config.token:
        print(
            "No LANTERN_BOT_TOKEN is set, so Lantern cannot reach Telegram.\n"
            "Opening the local console instead: the same bot, in this terminal.\n"
            "To run for real, get a token from @BotFather and set LANTERN_BOT_TOKEN.\n",
            file=sys.stderr,
        )
        return _console(argparse.Namespace(lang="en"), config)

    from telegram.error import TelegramError

    from bot.app import ALLOWED_UPDATES, build_application
    from bot.services import Services
    from bot.startup import describe, reach_telegram

    # Only a refused token or a server that is not a Bot API server stops here; no network
    # is waited out, one line at a time.
    problem = asyncio.run(reach_telegram(config))
    if problem is not None:
        print(f"lantern: {problem}", file=sys.stderr)
        return 1
    application = build_application(config, Services(kb))
    if getattr(args, "webhook", False):
        return _run_webhook(application, config)
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except TelegramError as exc:
        print(f"lantern: {describe(exc, 'getUpdates')}", file=sys.stderr)
        return 1
    return 0


def _run_webhook(application: Application, config: Config) -> int:
    from bot.app import ALLOWED_UPDATES
    from bot.webhook import serve

    if not config.webhook_url or not config.webhook_secret:
        print(
            "lantern run --webhook needs LANTERN_WEBHOOK_URL and LANTERN_WEBHOOK_SECRET",
            file=sys.stderr,
        )
        return 2
    host, _, port = config.webhook_listen.rpartition(":")
    asyncio.run(
        serve(
            application,
            public_url=config.webhook_url,
            listen_host=host,
            listen_port=int(port),
            secret=config.webhook_secret.reveal(),
            allowed_updates=ALLOWED_UPDATES,
        )
    )
    return 0


async def _check_store(data_dir: Path) -> None:
    store = await Store.open(data_dir)
    await store.close()
