"""Owner-only files and directories for what moderation writes (keys, backups)."""

from __future__ import annotations

import contextlib
from pathlib import Path


def make_private_dirs(directory: Path) -> None:
    """Create `directory` and any missing parents, each 0700.

    One by one: `mkdir -p` gives parents the umask's mode, and mkdir's own mode is
    filtered by the umask (a chmod is not).
    """
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            created.mkdir(mode=0o700)
        created.chmod(0o700)
