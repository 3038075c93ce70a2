"""The `lantern` command as an operator or curator uses it."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import SMALL

ROOT = Path(__file__).parents[1]


def lantern(*args: str, env: dict | None = None, stdin: str | None = None):
    base = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANTERN_DATA_DIR": tempfile.mkdtemp()}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**base, **(env or {})},
        input=stdin,
        timeout=60,
    )


def test_validate_shipped_content_passes():
    result = lantern("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ")


def test_validate_reports_each_problem_as_path_line_message(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SMALL, content)
    text = (content / "entries.yaml").read_text()
    text = text.replace("topics: [screening]", "topics: [screening, made-up]", 1)
    text = text.replace("review_by: 2027-05-01", "review_by: tomorrow", 1)
    (content / "entries.yaml").write_text(text)
    result = lantern("validate", str(content))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("entries.yaml:4: unknown topic 'made-up'")
    assert lines[1].endswith("entries.yaml:7: 'review_by' must be a date written YYYY-MM-DD")


def test_search_json_lines(tmp_path):
    result = lantern(
        "search",
        "--json",
        "--lang",
        "es",
        "sobredosis q hago",
        env={"LANTERN_CONTENT_DIR": str(SMALL)},
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["query"] == "sobredosis q hago"
    first = record["hits"][0]
    assert set(first) == {"id", "kind", "topics", "title", "score"}
    assert first["id"] == "overdose-naloxone" and first["title"].startswith("Señales")


def test_search_batch_answers_in_order():
    result = lantern(
        "search",
        "--batch",
        "--json",
        env={"LANTERN_CONTENT_DIR": str(SMALL)},
        stdin="narcan\nzebra xylophone\nchek new cleint\n",
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in records] == ["narcan", "zebra xylophone", "chek new cleint"]
    assert records[0]["hits"][0]["id"] == "overdose-naloxone"
    assert records[1]["hits"] == []
    assert records[2]["hits"][0]["id"] == "screening-basics"


def test_stats_json():
    result = lantern("stats", "--json", env={"LANTERN_CONTENT_DIR": str(SMALL)})
    figures = json.loads(result.stdout)
    assert figures["entries"] == 5
    assert figures["by_kind"] == {"referral": 2, "rights": 1, "tip": 2}
    assert figures["by_language"] == {"en": 5, "es": 5, "pt": 0, "ro": 0, "fr": 0, "zh": 0}
    assert figures["past_review_by"] == ["uk-peer-group"]


def test_run_refuses_invalid_content(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SMALL, content)
    (content / "broken.yaml").write_text("entries:\n  - id: Bad Id\n")
    result = lantern(
        "run", env={"LANTERN_CONTENT_DIR": str(content), "LANTERN_DATA_DIR": str(tmp_path / "data")}
    )
    assert result.returncode == 1
    assert "broken.yaml:2: 'id' must be a slug" in result.stderr
    assert "refusing to start" in result.stderr


def test_run_explains_a_database_that_cannot_be_opened(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "lantern.sqlite3").write_bytes(b"garbage" * 1000)
    result = lantern(
        "run",
        env={
            "LANTERN_DATA_DIR": str(data),
            "LANTERN_CONTENT_DIR": str(SMALL),
            "LANTERN_BOT_TOKEN": "123:abcdefghijklmnopqrstuvwxyz",
        },
    )
    assert result.returncode == 1
    assert "cannot be used" in result.stderr
    assert "abcdefghijklmnopqrstuvwxyz" not in result.stderr + result.stdout


def test_bad_configuration_is_explained():
    result = lantern("stats", env={"LANTERN_LOG_LEVEL": "SHOUTY"})
    assert result.returncode == 2
    assert "LANTERN_LOG_LEVEL" in result.stderr


def test_run_without_token_opens_the_console(tmp_path):
    script = "2\n3\nhow do i chek a new cleint\n1\n/quit\n"
    result = lantern("run", env={"LANTERN_DATA_DIR": str(tmp_path / "data")}, stdin=script)
    assert result.returncode == 0, result.stderr
    assert "No LANTERN_BOT_TOKEN is set" in result.stderr
    out = result.stdout
    assert "[1] 🆘 Need help now" in out
    assert "[2] 🛡 Safety" in out
    assert "Safety: pick a topic." in out
    assert "Screening a new client" in out
    assert "Last checked" in out
    assert "[spec]" not in out


def test_console_in_spanish():
    script = "sobredosis q hago\n1\n/quit\n"
    result = lantern("console", "--lang", "es", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "🔎 “sobredosis q hago”" in result.stdout
    assert "Elige una opción" in result.stdout
    assert "Revisado por última vez" in result.stdout
    assert "[spec]" not in result.stdout


KEY = {"LANTERN_MODERATOR_KEY": "6b" * 32}


def test_admin_add_prints_a_one_time_invite(tmp_path):
    result = lantern("admin", "add", env={"LANTERN_DATA_DIR": str(tmp_path), **KEY})
    assert result.returncode == 0, result.stderr
    code = re.search(r"start[= ](inv-[A-Za-z0-9_-]{32,})", result.stdout).group(1)
    assert len(code) <= 64
    # Only a hash of the code is stored.
    assert code.encode() not in (tmp_path / "lantern.sqlite3").read_bytes()
    listing = lantern("admin", "list", env={"LANTERN_DATA_DIR": str(tmp_path)})
    assert listing.returncode == 0
    assert listing.stdout.startswith("No moderators yet: run `lantern admin add`")
    assert "1 open invite(s)" in listing.stdout


def test_backup_export_and_import(tmp_path):
    env = {"LANTERN_DATA_DIR": str(tmp_path / "data")}
    imported = lantern("import", str(SMALL), env=env)
    # Tips, rights and referrals (checked as content files are) all wait for review.
    assert "Queued 5 entries for review." in imported.stdout
    assert imported.returncode == 0, imported.stderr
    copy = tmp_path / "backups" / "nightly.sqlite3"
    backup = lantern("backup", str(copy), env=env)
    assert backup.returncode == 0, backup.stderr
    connection = sqlite3.connect(copy)
    assert connection.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] == 5
    connection.close()
    exported = lantern("export", str(tmp_path / "out"), env=env)
    assert exported.returncode == 0
    assert "Wrote 0 published peer tips" in exported.stdout


def test_a_database_that_cannot_be_opened_is_explained_for_every_command(tmp_path):
    (tmp_path / "lantern.sqlite3").write_bytes(b"not a database at all" * 200)
    env = {"LANTERN_DATA_DIR": str(tmp_path), **KEY}
    for args in (("admin", "add"), ("backup", str(tmp_path / "b")), ("export", str(tmp_path))):
        result = lantern(*args, env=env)
        assert result.returncode == 1
        assert "cannot be used" in result.stderr
        assert "Traceback" not in result.stderr


def test_every_command_writes_owner_only_files_whatever_the_umask(tmp_path):
    """`lantern` sets umask 077 first, so exports (not only backups) are private too."""
    import os
    import stat

    env = {"LANTERN_DATA_DIR": str(tmp_path / "data")}
    old = os.umask(0o022)  # a typical login umask: it must not decide
    try:
        result = lantern("export", str(tmp_path / "out" / "tips"), env=env)
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    written = [tmp_path / "out", *sorted((tmp_path / "out").rglob("*"))]
    assert len(written) >= 3, written
    for path in [tmp_path / "data", *(tmp_path / "data").iterdir(), *written]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_without_a_moderator_key_admin_add_and_doctor_say_what_to_set(tmp_path):
    env = {"LANTERN_DATA_DIR": str(tmp_path / "data")}
    added = lantern("admin", "add", env=env)
    assert added.returncode == 2
    assert "no moderator key is set" in added.stderr
    assert "lantern admin new-key" in added.stderr
    assert "LANTERN_MODERATOR_KEY_FILE=" in added.stderr
    assert "inv-" not in added.stdout  # no invite nobody could redeem
    doctor = lantern("doctor", env=env)
    assert "FIX   moderator key: no moderator key is set" in doctor.stdout
    assert "lantern admin new-key" in doctor.stdout
    # The container health check still passes: users are served without a key.
    assert (
        lantern("doctor", "--health", env={**env, "LANTERN_CONTENT_DIR": str(SMALL)}).returncode
        == 0
    )


def test_new_key_writes_an_owner_only_key_outside_the_data_directory(tmp_path):
    import os
    import stat

    data = tmp_path / "data"
    env = {"LANTERN_DATA_DIR": str(data)}
    inside = lantern("admin", "new-key", str(data / "moderator.key"), env=env)
    assert inside.returncode == 2 and "inside the data directory" in inside.stderr
    assert not (data / "moderator.key").exists()
    path = tmp_path / "secrets" / "moderator.key"
    old = os.umask(0o022)
    try:
        made = lantern("admin", "new-key", str(path), env=env)
    finally:
        os.umask(old)
    assert made.returncode == 0, made.stderr
    assert f"LANTERN_MODERATOR_KEY_FILE={path}" in made.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    key = path.read_text()
    assert re.fullmatch(r"[0-9a-f]{64}\n", key)
    assert key.strip() not in made.stdout + made.stderr
    again = lantern("admin", "new-key", str(path), env=env)
    assert again.returncode == 2 and "never overwrites" in again.stderr
    assert path.read_text() == key
    keyed = {**env, "LANTERN_MODERATOR_KEY_FILE": str(path)}
    assert lantern("admin", "add", env=keyed).returncode == 0
    doctor = lantern("doctor", env=keyed)
    assert "ok    moderator key: from LANTERN_MODERATOR_KEY_FILE" in doctor.stdout
    assert key.strip() not in doctor.stdout


def test_a_key_in_the_data_directory_is_flagged(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "moderator.key").write_bytes(b"k" * 32)  # where versions before 2026-11 kept it
    env = {"LANTERN_DATA_DIR": str(data)}
    doctor = lantern("doctor", env=env)
    assert "FIX   moderator key: the moderator key is in the data directory" in doctor.stdout
    assert "lantern admin migrate-key --to" in doctor.stdout
    added = lantern("admin", "add", env=env)
    assert added.returncode == 0  # existing set-ups keep working, with a warning
    assert "migrate-key" in added.stderr
    fresh = lantern("admin", "new-key", str(tmp_path / "other.key"), env=env)
    assert fresh.returncode == 2 and "migrate-key" in fresh.stderr


def test_stats_and_search_see_what_the_running_bot_serves(tmp_path):
    """A "Still right" in the database moves an entry off the overdue list, and a legal
    entry long past its date is hidden from `lantern search` as from users."""
    import asyncio
    import sqlite3

    from moderation.store import DB_NAME, Store

    data = tmp_path / "data"

    async def make() -> None:
        store = await Store.open(data)
        await store.close()

    asyncio.run(make())
    with sqlite3.connect(data / DB_NAME) as db:
        db.execute(
            "INSERT INTO confirmations (entry_id, verified, review_by, confirmed_by) "
            "VALUES ('uk-peer-group', '2026-11-20', '2099-01-01', '1')"
        )
    env = {"LANTERN_CONTENT_DIR": str(SMALL), "LANTERN_DATA_DIR": str(data)}
    figures = json.loads(lantern("stats", "--json", env=env).stdout)
    assert figures["past_review_by"] == []
    assert figures["hidden_from_users"] == []
    # Without the database the content's own dates count, as before.
    plain = json.loads(lantern("stats", "--json", env={"LANTERN_CONTENT_DIR": str(SMALL)}).stdout)
    assert plain["past_review_by"] == ["uk-peer-group"]


def test_search_leaves_out_legal_entries_hidden_from_users(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SMALL, content)
    path = content / "entries.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: rights-phone-us")
    block = text[start:]
    old = block.replace("verified: 2026-11-01", "verified: 2025-01-01", 1).replace(
        "review_by: 2027-05-01", "review_by: 2025-06-01", 1
    )
    path.write_text(text[:start] + old, encoding="utf-8")
    env = {"LANTERN_CONTENT_DIR": str(content)}
    figures = json.loads(lantern("stats", "--json", env=env).stdout)
    assert "rights-phone-us" in figures["hidden_from_users"]
    found = json.loads(lantern("search", "phone", "--region", "us", "--json", env=env).stdout)
    assert "rights-phone-us" not in [hit["id"] for hit in found["hits"]]


def test_validate_names_the_entries_not_yet_translated():
    result = lantern("validate", str(SMALL))
    assert result.returncode == 0
    assert "note: 4 entries not translated into pt yet:" in result.stdout
    assert "uk-peer-group" in result.stdout
    shipped = lantern("validate")
    assert shipped.returncode == 0 and "not translated" not in shipped.stdout
