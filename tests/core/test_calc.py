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
    code, out = run_cli(
        monkeypatch, capsys, ["calc", "calendar.add_working_days"], '{"start": "2021-09-29", "days": 5}'
    )
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
    response = client.post(
        "/api/v1/calc/calendar.add_working_days",
        {"start": "2021-09-29", "days": 5},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert {k: response.json()[k] for k in EXPECTED} == EXPECTED


@pytest.mark.django_db
def test_api_calc_bad_input_is_400_with_field(client):
    response = client.post(
        "/api/v1/calc/calendar.add_working_days",
        {"start": "yesterday", "days": 5},
        content_type="application/json",
    )
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
    assert rule["input_schema"]["properties"]["start"] == {
        "type": "string",
        "format": "date",
        "description": "起算日（不计入）",
    }
    assert rule["input_schema"]["properties"]["days"]["minimum"] == 0
    assert rule["input_schema"]["required"] == ["start", "days"]
    assert rule["input_schema"]["additionalProperties"] is False


def test_cli_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in (
        "calc",
        "gazette",
        "calendar",
        "params",
        "demo",
        "permits",
        "emergency",
        "outbox",
        "manage",
    ):
        assert command in out


@pytest.mark.django_db
def test_cli_params_check_reports_bad_yaml(monkeypatch, capsys, tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "parameters:\n  x.y:\n    label: a\n    unit: CNY\n    oops: 1\n", encoding="utf-8"
    )
    code, out = run_cli(monkeypatch, capsys, ["params", "check", str(tmp_path)])
    assert code == 2 and "bad.yaml" in out["error"]["message"] and "oops" in out["error"]["message"]
    code, out = run_cli(monkeypatch, capsys, ["params", "check"])
    assert code == 0 and out["readings"] >= 10


# --- The calc interface holds inputs to the JSON Schema it publishes ------------------------------------------


def _rules():
    from countyhall.core.rules import RULES

    return RULES


def _standard_validator(schema):
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


RULE_NAMES = [
    "calendar.add_working_days",
    "canteen.lunch",
    "canteen.operating_subsidy",
    "egov.acceptance_due",
    "egov.acceptance_passes",
    "egov.application_timely",
    "egov.consulting_firm_required",
    "egov.cycle_deadlines",
    "egov.funding_allowed",
    "egov.next_year_flag",
    "egov.review_admissible",
    "egov.review_mode",
    "egov.sanction_allowed",
    "egov.supervision_required",
    "egov.trial_run_satisfied",
    "emergency.report_deadlines",
    "emergency.response_level",
    "heating.biomass_fuel",
    "heating.biomass_stove",
    "heating.gas_boiler",
    "heating.gas_network",
    "heating.gas_use",
    "heating.task_equivalent",
    "permit.assessments",
    "permit.due_date",
    "permit.elderly_rooms",
    "permit.stages",
    "permit.time_limit",
]


def test_every_registered_rule_is_covered_here():
    assert sorted(_rules()) == RULE_NAMES


@pytest.mark.django_db
@pytest.mark.parametrize("name", RULE_NAMES)
def test_published_example_validates_against_published_schema_and_runs(name):
    from countyhall.core.rules import calc, rule_catalogue

    entry = next(r for r in rule_catalogue() if r["name"] == name)
    errors = [e.message for e in _standard_validator(entry["input_schema"]).iter_errors(entry["example"])]
    assert errors == []
    assert "citations" in calc(name, entry["example"])


# Inputs each rule accepts (beyond its example): each must validate against the published schema.
ACCEPTED = [
    (
        "permit.due_date",
        {
            "category": "social_civil",
            "accepted_on": "2021-09-29",
            "suspensions": [{"from": "2021-10-11", "to": "2021-10-12"}],
        },
    ),
    ("heating.task_equivalent", {"heated_area_m2": 120}),
    ("heating.gas_use", {"m3": "1500.125", "season": "2021-2022", "converted": 2021}),
    ("emergency.response_level", {"deaths": 0}),
    (
        "canteen.lunch",
        {
            "birth_date": "1941-09-02",
            "meal_date": "2021-09-02",
            "gaoqing_hukou": False,
            "tekun": True,
            "facility": {
                "type": "service_point",
                "setting": "community",
                "operator": "enterprise",
                "same_village": True,
            },
            "price": 8,
        },
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "payload"), ACCEPTED)
def test_accepted_inputs_validate_against_the_published_schema(name, payload):
    from countyhall.core.rules import calc

    calc(name, payload)
    assert [e.message for e in _standard_validator(_rules()[name].input_schema).iter_errors(payload)] == []


def test_due_date_publishes_suspensions_as_from_to_objects():
    items = _rules()["permit.due_date"].input_schema["properties"]["suspensions"]["items"]
    assert items["type"] == "object" and items["required"] == ["from", "to"]
    assert items["properties"]["from"] == {
        "type": "string",
        "format": "date",
        "description": "停止计时的第一天",
    }
    assert items["additionalProperties"] is False


BASE = {
    "calendar.add_working_days": {"start": "2021-09-29", "days": 5},
    "canteen.lunch": {
        "birth_date": "1941-09-02",
        "meal_date": "2021-09-02",
        "gaoqing_hukou": True,
        "tekun": False,
        "facility": {"type": "canteen", "setting": "rural", "operator": "care_org", "same_village": False},
        "price": "8.00",
    },
    "emergency.response_level": {"deaths": 3, "missing": 0, "injured": 5, "especially_major_impact": False},
    "heating.gas_use": {"m3": "1500", "season": "2021-2022", "converted": 2021},
    "heating.task_equivalent": {"heated_area_m2": "120.50"},
    "heating.gas_boiler": {"price": "4200.00"},
    "permit.due_date": {"category": "social_civil", "accepted_on": "2021-09-29", "suspensions": []},
    "permit.elderly_rooms": {"households": 350},
}

WRONG_TYPES = [
    ("calendar.add_working_days", "days", "10", "整数"),
    ("calendar.add_working_days", "days", 10.0, "整数"),
    ("calendar.add_working_days", "days", True, "整数"),
    ("canteen.lunch", "gaoqing_hukou", "yes", "布尔值"),
    ("canteen.lunch", "tekun", "0", "布尔值"),
    ("canteen.lunch", "tekun", 0, "布尔值"),
    ("canteen.lunch", "facility.same_village", "true", "布尔值"),
    ("canteen.lunch", "price", 8.5, "浮点数"),
    ("canteen.lunch", "price", " 8.00", "数字字符串"),
    ("canteen.lunch", "price", "8e0", "数字字符串"),
    ("emergency.response_level", "deaths", "3", "整数"),
    ("emergency.response_level", "especially_major_impact", "no", "布尔值"),
    ("heating.gas_use", "season", 2021, "字符串"),
    ("heating.gas_use", "m3", "1.2345", "3 位小数"),
    ("heating.task_equivalent", "heated_area_m2", 12.5, "浮点数"),
    ("heating.gas_boiler", "price", "-1", "非负"),
    ("permit.due_date", "suspensions.0", "2021-10-01", "JSON 对象"),
    ("permit.due_date", "suspensions.0.until", "2021-10-01", "未知字段"),
    ("permit.elderly_rooms", "area_completed_before_2014_06", 1, "布尔值"),
]


def _with(payload: dict, dotted: str, value) -> dict:
    import copy

    payload = copy.deepcopy(payload)
    *parents, last = dotted.split(".")
    node = payload
    for step in parents:
        if step.isdigit():
            while len(node) <= int(step):
                node.append({"from": "2021-10-11", "to": "2021-10-12"})
            node = node[int(step)]
        else:
            node = node[step]
    if isinstance(node, list):
        node.append(value)
    else:
        node[last] = value
    return payload


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "field", "value", "fragment"), WRONG_TYPES)
def test_wrong_typed_values_are_refused_with_their_field(name, field, value, fragment):
    from countyhall.core.rules import RuleInputError, calc

    payload = _with(BASE[name], field, value)
    with pytest.raises(RuleInputError) as error:
        calc(name, payload)
    assert (field, fragment) in [(f, fragment) for f, m in error.value.errors if fragment in m], (
        error.value.errors
    )
    # and the published schema refuses the same input (10.0 aside: JSON Schema counts it as an integer)
    if not (isinstance(value, float) and value.is_integer()):
        assert list(_standard_validator(_rules()[name].input_schema).iter_errors(payload))


@pytest.mark.django_db
def test_every_error_is_reported_at_once_first_as_error():
    from countyhall.core.rules import RuleInputError, calc

    with pytest.raises(RuleInputError) as error:
        calc("calendar.add_working_days", {"start": "2021-13-01", "days": "5", "extra": 1, "more": 2})
    fields = [f for f, _ in error.value.errors]
    assert fields == ["start", "days", "extra", "more"]
    body = error.value.as_dict()
    assert body["error"] == body["errors"][0] and body["error"]["field"] == "start"
    with pytest.raises(RuleInputError) as error:
        calc(
            "canteen.lunch",
            {
                **BASE["canteen.lunch"],
                "gaoqing_hukou": "yes",
                "tekun": "0",
                "facility": {"type": "x", "setting": "rural", "operator": "care_org"},
            },
        )
    assert [f for f, _ in error.value.errors] == [
        "gaoqing_hukou",
        "tekun",
        "facility.type",
        "facility.same_village",
    ]


@pytest.mark.django_db
def test_api_and_cli_list_every_error(client, monkeypatch, capsys):
    response = client.post(
        "/api/v1/calc/canteen.lunch",
        {**BASE["canteen.lunch"], "gaoqing_hukou": "yes", "price": 8.5},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["field"] == "gaoqing_hukou"
    assert [e["field"] for e in body["errors"]] == ["gaoqing_hukou", "price"]
    code, out = run_cli(
        monkeypatch, capsys, ["calc", "permit.elderly_rooms"], '{"households": "350", "x": 1}'
    )
    assert code == 2 and out["error"]["field"] == "households"
    assert [e["field"] for e in out["errors"]] == ["households", "x"]


def _json_values():
    from hypothesis import strategies as st

    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(10**6), 10**6)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=12)
        | st.dates().map(str)
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=5,
    )


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _mutations():
    from hypothesis import strategies as st

    rules = _rules()
    return st.sampled_from(RULE_NAMES).flatmap(
        lambda name: st.tuples(
            st.just(name), st.sampled_from(sorted(rules[name].input_schema["properties"])), _json_values()
        )
    )


@pytest.mark.django_db
def test_hypothesis_wrong_json_types_are_refused_and_nothing_but_rule_errors_escape():
    """Any JSON value in any field: calc either refuses it naming that field (a wrong JSON type always is),
    or accepts it, and then the input is valid against the published schema. Nothing else is raised."""
    from hypothesis import HealthCheck, given, settings

    from countyhall.core.rules import RuleInputError, calc

    rules = _rules()

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_mutations())
    def check(mutation):
        name, field, value = mutation
        example = rules[name].example
        payload = {**example, field: value}
        declared = rules[name].input_schema["properties"][field].get("type")
        declared = [declared] if isinstance(declared, str) else (declared or [])
        try:
            calc(name, payload)
        except RuleInputError as exc:
            if declared and _json_type(value) not in declared:
                assert field in [f.split(".")[0] for f, _ in exc.errors], exc.errors
            return
        assert not declared or _json_type(value) in declared
        assert list(_standard_validator(rules[name].input_schema).iter_errors(payload)) == []

    check()


# --- Command-line usage errors answer in the CLI's one JSON error shape -----------------------------------------


@pytest.mark.parametrize(
    ("argv", "field", "fragments"),
    [
        (["nosuch"], "command", ["“nosuch”不是可用的选项", "calc", "用法：countyhall"]),
        (["gazette"], "action", ["缺少必填参数", "countyhall gazette"]),
        (["gazette", "ingest"], "path", ["缺少必填参数：path", "countyhall gazette ingest"]),
        (["gazette", "publish"], "action", ["“publish”不是可用的选项", "ingest"]),
        (["calendar", "seed", "abc"], "years", ["“abc”无效", "整数"]),
        (["outbox", "send", "--limit", "x"], "--limit", ["“x”无效", "整数"]),
        (["outbox", "send", "--limit"], "--limit", ["缺少参数值"]),
        (["params", "list", "--bogus"], "(arguments)", ["无法识别的参数：--bogus"]),
        # programs' subcommands (registered through program.register_cli) inherit the parser class, nested too
        (["permits"], "action", ["缺少必填参数", "countyhall permits"]),
        (["permits", "nope"], "action", ["“nope”不是可用的选项", "sweep"]),
        (["permits", "sweep", "--on"], "--on", ["缺少参数值", "countyhall permits sweep"]),
        (["emergency", "seed", "extra"], "(arguments)", ["无法识别的参数：extra"]),
    ],
)
def test_cli_usage_errors_are_structured_json_exit_2(capsys, argv, field, fragments):
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == ""
    out = json.loads(captured.out)
    assert out["error"]["field"] == field
    for fragment in fragments:
        assert fragment in out["error"]["message"]


def test_cli_date_type_refuses_a_bad_date_as_a_usage_error():
    parser = cli.JsonArgumentParser(prog="countyhall x")
    parser.add_argument("--on", type=cli.iso_date)
    assert parser.parse_args(["--on", "2021-10-01"]).on.isoformat() == "2021-10-01"
    with pytest.raises(cli.UsageError) as error:
        parser.parse_args(["--on", "2021-13-01"])
    assert error.value.field == "--on" and "“2021-13-01”无效" in error.value.message


def test_cli_help_is_still_plain_text(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["gazette", "--help"])
    assert exit_info.value.code == 0 and "ingest" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("rule", "body"),
    [
        (
            "canteen.operating_subsidy",
            {
                "facility_type": "canteen",
                "service_start": "9999-12-31",
                "year": 2022,
                "lunches": 7000,
                "evaluation_passed": True,
            },
        ),
        ("emergency.report_deadlines", {"occurred_at": "9999-12-31T23:00:00+08:00"}),
        ("permit.due_date", {"category": "social_civil", "accepted_on": "9999-12-31", "suspensions": []}),
        ("heating.gas_network", {"households": 10**40}),
        ("permit.elderly_rooms", {"households": 10**30}),
    ],
)
@pytest.mark.django_db
def test_extreme_inputs_are_a_400_never_a_500(client, rule, body):
    response = client.post(f"/api/v1/calc/{rule}", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["message"]
