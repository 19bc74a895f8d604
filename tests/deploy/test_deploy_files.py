"""deploy/: the environment template names every variable the code reads; the units run real commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

import countyhall

ROOT = Path(countyhall.__file__).parent.parent
DEPLOY = ROOT / "deploy"
# os.environ.get("X"), os.environ["X"], os.environ.setdefault("X"), os.getenv("X") and the production settings'
# _flag("X", …) helper.
READS = re.compile(
    r"""(?:os\.environ(?:\.get|\.setdefault)?\s*[\[(]|os\.getenv\(|_flag\()\s*["']([A-Z0-9_]+)["']"""
)


def variables_read_by_the_code() -> set[str]:
    names = set()
    for source in (ROOT / "countyhall").rglob("*.py"):
        names |= set(READS.findall(source.read_text(encoding="utf-8")))
    return names


def variables_in_template() -> set[str]:
    text = (DEPLOY / "countyhall.env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_the_scan_sees_the_settings():
    found = variables_read_by_the_code()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "COUNTYHALL_PROXY_COUNT", "DJANGO_SSL_REDIRECT"} <= found


def test_every_environment_variable_is_in_the_template():
    missing = variables_read_by_the_code() - variables_in_template()
    assert not missing, f"add to deploy/countyhall.env.example: {sorted(missing)}"


def test_every_template_line_has_chinese_and_english_comments():
    lines = (DEPLOY / "countyhall.env.example").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^#?\s*[A-Z][A-Z0-9_]+=", line):
            comments = []
            back = number - 1
            # A group of related lines (the SMTP settings) shares the comment above its first line.
            while back >= 0 and re.match(r"^[A-Z][A-Z0-9_]+=", lines[back]):
                back -= 1
            while (
                back >= 0
                and lines[back].startswith("#")
                and not re.match(r"^#\s*[A-Z][A-Z0-9_]+=", lines[back])
            ):
                comments.append(lines[back])
                back -= 1
            text = " ".join(comments)
            assert re.search(r"[\u4e00-\u9fff]", text) and re.search(r"[A-Za-z]{4}", text), line


UNITS = [
    "countyhall-web.service",
    "countyhall-web.socket",
    "countyhall-permits-sweep.service",
    "countyhall-permits-sweep.timer",
    "countyhall-egov-sweep.service",
    "countyhall-egov-sweep.timer",
    "countyhall-outbox.service",
    "countyhall-outbox.timer",
]


@pytest.mark.parametrize("unit", UNITS)
def test_units_exist_and_read_the_environment_file(unit):
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    if unit.endswith(".service"):
        assert "EnvironmentFile=/etc/countyhall/countyhall.env" in text and "User=countyhall" in text


@pytest.mark.parametrize(
    ("unit", "argv"),
    [
        ("countyhall-permits-sweep.service", ["permits", "sweep"]),
        ("countyhall-egov-sweep.service", ["egov", "sweep"]),
        ("countyhall-outbox.service", ["outbox", "send"]),
    ],
)
def test_timer_services_run_commands_the_cli_has(unit, argv):
    from countyhall.cli import build_parser

    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    command = re.search(r"^ExecStart=\S+/countyhall (.+)$", text, flags=re.MULTILINE).group(1).split()
    assert command == argv
    assert build_parser().parse_args(command).func


def test_nginx_allows_what_django_accepts():
    text = (DEPLOY / "nginx" / "countyhall.conf").read_text(encoding="utf-8")
    size = int(re.search(r"client_max_body_size (\d+)m;", text).group(1)) * 1024 * 1024
    assert size >= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert "proxy_pass http://unix:/run/countyhall/gunicorn.sock;" in text
    socket = (DEPLOY / "systemd" / "countyhall-web.socket").read_text(encoding="utf-8")
    assert "ListenStream=/run/countyhall/gunicorn.sock" in socket


def test_nginx_healthz_allow_list_applies_on_both_servers():
    """/healthz is for monitoring: neither the port-80 nor the 443 server lets the world read it, and both
    allow the same addresses."""
    text = (DEPLOY / "nginx" / "countyhall.conf").read_text(encoding="utf-8")
    servers = re.split(r"^server \{", text, flags=re.MULTILINE)[1:]
    assert len(servers) == 2
    lists = []
    for server in servers:
        block = re.search(r"location = /healthz \{(.*?)\}", server, flags=re.DOTALL)
        assert block, "every server has its own /healthz location (else location / would answer it)"
        rules = re.findall(r"^\s*((?:allow|deny) [^;]+);", block.group(1), flags=re.MULTILINE)
        assert rules[-1] == "deny all"
        lists.append(rules)
    assert lists[0] == lists[1]


def test_web_unit_runs_gunicorn_with_the_configuration_file():
    """The unit's workers, timeout and logs are in deploy/gunicorn.conf.py, which gunicorn loads as it would."""
    from gunicorn.config import Config

    unit = (DEPLOY / "systemd" / "countyhall-web.service").read_text(encoding="utf-8")
    assert re.search(
        r"^ExecStart=\S+/gunicorn -c /opt/countyhall/deploy/gunicorn\.conf\.py$", unit, flags=re.MULTILINE
    )
    namespace = {"__file__": str(DEPLOY / "gunicorn.conf.py")}
    exec(
        compile((DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8"), "gunicorn.conf.py", "exec"),
        namespace,
    )
    config = Config()
    for name in ("wsgi_app", "workers", "timeout", "accesslog", "errorlog", "post_worker_init"):
        config.set(name, namespace[name])
    assert (config.workers, config.timeout, config.wsgi_app) == (4, 120, "countyhall.config.wsgi:application")
    assert config.post_worker_init is namespace["post_worker_init"]


def test_freeze_after_startup_freezes_and_raises_the_young_threshold():
    import gc

    from countyhall.config.gc_tuning import GEN0_THRESHOLD, freeze_after_startup

    before = gc.get_threshold()
    try:
        done = freeze_after_startup()
        assert done["frozen"] > 0 and gc.get_freeze_count() > 0
        assert gc.get_threshold() == (GEN0_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
