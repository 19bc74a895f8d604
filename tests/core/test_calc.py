"""The rules interface: CLI and API, happy path and structured errors."""

from __future__ import annotations

import io
import json

import pytest

from countyhall import cli

EXPECTED = {
    "date": "2021-10-12",
    "citations": [{"document": "高政办发〔2021〕3号", "clause": "二、（四）", "line": 1720}],
    "readings": ["C3"],
}


def run_cli(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.django_db
def test_cli_calc_add_working_days(monkeypatch, capsys):
    code, out = run_cli(monkeypatch, capsys, ["calc", "calendar.add_working_days"], '{"start": "2021-09-29", "days": 5}')
    assert code == 0
    assert {k: out[k] for k in EXPECTED} == EXPECTED
    assert out["makeup_working_days"] == ["2021-10-09"]


@pytest.mark.django_db
def test_cli_calc_from_input_file(monkeypatch, capsys, tmp_path):
    path = tmp_path / "in.json"
    path.write_text('{"start": "2021-09-30", "days": 2}', encoding="utf-8")
    code, out = run_cli(monkeypatch, capsys, ["calc", "calendar.add_working_days", "--input", str(path)])
    assert (code, out["date"]) == (0, "2021-10-09")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stdin", "field", "fragment"),
    [
        ('{"start": "2021-13-01", "days": 5}', "start", "日期"),
        ('{"start": "2021-09-29"}', "days", "必填"),
        ('{"start": "2021-09-29", "days": -1}', "days", "0"),
        ('{"start": "2021-09-29", "days": 5, "extra": 1}', "extra", "未知字段"),
        ("[1, 2]", "(input)", "JSON 对象"),
        ("{not json", "(input)", "JSON"),
        ('{"start": "2027-03-01", "days": 5}', "calendar", "2027"),
        ('{"start": "2021-08-01", "days": 5}', "start", "没有有效的政策规定"),
    ],
)
def test_cli_calc_bad_input_exits_2_with_structured_error(monkeypatch, capsys, stdin, field, fragment):
    code, out = run_cli(monkeypatch, capsys, ["calc", "calendar.add_working_days"], stdin)
    assert code == 2
    assert out["error"]["field"] == field
    assert fragment in out["error"]["message"]


@pytest.mark.django_db
def test_cli_unknown_rule(monkeypatch, capsys):
    code, out = run_cli(monkeypatch, capsys, ["calc", "no.such.rule"], "{}")
    assert code == 2 and out["error"]["field"] == "rule"


@pytest.mark.django_db
def test_cli_lists_rules_without_a_name(monkeypatch, capsys):
    code, out = run_cli(monkeypatch, capsys, ["calc"])
    assert code == 0 and "calendar.add_working_days" in [r["name"] for r in out["rules"]]


@pytest.mark.django_db
def test_api_calc(client):
    response = client.post("/api/v1/calc/calendar.add_working_days", {"start": "2021-09-29", "days": 5},
                           content_type="application/json")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in EXPECTED} == EXPECTED


@pytest.mark.django_db
def test_api_calc_bad_input_is_400_with_field(client):
    response = client.post("/api/v1/calc/calendar.add_working_days", {"start": "yesterday", "days": 5},
                           content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "start" and error["message"]
    response = client.post("/api/v1/calc/calendar.add_working_days", "[]", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "(input)"
    response = client.post("/api/v1/calc/calendar.add_working_days", "{oops", content_type="application/json")
    assert response.status_code == 400 and set(response.json()["error"]) == {"field", "message"}
    assert client.post("/api/v1/calc/nope", {}, content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_api_lists_rules_with_input_schema(client):
    rules = client.get("/api/v1/calc").json()["rules"]
    rule = next(r for r in rules if r["name"] == "calendar.add_working_days")
    assert rule["input_schema"]["properties"]["start"] == {"type": "string", "format": "date", "description": "起算日（不计入）"}
    assert rule["input_schema"]["properties"]["days"]["minimum"] == 0
    assert rule["input_schema"]["required"] == ["start", "days"]
    assert rule["input_schema"]["additionalProperties"] is False


def test_cli_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("calc", "gazette", "calendar", "params", "demo", "permits", "emergency", "outbox", "manage"):
        assert command in out


@pytest.mark.django_db
def test_cli_params_check_reports_bad_yaml(monkeypatch, capsys, tmp_path):
    (tmp_path / "bad.yaml").write_text("parameters:\n  x.y:\n    label: a\n    unit: CNY\n    oops: 1\n", encoding="utf-8")
    code, out = run_cli(monkeypatch, capsys, ["params", "check", str(tmp_path)])
    assert code == 2 and "bad.yaml" in out["error"]["message"] and "oops" in out["error"]["message"]
    code, out = run_cli(monkeypatch, capsys, ["params", "check"])
    assert code == 0 and out["readings"] >= 10
