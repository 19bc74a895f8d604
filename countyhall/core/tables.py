"""One shape for every list page: filter bar, sortable headers, pagination, export of exactly what is filtered.

County staff know the pattern from the admin systems they use every day (a filter bar with 查询/重置 above the
table, sortable column headers, 第 N / M 页, 导出 that honours the filters and lets them choose the columns).
A view builds its filtered queryset from `core.params` parsers, then hands it to `Table`:

    table = Table(request, queryset, columns=COLUMNS, default_sort="-created_at")
    if table.export_requested:
        return table.export(filename="助餐老人.csv")        # or table.export_xlsx(...)
    return render(request, "…/list.html", {"table": table, ...})

and the template includes ``core/_table.html`` (or renders `table.page` itself with ``{% sort_header %}`` and
``core/_pager.html``). Sorting is whitelisted per column (an unknown key is a 400 naming the field, never an
arbitrary ORDER BY); the export writes the same filtered, sorted rows — every row, not just the page — through
`core.reports` (formula-looking text stays text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import QueryDict

from countyhall.core.params import BadParameter, page_param

PER_PAGE_CHOICES = (20, 50, 100)


@dataclass(frozen=True)
class Column:
    key: str  # stable key: the ?sort= and ?cols= value
    label: str  # Chinese header
    value: Callable[[Any], Any] | None = None  # row → cell value; default: the attribute path `key` (a__b)
    sort: str = ""  # the ORM field path it sorts on; empty: not sortable
    export: bool = True  # offered in the export
    default: bool = True  # ticked by default in the export's column choice

    def cell(self, row) -> Any:
        if self.value is not None:
            return self.value(row)
        value = row
        for part in self.key.split("__"):
            value = getattr(value, part, None) if value is not None else None
        if callable(value):
            value = value()
        return "" if value is None else value


class Table:
    def __init__(
        self,
        request,
        queryset,
        *,
        columns: Sequence[Column],
        default_sort: str = "",
        per_page: int = 50,
        rows: Callable[[Iterable], Iterable] | None = None,
    ):
        """`rows` may turn the page's model instances into what the template and export read (e.g. pairs of
        (elder, masked person)); it is applied to the page and, in chunks, to the export."""
        self.request = request
        self.columns = list(columns)
        self._by_key = {column.key: column for column in self.columns}
        self._rows = rows
        self.sort = self._sort_param(request.GET.get("sort", "").strip() or default_sort)
        raw_per_page = request.GET.get("per_page", "").strip()
        if raw_per_page:
            if not raw_per_page.isdecimal() or int(raw_per_page) not in PER_PAGE_CHOICES:
                raise BadParameter(
                    "per_page", "每页条数", f"应为 {'、'.join(map(str, PER_PAGE_CHOICES))} 之一。"
                )
            per_page = int(raw_per_page)
        self.per_page = per_page
        self.queryset = self._ordered(queryset)
        self.page = Paginator(self.queryset, per_page).get_page(page_param(request))
        self.rows = list(rows(self.page.object_list)) if rows else list(self.page.object_list)

    # -- sorting -------------------------------------------------------------------------------------------
    def _sort_param(self, raw: str) -> str:
        if not raw:
            return ""
        key = raw.removeprefix("-")
        column = self._by_key.get(key)
        if column is None or not column.sort:
            raise BadParameter("sort", "排序", f"不能按“{raw[:20]}”排序。")
        return raw

    def _ordered(self, queryset):
        if not self.sort:
            return queryset if queryset.ordered else queryset.order_by("-pk")
        column = self._by_key[self.sort.removeprefix("-")]
        direction = "-" if self.sort.startswith("-") else ""
        # pk last: a stable order, so a row never appears on two pages.
        return queryset.order_by(f"{direction}{column.sort}", f"{direction}pk")

    def sort_url(self, key: str) -> str:
        """The link of a column header: sort by it, or reverse the order when it is already the sort."""
        query = self._query(exclude=("sort", "page"))
        # First click sorts ascending, a second reverses, a third goes back to ascending.
        query["sort"] = f"-{key}" if self.sort == key else key
        return "?" + query.urlencode()

    def sort_state(self, key: str) -> str:
        if self.sort == key:
            return "ascending"
        if self.sort == f"-{key}":
            return "descending"
        return ""

    # -- links keeping the filters ---------------------------------------------------------------------------
    def _query(self, *, exclude: Iterable[str] = ()) -> QueryDict:
        query = self.request.GET.copy()
        for name in (*exclude, "export", "cols"):
            query.pop(name, None)
        return query

    def page_url(self, number: int) -> str:
        query = self._query(exclude=("page",))
        query["page"] = str(number)
        return "?" + query.urlencode()

    @property
    def filter_query(self) -> str:
        """The current filters and sort as a query string (for the export form and links)."""
        return self._query(exclude=("page",)).urlencode()

    @property
    def sortable(self) -> list[Column]:
        return [column for column in self.columns if column.sort]

    # -- export --------------------------------------------------------------------------------------------
    @property
    def export_requested(self) -> str:
        return self.request.GET.get("export", "").strip()

    def export_columns(self) -> list[Column]:
        chosen = self.request.GET.getlist("cols")
        offered = [column for column in self.columns if column.export]
        if not chosen:
            return [column for column in offered if column.default]
        unknown = [key for key in chosen if key not in {column.key for column in offered}]
        if unknown:
            raise BadParameter("cols", "导出列", f"没有“{unknown[0][:20]}”这一列。")
        return [column for column in offered if column.key in chosen]

    def export_rows(self, columns: Sequence[Column], *, chunk: int = 2000) -> Iterable[list]:
        """Every filtered row (not only the page), read in chunks so memory stays flat."""
        iterator = self.queryset.iterator(chunk_size=chunk)
        batch: list = []
        for item in iterator:
            batch.append(item)
            if len(batch) >= chunk:
                yield from self._cells(batch, columns)
                batch = []
        if batch:
            yield from self._cells(batch, columns)

    def _cells(self, batch, columns):
        rows = self._rows(batch) if self._rows else batch
        for row in rows:
            yield [column.cell(row) for column in columns]

    def export(self, *, filename: str):
        """The filtered rows with the chosen columns: CSV (?export=csv) or Excel (?export=xlsx)."""
        from countyhall.core.reports import csv_response, excel_response

        columns = self.export_columns()
        headers = [column.label for column in columns]
        stem = filename.rsplit(".", 1)[0]
        if self.export_requested == "xlsx":
            return excel_response(
                filename=f"{stem}.xlsx", sheet_title=stem, headers=headers, rows=self.export_rows(columns)
            )
        if self.export_requested != "csv":
            raise BadParameter("export", "导出格式", "应为 csv 或 xlsx。")
        return csv_response(filename=f"{stem}.csv", headers=headers, rows=self.export_rows(columns))
