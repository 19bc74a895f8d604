"""core.tables.Table: whitelisted sorting, pages that keep the filters, export of every filtered row."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import RequestFactory

from countyhall.core.models import Division
from countyhall.core.params import BadParameter
from countyhall.core.tables import Column, Table

COLUMNS = [
    Column("code", "区划代码", sort="code"),
    Column("name", "名称", sort="name"),
    Column("parent__name", "上级", default=False),
    Column("kind", "类型", export=False),
]


def table(query: str = "", **kwargs) -> Table:
    request = RequestFactory().get(f"/x/?{query}")
    return Table(
        request,
        Division.objects.filter(kind__in=["village", "natural_village", "town", "street"]),
        columns=COLUMNS,
        **kwargs,
    )


def test_sort_is_whitelisted_and_reversible(county_tree):
    assert [d.code for d in table("sort=code").rows] == sorted(d.code for d in table().rows)
    assert [d.code for d in table("sort=-code").rows] == sorted((d.code for d in table().rows), reverse=True)
    assert "sort=-code" in table("sort=code").sort_url("code")
    assert "sort=code" in table("sort=-code").sort_url("code")
    with pytest.raises(BadParameter) as refused:
        table("sort=parent__name")  # a column that is not sortable is not an ORDER BY
    assert refused.value.label == "排序"
    with pytest.raises(BadParameter):
        table("sort=password")


def test_pages_keep_filters_and_sort(county_tree):
    first = table("sort=code&q=%E6%9D%91", per_page=2)
    assert first.page.paginator.count == 5 and len(first.rows) == 2
    link = first.page_url(2)
    assert "q=%E6%9D%91" in link and "sort=code" in link and "page=2" in link
    with pytest.raises(BadParameter):
        table("per_page=100000")


def test_export_writes_every_filtered_row_with_the_chosen_columns(county_tree):
    response = table("sort=code&export=csv&cols=code&cols=parent__name", per_page=2).export(
        filename="区划.csv"
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["区划代码", "上级"]
    assert len(rows) == 1 + 5  # all five, not the page of two
    assert rows[1] == ["370322001000", "高青县"]
    default = table("export=csv").export(filename="区划.csv")
    assert (
        b"".join(default.streaming_content).decode("utf-8-sig").splitlines()[0] == "区划代码,名称"
    )  # default columns; 类型 not offered
    with pytest.raises(BadParameter):
        table("export=csv&cols=kind").export(filename="x.csv")
    with pytest.raises(BadParameter):
        table("export=pdf").export(filename="x.csv")
