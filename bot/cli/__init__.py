"""The `lantern` command: its arguments, and `main()`, which hands each command to its
module here (run, console, content, moderators, data, doctor, profile)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot import i18n
from bot.cli.console import open_console
from bot.cli.content import make_cards, search_knowledge, show_stats, validate_content
from bot.cli.data import backup_database, export_published, import_for_review
from bot.cli.doctor import check_setup
from bot.cli.moderators import manage_moderators
from bot.cli.profile import set_profile
from bot.cli.run import reload_bot, run_bot
from bot.config import Config, ConfigError
from bot.hardening import harden_process
from knowledge.taxonomy import LANGUAGES


def _spoken_language(code: str) -> str:
    """A language Lantern has interface strings for (read only when --lang is given)."""
    spoken = i18n.languages()
    if code not in spoken:
        raise argparse.ArgumentTypeError(
            f"Lantern speaks {', '.join(spoken)}; {code!r} is not one of them"
        )
    return code


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
    console.add_argument(
        "--lang",
        default="en",
        type=_spoken_language,
        help="person 1's Telegram language, one Lantern speaks (default: en)",
    )
    console.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep moderators, tips and reports in DIR (default: LANTERN_DATA_DIR if set, "
        "else a scratch directory deleted at the end)",
    )
    console.add_argument(
        "--demo",
        action="store_true",
        help="a scripted tour: a user finds help; an admin invites a moderator, who writes "
        "a tip the admin approves; a user finds it (always in a scratch directory)",
    )
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
    validate.add_argument(
        "directory", nargs="?", type=Path, help="content directory (default: the one served)"
    )

    search = sub.add_parser("search", help="search the knowledge base from the command line")
    search.add_argument("query", nargs="?", help="what to look for (omit with --batch)")
    search.add_argument(
        "--lang", default="en", choices=LANGUAGES, help="language of the query and titles"
    )
    search.add_argument(
        "--region", default=None, help="only what people in this region see (default: all)"
    )
    search.add_argument(
        "--limit", type=int, default=5, metavar="N", help="at most N hits per query (1-50)"
    )
    search.add_argument("--json", action="store_true", help="one JSON line per query")
    search.add_argument("--batch", action="store_true", help="read one query per line from stdin")

    stat = sub.add_parser("stats", help="entries by kind, topic, language and region")
    stat.add_argument("--json", action="store_true", help="the same figures as JSON")

    admin = sub.add_parser("admin", help="manage moderators from the server")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    admin_add = admin_sub.add_parser("add", help="print a one-time invite link for an admin")
    admin_add.add_argument(
        "--role",
        choices=["admin", "moderator"],
        default="admin",
        help="what the invite makes its user (default: admin)",
    )
    admin_sub.add_parser(
        "list", help="list moderators (number, role and display name only) and open invites"
    )
    admin_sub.add_parser("invites", help="list open invites (unused and unexpired)")
    revoke = admin_sub.add_parser("revoke", help="revoke an open invite so its link stops working")
    revoke.add_argument(
        "invite", metavar="INVITE", help="its number from `admin invites`, its code or link, or all"
    )
    remove = admin_sub.add_parser(
        "remove", help="remove a moderator, e.g. after a lost phone (audited as 'server')"
    )
    remove.add_argument(
        "moderator", metavar="MODERATOR", help="their number from `admin list` (#3) or display name"
    )
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
    migrate_key.add_argument(
        "--to",
        type=Path,
        required=True,
        metavar="PATH",
        help="where the key goes, on another mount",
    )

    backup = sub.add_parser("backup", help="online backup of the database to PATH")
    backup.add_argument(
        "path", type=Path, help="the copy to write, e.g. /var/backups/lantern.sqlite3"
    )
    export = sub.add_parser("export", help="write published peer tips as YAML into DIR")
    export.add_argument(
        "directory",
        type=Path,
        help="where to write them (with a regions file): a content "
        "directory `lantern validate` accepts",
    )
    import_ = sub.add_parser("import", help="load YAML entries from DIR into the review queue")
    import_.add_argument(
        "directory",
        type=Path,
        help="a content directory (e.g. from `lantern export`); "
        "tips, rights and referrals are checked as `lantern validate` does",
    )

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
        "run": run_bot,
        "console": open_console,
        "validate": validate_content,
        "search": search_knowledge,
        "stats": show_stats,
        "cards": make_cards,
        "profile": set_profile,
        "doctor": check_setup,
        "reload": reload_bot,
        "admin": manage_moderators,
        "backup": backup_database,
        "export": export_published,
        "import": import_for_review,
    }[args.command]
    return handler(args, config)
