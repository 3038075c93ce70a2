"""knowledge/ and moderation/ never depend on Telegram."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_domain_packages_do_not_import_telegram():
    for package in ("knowledge", "moderation"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    assert not name.startswith(("telegram", "bot")), f"{path} imports {name}"


def test_importing_the_domain_loads_no_telegram_module():
    code = (
        "import sys, knowledge.base, knowledge.loader, knowledge.search, moderation.store;"
        "print(any(m == 'telegram' or m.startswith('telegram.') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"
