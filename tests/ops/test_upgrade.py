"""`countyhall upgrade`: migrate, collectstatic and the deployment checks, reported as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import cli_env, countyhall, output_json


def test_upgrade_migrates_collects_static_and_reports_deploy_warnings(tmp_path):
    env = cli_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = countyhall(env, "upgrade")
    report = output_json(result)
    assert report["ok"] is True
    assert "core.0001_initial" in report["migrated"] and "permits.0001_initial" in report["migrated"]
    static_root = Path(report["static"]["root"])
    assert static_root == tmp_path / "var" / "static"
    assert (static_root / "countyhall").is_dir() and "static file" in report["static"]["summary"]
    # The development secret key is reported, not fatal: check --deploy warnings never fail an upgrade.
    assert any(w.startswith("security.W009") for w in report["check"]["warnings"])
    assert report["check"]["errors"] == []

    again = output_json(countyhall(env, "upgrade"))
    assert again["migrated"] == [] and again["ok"] is True


@pytest.mark.django_db
def test_upgrade_fails_on_a_deploy_check_error_and_reports_warnings(tmp_path, settings, monkeypatch, capsys):
    """An error from check --deploy fails the upgrade (exit 1, "ok": false); a warning alone does not."""
    from django.core import checks

    from countyhall.cli import main

    settings.STATIC_ROOT = tmp_path / "static"
    found = [checks.Error("密钥太短", id="test.E001"), checks.Warning("未启用 HSTS", id="test.W001")]
    monkeypatch.setattr(checks, "run_checks", lambda **kwargs: list(found))
    assert main(["upgrade"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["check"] == {"errors": ["test.E001: 密钥太短"], "warnings": ["test.W001: 未启用 HSTS"]}
    assert (tmp_path / "static" / "countyhall").is_dir()

    found.pop(0)
    assert main(["upgrade"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
