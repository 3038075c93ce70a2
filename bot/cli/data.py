"""`lantern backup`, `export` and `import`: the database copied, published peer tips
written out, entries queued for review; and `with_store`, which opens the database for
every command that needs it."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import Config
from bot.content import load_snapshot
from moderation.store import Store, StoreError
from moderation.workflow import Moderation


def with_store(config: Config, work) -> int:
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


def backup_database(args: argparse.Namespace, config: Config) -> int:
    async def work(moderation: Moderation) -> int:
        target = await moderation.store.backup(args.path)
        print(f"Backed up to {target}")
        return 0

    return with_store(config, work)


def export_published(args: argparse.Namespace, config: Config) -> int:
    from moderation.exchange import UNTRANSLATED_DIR, export_tips

    # The content names the regions; an export still works while it has problems.
    snapshot, problems = load_snapshot(config.content_dir)
    if snapshot is None:
        print(
            f"lantern export: warning: the content has {len(problems)} problem(s) "
            "(`lantern validate`); regions.yaml names regions by their slugs where the "
            "database has no names",
            file=sys.stderr,
        )
    regions = snapshot.regions if snapshot is not None else ()

    async def work(moderation: Moderation) -> int:
        path = await export_tips(moderation, args.directory, regions)
        entries = await moderation.published()
        count = len(entries)
        print(f"Wrote {count} published peer {'tip' if count == 1 else 'tips'} to {path.parent}")
        untranslated = path.parent / UNTRANSLATED_DIR / path.name
        if untranslated.exists():
            print(
                f"  {untranslated}: the tips not yet in every language; translate them and "
                "move them to peer-tips.yaml"
            )
        print(f"Check it as content with: lantern validate {path.parent}")
        return 0

    return with_store(config, work)


def import_for_review(args: argparse.Namespace, config: Config) -> int:
    from moderation.exchange import import_directory

    if not args.directory.is_dir():
        print(f"lantern import: {args.directory} is not a directory", file=sys.stderr)
        return 2
    snapshot, problems = load_snapshot(config.content_dir)
    if snapshot is None:
        print("\n".join(problems), file=sys.stderr)
        return 1

    async def work(moderation: Moderation) -> int:
        regions = {r.slug for r in snapshot.regions} | {r.slug for r in await moderation.regions()}
        result = await import_directory(moderation, args.directory, regions)
        for problem in result.problems:
            print(problem, file=sys.stderr)
        if result.already_published:
            print(
                f"lantern import: warning: {result.already_published} already published, skipped",
                file=sys.stderr,
            )
        if result.already_queued:
            print(
                f"lantern import: warning: {result.already_queued} already waiting for "
                "review, skipped",
                file=sys.stderr,
            )
        print(f"Queued {result.queued} entries for review.")
        return 1 if result.problems else 0

    return with_store(config, work)
