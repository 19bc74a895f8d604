"""Run `countyhall` in a subprocess against a database and media folder of its own.

The pytest database lives inside a transaction (or in memory on SQLite), so backups and restores are run the
way an operator runs them: a separate process with explicit settings in its environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Loads a little of everything a backup must carry: a division, an organisation, a user with a role, a person
# and an uploaded file in MEDIA_ROOT. Runs inside the subprocess (local settings, the target database).
LOAD_DATA = """
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from countyhall.core.identity import check_digit
from countyhall.core.models import Organisation, RoleGrant, User
from countyhall.core.services.divisions import division_upsert
from countyhall.core.services.people import person_register

county = division_upsert(actor="test", code="370322000000", name="高青县", kind="county", parent=None)
org = Organisation.objects.create(name="县民政局", kind="department", division=county)
user = User.objects.create_user(username="minzheng", password="pw-for-tests-1", organisation=org,
                                division=county, display_name="民政科员")
RoleGrant.objects.create(user=user, role="civil_affairs")
person_register(actor="test", id_number="37032219500101001" + check_digit("37032219500101001"),
                name="张三", division=county)
default_storage.save("permits/materials/施工许可申请.pdf", ContentFile(b"%PDF-1.4 test material\\n"))
default_storage.save("imports/ledger.xlsx", ContentFile(bytes(range(256)) * 10))
"""

# What a restore must bring back, read in the subprocess: usernames, people's names, file names.
READ_DATA = """
import django, json
django.setup()
from django.core.files.storage import default_storage
from countyhall.core.models import Person, User
print(json.dumps({"users": sorted(User.objects.values_list("username", flat=True)),
                  "people": sorted(Person.objects.values_list("name", flat=True))}, ensure_ascii=False))
"""


def cli_env(tmp: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "COUNTYHALL_", "DATABASE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "countyhall.config.settings.local",
            "DATABASE_URL": database_url,
            "COUNTYHALL_VAR_DIR": str(tmp / "var"),
            "COUNTYHALL_MEDIA_ROOT": str(tmp / "media"),
            "DJANGO_DEBUG": "0",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    return env


def countyhall(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "countyhall.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, (
            f"countyhall {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


_TEMPLATE: dict[str, Path] = {}


def migrated(env: dict[str, str]) -> None:
    """Bring the env's database to the latest migration. On SQLite the first call of a test run migrates a
    template file in a subprocess and every later call copies it: a migration from nothing costs 8–20 s, and the
    backup tests need five fresh databases without testing the migrations themselves (test_upgrade and
    tests/core/test_migrations_on_data do). PostgreSQL databases are migrated in place."""
    url = env["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        countyhall(env, "manage", "migrate", "--noinput")
        return
    if "file" not in _TEMPLATE:
        template_dir = Path(tempfile.mkdtemp(prefix="countyhall-migrated-"))
        template = template_dir / "template.sqlite3"
        countyhall(cli_env(template_dir, f"sqlite:///{template}"), "manage", "migrate", "--noinput")
        _TEMPLATE["file"] = template
    target = Path(url.removeprefix("sqlite:///"))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE["file"], target)


def python(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def output_json(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout)


def media_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
