"""`countyhall upgrade`: migrate, collectstatic and the deployment checks, reported as JSON."""

from __future__ import annotations

from pathlib import Path

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
