"""`countyhall backup` and `countyhall restore`: an archive made from one database restores into a fresh one.

Every command runs in a subprocess with its own settings (see helpers.py): the SQLite variant on temporary
files, the PostgreSQL variant on databases created for the test beside the pytest one.
"""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
import uuid
from pathlib import Path

import pytest

from .helpers import LOAD_DATA, READ_DATA, cli_env, countyhall, media_files, migrated, output_json, python

ON_POSTGRES = (os.environ.get("DATABASE_URL") or "").startswith(("postgres://", "postgresql://"))


def _backup_restore_round_trip(source_env: dict, target_env: dict, tmp_path: Path) -> None:
    migrated(source_env)
    python(source_env, LOAD_DATA)
    before = json.loads(python(source_env, READ_DATA))
    source_media = media_files(Path(source_env["COUNTYHALL_MEDIA_ROOT"]))
    assert len(source_media) == 2

    backups = tmp_path / "backups"
    made = output_json(countyhall(source_env, "backup", "--to", str(backups)))
    archive = Path(made["archive"])
    assert archive.parent == backups and archive.is_file()
    assert re.fullmatch(r"countyhall-\d{8}-\d{6}\.tar\.gz", archive.name)
    assert made["files"] == 2 and made["tables"] > 50

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["tables"]["core_person"] == 1
    assert manifest["file_count"] == 2
    assert manifest["created_at"].endswith("+08:00")

    restored = output_json(countyhall(target_env, "restore", str(archive)))
    assert restored["differences"] == {}
    assert restored["files"] == 2
    after = json.loads(python(target_env, READ_DATA))
    assert after == before == {"users": ["minzheng"], "people": ["张三"]}
    assert media_files(Path(target_env["COUNTYHALL_MEDIA_ROOT"])) == source_media

    # Now the target holds data: a second restore needs --yes, and with it succeeds.
    refused = countyhall(target_env, "restore", str(archive), check=False)
    assert refused.returncode == 2
    assert output_json(refused)["error"]["field"] == "--yes"
    again = output_json(countyhall(target_env, "restore", str(archive), "--yes"))
    assert again["differences"] == {}
    assert media_files(Path(target_env["COUNTYHALL_MEDIA_ROOT"])) == source_media


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite variant; the PostgreSQL run restores with pg_restore below")
def test_sqlite_backup_restores_into_a_fresh_database(tmp_path):
    source = cli_env(tmp_path / "source", f"sqlite:///{tmp_path / 'source.sqlite3'}")
    target = cli_env(tmp_path / "target", f"sqlite:///{tmp_path / 'target.sqlite3'}")
    _backup_restore_round_trip(source, target, tmp_path)


@pytest.fixture
def pg_databases():
    """Two throwaway PostgreSQL databases on the server of the test run: a source and a fresh restore target."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    suffix = uuid.uuid4().hex[:8]
    names = [f"wt_prod_backup_src_{suffix}", f"wt_prod_backup_restore_{suffix}"]
    params = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**params, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    yield [f"postgres://{auth}@{host}/{name}" for name in names]
    with psycopg.connect(**params, autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL (pg_dump/pg_restore); the SQLite variant runs above"
)
def test_postgresql_backup_restores_into_a_fresh_database(tmp_path, pg_databases):
    source_url, target_url = pg_databases
    _backup_restore_round_trip(
        cli_env(tmp_path / "source", source_url), cli_env(tmp_path / "target", target_url), tmp_path
    )


@pytest.fixture
def sqlite_archive(tmp_path):
    env = cli_env(tmp_path / "source", f"sqlite:///{tmp_path / 'source.sqlite3'}")
    migrated(env)
    python(env, LOAD_DATA)
    return Path(output_json(countyhall(env, "backup", "--to", str(tmp_path / "backups")))["archive"])


def _rewrite(archive: Path, tmp_path: Path, change) -> Path:
    """A copy of the archive with one member's bytes changed by `change(name, data)`."""
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if data is not None:
                data = change(member.name, data)
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
            else:
                dst.addfile(member)
    return tampered


@pytest.mark.skipif(
    ON_POSTGRES, reason="runs on temporary SQLite files; the PostgreSQL run covers pg_restore"
)
def test_restore_checks_the_manifest_before_touching_anything(tmp_path, sqlite_archive):
    target = cli_env(tmp_path / "target", f"sqlite:///{tmp_path / 'target.sqlite3'}")
    migrated(target)
    python(target, LOAD_DATA.replace("张三", "李四").replace("minzheng", "other"))
    before = python(target, READ_DATA)
    media_before = media_files(Path(target["COUNTYHALL_MEDIA_ROOT"]))

    def flip_material(name, data):
        return data + b"x" if name.endswith("ledger.xlsx") else data

    result = countyhall(
        target, "restore", str(_rewrite(sqlite_archive, tmp_path, flip_material)), "--yes", check=False
    )
    assert result.returncode == 2
    error = output_json(result)["error"]
    assert error["field"] == "media" and "ledger.xlsx" in error["message"] and "sha256" in error["message"]
    # Neither the database nor the uploaded files changed.
    assert python(target, READ_DATA) == before
    assert media_files(Path(target["COUNTYHALL_MEDIA_ROOT"])) == media_before

    def break_dump(name, data):
        return data[:-10] if name == "database.sqlite3" else data

    result = countyhall(
        target, "restore", str(_rewrite(sqlite_archive, tmp_path, break_dump)), "--yes", check=False
    )
    assert output_json(result)["error"]["field"] == "database.sqlite3"
    assert python(target, READ_DATA) == before


@pytest.mark.skipif(ON_POSTGRES, reason="runs on temporary SQLite files")
def test_restore_refuses_a_database_with_data_without_yes(tmp_path, sqlite_archive):
    target = cli_env(tmp_path / "target", f"sqlite:///{tmp_path / 'target.sqlite3'}")
    migrated(target)
    python(target, LOAD_DATA.replace("张三", "李四").replace("minzheng", "other"))
    result = countyhall(target, "restore", str(sqlite_archive), check=False)
    assert result.returncode == 2
    error = output_json(result)["error"]
    assert error["field"] == "--yes" and "--yes" in error["message"]
    assert json.loads(python(target, READ_DATA))["people"] == ["李四"]


def test_backup_refuses_an_in_memory_database(tmp_path):
    env = cli_env(tmp_path, "sqlite://:memory:")
    result = countyhall(env, "backup", "--to", str(tmp_path / "backups"), check=False)
    assert result.returncode == 2
    assert output_json(result)["error"] == {
        "field": "DATABASE_URL",
        "message": "当前数据库是内存中的 SQLite，没有可备份或恢复的文件。",
    }


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL")
def test_backup_without_pg_dump_says_how_to_install_it(tmp_path, pg_databases):
    env = cli_env(tmp_path, pg_databases[0])
    countyhall(env, "manage", "migrate", "--noinput")
    env["PATH"] = str(tmp_path / "empty-bin")
    result = countyhall(env, "backup", "--to", str(tmp_path / "backups"), check=False)
    assert result.returncode == 2
    error = output_json(result)["error"]
    assert error["field"] == "pg_dump" and "postgresql-client" in error["message"]


def test_restore_of_a_missing_archive_names_it(tmp_path):
    env = cli_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = countyhall(env, "restore", str(tmp_path / "nope.tar.gz"), check=False)
    assert result.returncode == 2
    error = output_json(result)["error"]
    assert error["field"] == "archive" and "nope.tar.gz" in error["message"]
