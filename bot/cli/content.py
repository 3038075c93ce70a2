"""`lantern validate`, `search`, `stats` and `cards`: the content, checked, searched,
counted and printed; and the knowledge base the other commands serve."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.config import Config
from bot.content import COMPILED_DIR, load_knowledge, load_snapshot
from knowledge.base import KnowledgeBase, stats
from knowledge.ids import did_you_mean
from knowledge.loader import content_files, missing_translations
from knowledge.model import Snapshot
from knowledge.taxonomy import ALL_TOPICS
from moderation import live
from moderation.store import DB_NAME, Store, StoreError
from moderation.workflow import Moderation


def knowledge_or_report(
    config: Config, out: TextIO = sys.stderr, *, use_compiled: bool = False
) -> KnowledgeBase | None:
    kb, problems = load_knowledge(
        config.content_dir,
        show_examples=config.show_examples,
        compiled_in=config.data_dir / COMPILED_DIR if use_compiled else None,
        apart=use_compiled,
    )
    for problem in problems:
        print(problem, file=out)
    if kb is None:
        print(f"lantern: {len(problems)} problem(s) in the content; not serving it.", file=out)
    return kb


def validate_content(args: argparse.Namespace, config: Config) -> int:
    directory = args.directory or config.content_dir
    snapshot, problems = load_snapshot(directory)
    for problem in problems:
        print(problem)
    if snapshot is None:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    files = len(content_files(Path(directory)))
    print(
        f"OK: {len(snapshot.entries)} entries in {files} files and {len(snapshot.regions)} "
        "regions, all valid."
    )
    unused = [t for t in ALL_TOPICS if not any(t in e.topics for e in snapshot.entries)]
    if unused:
        print("note: topics with no entries yet: " + ", ".join(unused))
    for lang, missing in missing_translations(snapshot).items():
        if missing:
            # Not an error: people read these in the closest language, with a note.
            shown = ", ".join(missing[:10]) + (", …" if len(missing) > 10 else "")
            print(f"note: {len(missing)} entries not translated into {lang} yet: {shown}")
    return 0


def as_served(config: Config, kb: KnowledgeBase) -> tuple[Snapshot, Snapshot]:
    """(everything moderators look after, what users are served), as the running bot
    composes them: the content plus published peer tips and confirmed dates from the
    database when there is one (read only; never created here), stale legal entries
    left out for users."""
    full = kb.snapshot
    if (config.data_dir / DB_NAME).is_file():

        async def read() -> Snapshot:
            store = await Store.open(config.data_dir)
            try:
                moderation = Moderation(store)
                return live.compose(
                    full,
                    await moderation.published(),
                    await moderation.confirmations(),
                    await moderation.regions(),
                )
            finally:
                await store.close()

        try:
            full = asyncio.run(read())
        except StoreError as exc:
            print(f"lantern: {exc}; showing the content files only", file=sys.stderr)
    return full, live.for_users(full, date.today())


def search_knowledge(args: argparse.Namespace, config: Config) -> int:
    kb = knowledge_or_report(config)
    if kb is None:
        return 1
    # What people would find: peer tips in, legal entries hidden from users left out.
    _, served = as_served(config, kb)
    if served is not kb.snapshot:
        kb.replace(served)
    if args.batch:
        queries = [line.rstrip("\n") for line in sys.stdin]
    elif args.query is not None:
        queries = [args.query]
    else:
        print("lantern search: give a QUERY, or --batch with queries on stdin", file=sys.stderr)
        return 2
    if args.region is not None and kb.snapshot.region(args.region) is None:
        known = sorted(r.slug for r in kb.snapshot.regions)
        print(
            f"lantern search: unknown region '{args.region}'{did_you_mean(args.region, known)};"
            f" regions are: {', '.join(known)}",
            file=sys.stderr,
        )
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


def show_stats(args: argparse.Namespace, config: Config) -> int:
    kb = knowledge_or_report(config)
    if kb is None:
        return 1
    full, served = as_served(config, kb)
    figures = stats(full, date.today())
    hidden = sorted({e.id for e in full.entries} - {e.id for e in served.entries})
    figures["hidden_from_users"] = hidden
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
    print(f"hidden from users until re-checked: {len(hidden)}")
    for entry_id in hidden:
        print(f"  {entry_id}")
    return 0


def make_cards(args: argparse.Namespace, config: Config) -> int:
    from bot.cards import main as cards_main

    return cards_main(args, config)
