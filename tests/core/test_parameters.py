"""Policy parameters: the real files load; bad files are rejected naming the file and the key."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from countyhall.core.policy import NoPolicyInForce, ParameterError, load_parameter_dir

REAL_DIR = Path(__file__).resolve().parents[2] / "countyhall" / "parameters"

READINGS = """
readings:
  R1:
    text: 示例解读
    alternative: 另一种理解
"""

GOOD = """
parameters:
  demo.lunch.city:
    label: 市级助餐补贴
    unit: CNY
    values:
      - from: 2021-09-02
        to: 2023-12-31
        value: "1.00"
        citation: {document: 高政办发〔2021〕2号, clause: 五、（一）1, line: 1213}
        reading: R1
      - from: 2024-01-01
        value: "1.50"
        citation: {document: 高政办发〔2021〕2号, clause: 五、（一）1, line: 1213}
"""


def write(tmp_path: Path, body: str, *, readings: str = READINGS) -> Path:
    (tmp_path / "readings.yaml").write_text(textwrap.dedent(readings), encoding="utf-8")
    (tmp_path / "demo.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return tmp_path


def test_real_parameter_files_load():
    registry = load_parameter_dir(REAL_DIR)
    assert "calendar.statutory_day_basis" in registry.parameters
    for reading_id in ("A8", "A12", "A13", "A14", "B4", "B6", "B8", "B10", "C3", "E1"):
        assert registry.readings[reading_id].alternative, reading_id


def test_lookup_by_date_and_outside_every_range(tmp_path):
    registry = load_parameter_dir(write(tmp_path, GOOD))
    value = registry.at("demo.lunch.city", dt.date(2021, 9, 2))
    assert str(value.value) == "1.00" and value.reading == "R1"
    assert value.citation.as_dict() == {
        "document": "高政办发〔2021〕2号",
        "clause": "五、（一）1",
        "line": 1213,
    }
    assert str(registry.at("demo.lunch.city", dt.date(2024, 1, 1)).value) == "1.50"
    with pytest.raises(NoPolicyInForce) as error:
        registry.at("demo.lunch.city", dt.date(2021, 9, 1))
    assert "没有有效的政策规定" in str(error.value) and "demo.lunch.city" in str(error.value)


def test_the_last_value_does_not_apply_forever(tmp_path):
    body = GOOD.split("      - from: 2024-01-01")[0]
    registry = load_parameter_dir(write(tmp_path, body))
    with pytest.raises(NoPolicyInForce):
        registry.at("demo.lunch.city", dt.date(2024, 1, 1))


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("parameters:", "parameter:", "(文件): 未知键 parameter"),
        (
            "    label: 市级助餐补贴",
            "    label: 市级助餐补贴\n    lable: x",
            "parameters.demo.lunch.city: 未知键 lable",
        ),
        ('        value: "1.00"', '        value: "1.00"\n        too: 2022-01-01', "values[0]: 未知键 too"),
        (
            "clause: 五、（一）1, line: 1213}\n        reading",
            "clause: 五、（一）1, line: 1213, page: 3}\n        reading",
            "values[0].citation: 未知键 page",
        ),
        ('        value: "1.00"', "        value: 1.00", "values[0].value: 金额/百分比须写成字符串或整数"),
        ("unit: CNY", "unit: yuan", "unit: 未知单位 yuan"),
        ("        to: 2023-12-31", "        to: 2025-12-31", "有效期重叠"),
        ("        reading: R1", "        reading: R9", "引用了未定义的解读 R9"),
        (
            "document: 高政办发〔2021〕2号, clause: 五、（一）1, line: 1213}\n        reading",
            "document: 高政办发2号, clause: 五、（一）1, line: 1213}\n        reading",
            "文号格式不正确",
        ),
        ("line: 1213}\n        reading", "line: -4}\n        reading", "行号应为正整数"),
        ("        to: 2023-12-31", "        to: 2021-01-01", "结束日期早于开始日期"),
        ("    label: 市级助餐补贴\n", "", "缺少必填键 label"),
        ("  demo.lunch.city:", "  DemoLunch:", "参数名应为小写点分形式"),
    ],
)
def test_bad_yaml_is_rejected_naming_file_and_key(tmp_path, old, new, where):
    assert old in GOOD
    with pytest.raises(ParameterError) as error:
        load_parameter_dir(write(tmp_path, GOOD.replace(old, new, 1)))
    assert str(error.value).startswith("demo.yaml: ")
    assert where in str(error.value)


def test_yaml_syntax_error_names_the_file(tmp_path):
    with pytest.raises(ParameterError, match="demo.yaml: YAML 语法错误"):
        load_parameter_dir(write(tmp_path, "parameters: [unclosed"))


def test_duplicate_parameter_across_files(tmp_path):
    write(tmp_path, GOOD)
    (tmp_path / "other.yaml").write_text(textwrap.dedent(GOOD), encoding="utf-8")
    with pytest.raises(ParameterError, match="other.yaml: parameters.demo.lunch.city: 参数重复定义"):
        load_parameter_dir(tmp_path)


def test_empty_directory(tmp_path):
    with pytest.raises(ParameterError, match="没有找到任何参数文件"):
        load_parameter_dir(tmp_path)


def test_override_switches_a_value_and_keeps_its_citation(tmp_path):
    from countyhall.core.policy import parameters_override

    registry = load_parameter_dir(write(tmp_path, GOOD))
    with parameters_override({"demo.lunch.city": "9.99"}):
        value = registry.at("demo.lunch.city", dt.date(2022, 1, 1))
        assert value.value == "9.99" and "覆盖值" in value.note and value.citation.line == 1213
    assert str(registry.at("demo.lunch.city", dt.date(2022, 1, 1)).value) == "1.00"
    with parameters_override({"demo.lunch.city": "9.99"}), pytest.raises(NoPolicyInForce):
        registry.at("demo.lunch.city", dt.date(2021, 1, 1))  # an override never extends a value's dates
