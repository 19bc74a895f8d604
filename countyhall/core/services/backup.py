"""Backups, restores and upgrades of one installation: the database and the uploaded files together.

An archive `countyhall-YYYYMMDD-HHMMSS.tar.gz` (Asia/Shanghai time, the county's clock) holds

    manifest.json   version, created_at, database vendor, row count of every table, sha256 of every file
    database.dump   `pg_dump --format=custom` of the configured PostgreSQL database, or
    database.sqlite3  a consistent copy of the SQLite file made with sqlite3's backup API
    media/…         every file under MEDIA_ROOT (applicants' materials, Excel imports)

A restore checks the archive against its manifest before it touches anything, restores the database in one
transaction, moves the media folder into place only after that succeeded, and then compares the restored
row counts with the manifest. See docs/operations.md for the schedule and the restore drill.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

from countyhall.core.errors import ServiceError

ARCHIVE_TZ = ZoneInfo("Asia/Shanghai")
ARCHIVE_PATTERN = "countyhall-%Y%m%d-%H%M%S.tar.gz"
MANIFEST = "manifest.json"
PG_DUMP_MEMBER = "database.dump"
SQLITE_MEMBER = "database.sqlite3"
MEDIA_PREFIX = "media"
FORMAT_VERSION = 1
# Tables `migrate` fills by itself (post_migrate signals, the migration ledger): a database holding only
# these rows holds nothing an operator could lose, so a restore into it needs no --yes.
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


def _settings():
    from django.conf import settings

    return settings


def _database() -> dict:
    return _settings().DATABASES["default"]


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_row_counts() -> dict[str, int]:
    """The row count of every table in the configured database (the manifest's and the restore check's)."""
    from django.db import connection

    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _applied_migrations() -> dict[str, str]:
    """The latest applied migration of each app: what the archive's schema corresponds to."""
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    latest: dict[str, str] = {}
    for app, name in sorted(recorder.applied_migrations()):
        latest[app] = max(latest.get(app, name), name)
    return latest


def _version() -> str:
    try:
        return metadata.version("countyhall")
    except metadata.PackageNotFoundError:
        return "unknown"


# ---------------------------------------------------------------- PostgreSQL client tools


def _pg_command(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise ServiceError(
            tool,
            f"找不到 {tool}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client），"
            "并确认其在 PATH 中。",
        )
    return path


def _pg_client_major(executable: str) -> int:
    output = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    if not match:
        raise ServiceError(
            Path(executable).name, f"无法识别 {executable} 的版本：{output.strip() or '无输出'}"
        )
    return int(match.group(1))


def _pg_check_client(executable: str) -> None:
    """pg_dump refuses a server newer than itself; say so before starting rather than mid-dump."""
    from django.db import connection

    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    client_major = _pg_client_major(executable)
    if client_major < server_major:
        raise ServiceError(
            Path(executable).name,
            f"{Path(executable).name} 版本为 {client_major}，低于数据库服务器版本 {server_major}："
            f"请安装 PostgreSQL {server_major} 的客户端（postgresql-client-{server_major}）。",
        )


def _pg_connection_args() -> tuple[list[str], dict[str, str]]:
    """The libpq arguments and environment for the configured database (password via PGPASSWORD, not argv)."""
    db = _database()
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return args, env


def _run(command: list[str], env: dict[str, str], field: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ServiceError(
            field,
            f"{Path(command[0]).name} 失败（退出码 {result.returncode}）："
            + ("；".join(detail[-5:]) or "无输出"),
        )


# ---------------------------------------------------------------- SQLite


def _sqlite_path() -> Path:
    name = str(_database()["NAME"])
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        raise ServiceError("DATABASE_URL", "当前数据库是内存中的 SQLite，没有可备份或恢复的文件。")
    return Path(name)


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy even while the site is writing: sqlite3's online backup API, not a file copy."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


# ---------------------------------------------------------------- backup


def backup_create(*, to_dir: Path | None = None, now: dt.datetime | None = None) -> dict:
    """Write one archive of the database and MEDIA_ROOT into `to_dir` (default VAR_DIR/backups)."""
    from django.db import connection

    settings = _settings()
    vendor = _vendor()
    if vendor not in ("postgresql", "sqlite"):
        raise ServiceError("DATABASE_URL", f"不支持备份 {vendor} 数据库：仅支持 PostgreSQL 和 SQLite。")
    target_dir = Path(to_dir) if to_dir else Path(settings.VAR_DIR) / "backups"
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ServiceError("--to", f"无法创建备份目录 {target_dir}：{exc.strerror}") from None
    created = (now or dt.datetime.now(tz=ARCHIVE_TZ)).astimezone(ARCHIVE_TZ)
    archive = target_dir / created.strftime(ARCHIVE_PATTERN)
    if archive.exists():
        raise ServiceError("--to", f"备份文件 {archive} 已存在：同一秒内不能备份两次，请稍后重试。")

    with tempfile.TemporaryDirectory(prefix="countyhall-backup-", dir=target_dir) as work:
        work_dir = Path(work)
        # The counts are taken before the dump: rows written in between make the restore check report a
        # difference rather than pass silently (run the backup when the site is quiet, at 02:00).
        counts = table_row_counts()
        if vendor == "postgresql":
            pg_dump = _pg_command("pg_dump")
            _pg_check_client(pg_dump)
            args, env = _pg_connection_args()
            dump = work_dir / PG_DUMP_MEMBER
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(dump),
                    *args,
                    "--dbname",
                    str(_database()["NAME"]),
                ],
                env,
                "pg_dump",
            )
        else:
            connection.close()
            dump = work_dir / SQLITE_MEMBER
            _sqlite_copy(_sqlite_path(), dump)

        media_root = Path(settings.MEDIA_ROOT)
        files = {}
        if media_root.is_dir():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                relative = path.relative_to(media_root).as_posix()
                files[relative] = {"sha256": _sha256(path), "size": path.stat().st_size}
        manifest = {
            "format": FORMAT_VERSION,
            "version": _version(),
            "created_at": created.isoformat(),
            "database": {"vendor": vendor, "file": dump.name, "sha256": _sha256(dump)},
            "migrations": _applied_migrations(),
            "tables": counts,
            "file_count": len(files),
            "files": files,
        }
        (work_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")

        # Written under a temporary name and renamed: an interrupted backup never leaves an archive that
        # looks complete.
        partial = target_dir / (archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work_dir / MANIFEST, arcname=MANIFEST)
            tar.add(dump, arcname=dump.name)
            for relative in files:
                tar.add(media_root / relative, arcname=f"{MEDIA_PREFIX}/{relative}")
        os.replace(partial, archive)
    return {"archive": str(archive), "tables": len(counts), "files": len(files)}


# ---------------------------------------------------------------- restore


def _extract_verified(archive: Path, work_dir: Path) -> dict:
    """Unpack the archive and check every member against the manifest; nothing is restored before this."""
    if not archive.is_file():
        raise ServiceError("archive", f"找不到备份文件 {archive}。")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            # The "data" filter refuses absolute paths, "..", links out of the folder and device files.
            tar.extractall(work_dir, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ServiceError(
            "archive", f"备份文件 {archive.name} 无法解压（已损坏或不是备份文件）：{exc}"
        ) from None
    manifest_path = work_dir / MANIFEST
    if not manifest_path.is_file():
        raise ServiceError("archive", f"备份文件 {archive.name} 中没有 {MANIFEST}。")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        database = manifest["database"]
        files = manifest["files"]
        tables = manifest["tables"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceError("manifest.json", f"清单文件格式不对：{exc}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise ServiceError(
            "manifest.json", f"不认识的备份格式 {manifest.get('format')!r}（本程序为 {FORMAT_VERSION}）。"
        )
    if not isinstance(files, dict) or not isinstance(tables, dict):
        raise ServiceError("manifest.json", "清单文件格式不对：files 与 tables 应为对象。")
    if database.get("file") not in (PG_DUMP_MEMBER, SQLITE_MEMBER):
        raise ServiceError("manifest.json", f"清单中的数据库文件名 {database.get('file')!r} 无效。")
    dump = work_dir / database["file"]
    if not dump.is_file() or _sha256(dump) != database.get("sha256"):
        raise ServiceError(database["file"], "数据库备份文件缺失或校验值（sha256）与清单不符：备份已损坏。")
    media_dir = work_dir / MEDIA_PREFIX
    present = (
        {p.relative_to(media_dir).as_posix() for p in media_dir.rglob("*") if p.is_file()}
        if media_dir.is_dir()
        else set()
    )
    missing = sorted(set(files) - present)
    extra = sorted(present - set(files))
    if missing or extra:
        raise ServiceError("media", f"备份中的文件与清单不符：缺少 {missing[:5]}，多出 {extra[:5]}。")
    for relative, entry in files.items():
        if _sha256(media_dir / relative) != entry.get("sha256"):
            raise ServiceError("media", f"文件 {relative} 的校验值（sha256）与清单不符：备份已损坏。")
    return manifest


def database_is_empty() -> bool:
    """True when the configured database holds no rows an operator could lose (see BOOKKEEPING_TABLES)."""
    return not any(count for name, count in table_row_counts().items() if name not in BOOKKEEPING_TABLES)


def _restore_postgresql(dump: Path) -> None:
    from django.db import connection

    pg_restore = _pg_command("pg_restore")
    _pg_check_client(pg_restore)
    # Django's own connection would hold no locks, but it is closed so nothing of ours sits on the database.
    connection.close()
    args, env = _pg_connection_args()
    # One transaction: a failing restore leaves the database as it was, not half replaced.
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *args,
            "--dbname",
            str(_database()["NAME"]),
            str(dump),
        ],
        env,
        "pg_restore",
    )


def _restore_sqlite(copy: Path) -> None:
    from django.db import connection

    connection.close()
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes the whole file in one step under SQLite's lock, so the target is either the old
    # database or the restored one — also when the site still has it open.
    _sqlite_copy(copy, target)


def _swap_media(staged: Path, media_root: Path) -> None:
    """Put the restored media folder in place: two renames on one file system, the old folder removed last."""
    old = None
    if media_root.exists():
        old = media_root.with_name(media_root.name + f".before-restore-{os.getpid()}")
        os.replace(media_root, old)
    os.replace(staged, media_root)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def backup_restore(*, archive: Path, assume_yes: bool, actor) -> dict:
    """Replace the configured database and MEDIA_ROOT with an archive's; refuse over data without --yes."""
    from django.db import transaction

    from countyhall.core.models import AuditEntry
    from countyhall.core.services.audit import audit_record

    settings = _settings()
    archive = Path(archive)
    vendor = _vendor()
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    # The work folder sits beside MEDIA_ROOT so the final move of the media folder is a rename, not a copy.
    with tempfile.TemporaryDirectory(prefix=".countyhall-restore-", dir=media_root.parent) as work:
        work_dir = Path(work)
        manifest = _extract_verified(archive, work_dir)
        if manifest["database"]["vendor"] != vendor:
            raise ServiceError(
                "archive",
                f"备份来自 {manifest['database']['vendor']} 数据库，"
                f"当前配置的是 {vendor}：不能跨数据库类型恢复。",
            )
        if not assume_yes and not database_is_empty():
            raise ServiceError(
                "--yes", "目标数据库中已有数据：恢复会覆盖全部数据和上传文件。确认无误后加 --yes 重新运行。"
            )

        dump = work_dir / manifest["database"]["file"]
        if vendor == "postgresql":
            _restore_postgresql(dump)
        else:
            _restore_sqlite(dump)

        staged = work_dir / MEDIA_PREFIX
        staged.mkdir(exist_ok=True)
        _swap_media(staged, media_root)

    counts = table_row_counts()
    expected = {name: int(count) for name, count in manifest["tables"].items()}
    differences = {
        name: {"manifest": expected.get(name), "restored": counts.get(name)}
        for name in sorted(set(expected) | set(counts))
        if expected.get(name) != counts.get(name)
    }
    result = {
        "archive": str(archive),
        "created_at": manifest["created_at"],
        "version": manifest["version"],
        "database": vendor,
        "tables": len(counts),
        "rows": sum(counts.values()),
        "files": len(manifest["files"]),
        "differences": differences,
    }
    if differences:
        raise ServiceError("tables", "恢复后的行数与清单不符：" + json.dumps(differences, ensure_ascii=False))
    # The restore is recorded in the restored database itself, after the count check it would otherwise skew.
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            object_type="backup",
            object_id=archive.name,
            object_repr=f"从备份恢复 {archive.name}",
            after={
                "created_at": manifest["created_at"],
                "tables": len(counts),
                "files": len(manifest["files"]),
            },
            note="数据库与上传文件已从备份恢复",
        )
    return result


# ---------------------------------------------------------------- upgrade


def upgrade_run() -> dict:
    """After installing a new release: migrate, collect static files, run the deployment checks."""
    import io

    from django.core import checks
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if not backwards]
    call_command("migrate", interactive=False, verbosity=0, stdout=io.StringIO())

    out = io.StringIO()
    summary = call_command("collectstatic", interactive=False, verbosity=1, stdout=out) or out.getvalue()
    static = summary.strip().splitlines()[-1] if summary.strip() else ""

    messages = checks.run_checks(include_deployment_checks=True)
    errors = [f"{m.id}: {m.msg}" for m in messages if m.level >= checks.ERROR and not m.is_silenced()]
    warnings = [f"{m.id}: {m.msg}" for m in messages if m.level < checks.ERROR and not m.is_silenced()]
    result = {
        "migrated": pending,
        "static": {"root": str(_settings().STATIC_ROOT), "summary": static},
        "check": {"errors": errors, "warnings": warnings},
        "ok": not errors,
    }
    return result
