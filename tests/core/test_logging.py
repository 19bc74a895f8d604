"""Logs: each event written once, 4xx without a traceback, JSON lines when asked for."""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys

import pytest
from django.utils.log import configure_logging

from countyhall.core.logging import JsonFormatter


def _stream_handlers() -> list[logging.StreamHandler]:
    """Every plain StreamHandler a django.request record can reach (pytest's capture handlers excluded)."""
    found, logger = [], logging.getLogger("django.request")
    while logger is not None:
        found += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    return found


@pytest.fixture
def log_output(settings):
    # Django's console handler writes only with DEBUG: the local settings a developer or a demo runs.
    settings.DEBUG = True
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    output = io.StringIO()
    for handler in _stream_handlers():
        handler.setStream(output)
    yield output
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_one_403_is_written_once_without_traceback(client, make_user, log_output):
    client.force_login(make_user("clerk", "town_officer", "tianzhen"))
    response = client.get("/audit/")
    assert response.status_code == 403
    text = log_output.getvalue()
    assert text.count("Forbidden") == 1, text
    assert "Traceback" not in text


def test_json_formatter_writes_one_object_per_line():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x/",), None
    )

    class Request:
        path, method = "/permits/1/", "POST"

    record.request, record.status_code = Request(), 500
    try:
        raise ValueError("第一行\n第二行")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "django.request"
    assert entry["message"] == "Internal Server Error: /x/"
    assert entry["path"] == "/permits/1/" and entry["status"] == 500 and entry["method"] == "POST"
    assert "ValueError: 第一行" in entry["exc_info"]
    assert entry["time"]


def test_log_format_switch_selects_the_json_formatter(monkeypatch):
    import countyhall.config.settings.base as base

    monkeypatch.setenv("COUNTYHALL_LOG_FORMAT", "json")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.LOGGING["handlers"]["console"]["formatter"] == "json"
    finally:
        monkeypatch.delenv("COUNTYHALL_LOG_FORMAT")
        importlib.reload(base)


def test_json_lines_reach_the_output(settings, client, make_user):
    logging_config = {
        **settings.LOGGING,
        "handlers": {"console": {**settings.LOGGING["handlers"]["console"], "formatter": "json"}},
    }
    configure_logging(settings.LOGGING_CONFIG, logging_config)
    output = io.StringIO()
    try:
        for handler in _stream_handlers():
            handler.setStream(output)
        client.force_login(make_user("clerk", "town_officer", "tianzhen"))
        assert client.get("/audit/").status_code == 403
        lines = [line for line in output.getvalue().splitlines() if line]
        assert len(lines) == 1
        entry = json.loads(lines[0])
        assert entry["path"] == "/audit/" and entry["status"] == 403 and "exc_info" not in entry
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
