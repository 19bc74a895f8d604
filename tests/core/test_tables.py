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


def _codes(t: Table) -> list[str]:
    return [d.code for d in t.rows]


def test_capped_count_stops_at_the_cap_and_pages_on_by_position(county_tree):
    everything = _codes(table("sort=-code", per_page=100))
    assert len(everything) == 5
    first = table("sort=-code", per_page=2, count_cap=3)
    assert first.capped and first.count_label == "超过 3" and first.page.paginator.num_pages == 2
    assert _codes(first) == everything[:2] and first.page.has_next() and not first.older_url()
    # Past the numbered pages: a page number beyond the cap shows the last numbered page …
    last = table("sort=-code&page=1000", per_page=2, count_cap=3)
    assert last.page.number == 2 and _codes(last) == everything[2:4] and not last.page.has_next()
    # … whose 更早的记录 link continues by position (keyset), keeping the filters and the sort.
    older_link = last.older_url()
    assert "after=" in older_link and "sort=-code" in older_link and "page=" not in older_link
    older = table(older_link.lstrip("?"), per_page=2, count_cap=3)
    assert _codes(older) == everything[4:] and not older.older_url() and older.after
    # Ascending order too; every row once across the numbered and the keyset pages.
    ascending = table("sort=code&page=2", per_page=2, count_cap=3)
    rest = table(ascending.older_url().lstrip("?"), per_page=2, count_cap=3)
    assert _codes(ascending) + _codes(rest) == sorted(everything)[2:]


def test_capped_count_is_exact_below_the_cap(county_tree):
    narrow = table("sort=code", per_page=2, count_cap=10)
    assert not narrow.capped and narrow.count_label == "5" and narrow.page.paginator.num_pages == 3
    assert not narrow.older_url() and table("sort=code&page=3", per_page=2, count_cap=10).rows


def test_keyset_cursor_is_checked(county_tree):
    with pytest.raises(BadParameter) as refused:
        table("sort=code&after=x~y~z", per_page=2, count_cap=3)
    assert refused.value.name == "after"
    with pytest.raises(BadParameter):
        table("sort=code&after=abc~notanumber", per_page=2, count_cap=3)


def test_capped_export_still_writes_every_filtered_row(county_tree):
    response = table("sort=code&export=csv&cols=code", per_page=2, count_cap=3).export(filename="区划.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + 5
