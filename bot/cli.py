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

from bot import logs
from bot.config import Config, ConfigError, Secret
from bot.content import COMPILED_DIR, compiled_for, load_knowledge, load_snapshot
from knowledge.base import KnowledgeBase, stats
from knowledge.loader import content_files
from knowledge.taxonomy import ALL_TOPICS, LANGUAGES
from moderation.store import Store, StoreError
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

    from bot.bench.cli import add_arguments as add_bench_arguments

    add_bench_arguments(sub.add_parser("bench", help="measure search and update handling"))
    return parser


def main(argv: list[str] | None = None) -> int:
    # Everything any command writes (database, backups, exports, keys) is owner-only
    # from its first byte, whatever mode a library asks for.
    os.umask(0o077)
    args = _parser().parse_args(argv)
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
        "bench": _bench,
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


def _admin(args: argparse.Namespace, config: Config) -> int:
    async def add(moderation: Moderation) -> int:
        code = await moderation.create_invite(args.role)
        username = await _bot_username(config)
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


async def _bot_username(config: Config) -> str:
    """The bot's @username through getMe, or "" when there is no token or no answer."""
    if not config.token:
        return ""
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(config.token.reveal(), base_url=config.base_url) as bot:
            return bot.username or ""
    except (TelegramError, OSError):
        return ""


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
    """Send SIGHUP to the bot running with this data directory."""
    import signal

    from bot.reload import PID_FILE

    pid_file = config.data_dir / PID_FILE
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        print(
            f"lantern reload: no running bot found for {config.data_dir} ({pid_file})",
            file=sys.stderr,
        )
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
        finally:
            await store.close()
        if integrity != "ok":
            return False, f"database integrity check says {integrity!r}; restore a backup"
        return True, f"database: schema version {version}, integrity ok"

    ok, message = asyncio.run(database())
    results.append((ok, message))
    if not args.health:
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
            username = asyncio.run(_bot_username(config))
            check(
                bool(username),
                f"token: accepted by the Bot API as @{username}",
                "token: the Bot API did not accept it (or could not be reached); "
                "check LANTERN_BOT_TOKEN and LANTERN_API_URL",
            )
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
    print("All good." if healthy else "Fix the lines marked FIX, then run `lantern doctor` again.")
    return 0 if healthy else 1


def _profile(args: argparse.Namespace, config: Config) -> int:
    """setMyName / setMyDescription / setMyShortDescription, per language."""
    if not config.token:
        print("lantern profile: set LANTERN_BOT_TOKEN first", file=sys.stderr)
        return 2
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.i18n import t
    from knowledge.taxonomy import DEFAULT_LANGUAGE

    async def apply() -> None:
        async with Bot(config.token.reveal(), base_url=config.base_url) as bot:
            for lang in [args.lang] if args.lang else list(LANGUAGES):
                code = None if lang == DEFAULT_LANGUAGE and not args.lang else lang
                await bot.set_my_name(args.name or t(lang, "profile.name"), language_code=code)
                await bot.set_my_description(
                    args.description or t(lang, "profile.description"), language_code=code
                )
                await bot.set_my_short_description(
                    args.short_description or t(lang, "profile.short"), language_code=code
                )
                print(f"{lang}: name and descriptions set")

    try:
        asyncio.run(apply())
    except TelegramError as exc:
        print(f"lantern profile: Telegram refused: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def _cards(args: argparse.Namespace, config: Config) -> int:
    from bot.cards import main as cards_main

    return cards_main(args, config)


def _bench(args: argparse.Namespace, config: Config) -> int:
    from bot.bench.cli import main as bench_main

    return bench_main(args, config)


def _console(args: argparse.Namespace, config: Config) -> int:
    logs.configure("WARNING")
    kb = _knowledge_or_report(config)
    if kb is None:
        return 1
    from bot.app import build_application
    from bot.console import run_console
    from bot.services import Services

    services = Services(kb)

    def factory(api_url: str, token: str) -> Application:
        local = Config(token=Secret(token), api_url=api_url, data_dir=config.data_dir)
        return build_application(local, services)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_console(factory, language_code=args.lang))
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

    from bot.app import ALLOWED_UPDATES, build_application
    from bot.services import Services

    application = build_application(config, Services(kb))
    if getattr(args, "webhook", False):
        return _run_webhook(application, config)
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
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
