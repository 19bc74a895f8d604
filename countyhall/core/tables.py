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

A list over millions of rows (the county's lunches) passes ``count_cap=10_000``: the count stops at the cap
("超过 10,000 条" instead of counting every row on every view), page numbers go up to the cap, and beyond it the
pager offers "更早的记录" — keyset paging (``?after=`` the last row's sort values) when the order is on plain
columns of the model, so a deep page is an index range, not an OFFSET through millions of rows. A filter that
narrows the rows below the cap gets the exact count and ordinary pages. The export is unchanged: every filtered
row, streamed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
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


# Model rows per chunk of an export. The peak holds about three chunks (the batch of instances, and Django's
# cursor_iter holding the previous fetch while it reads the next): 2,000 elders with their persons made it 24 MB for
# 9,000 rows, 500 makes it 17 MB (what still grows with the elders export is open: docs/benchmarks.md, "Exports:
# memory"), at one more query of the rows hook per 500 rows.
EXPORT_CHUNK = 500

# An Excel worksheet holds 1,048,576 rows, the header one of them: a longer export would be a file Excel refuses.
EXCEL_MAX_DATA_ROWS = 1_048_575


def more_rows_than(queryset, limit: int) -> bool:
    # LIMIT limit+1 inside the count: the database stops there instead of counting ten million lunches.
    return queryset.order_by().values("pk")[: limit + 1].count() > limit


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
        count_cap: int | None = None,
        export_rows: Callable[[Any, Sequence[Column]], Iterable[Sequence]] | None = None,
    ):
        """`rows` may turn the page's model instances into what the template and export read (e.g. pairs of
        (elder, masked person)); it is applied to the page and, in chunks, to the export. `count_cap`: see the
        module's docstring (capped count and keyset paging for very large lists). `export_rows(queryset,
        columns)` writes the export's cells itself — the same cells as the columns give, from plain columns
        (`.values_list(...).iterator()` with the names joined) instead of model instances, for a list whose export
        can run to millions of rows (the lunches)."""
        self.request = request
        self.columns = list(columns)
        self._by_key = {column.key: column for column in self.columns}
        self._rows = rows
        self._export_rows = export_rows
        self.sort = self._sort_param(request.GET.get("sort", "").strip() or default_sort)
        raw_per_page = request.GET.get("per_page", "").strip()
        if raw_per_page:
            if not raw_per_page.isdecimal() or int(raw_per_page) not in PER_PAGE_CHOICES:
                raise BadParameter(
                    "per_page", "每页条数", f"应为 {'、'.join(map(str, PER_PAGE_CHOICES))} 之一。"
                )
            per_page = int(raw_per_page)
        self.per_page = per_page
        if self.export_requested:
            # The export's format and columns are refused here, before the view writes the export's audit row
            # (a refused export read nothing) or queues its job.
            self._check_export_format()
            self.export_columns()
        self.queryset = self._ordered(queryset)
        self.count_cap = count_cap
        self.capped = False  # True: more rows than the cap; the pager says "超过 N 条"
        self.after = ""  # the keyset cursor of this page ("" on numbered pages)
        self.older_cursor = ""  # the cursor of the next, older page beyond the numbered ones
        if count_cap is None:
            self.page = Paginator(self.queryset, per_page).get_page(page_param(request))
            object_list = self.page.object_list
        else:
            object_list = self._capped_page(count_cap)
        self.rows = list(rows(object_list)) if rows else list(object_list)

    # -- capped count and keyset paging ------------------------------------------------------------------------
    def _capped_page(self, cap: int):
        # LIMIT cap+1 inside the count: the database stops after cap+1 rows instead of counting them all.
        counted = self.queryset.order_by().values("pk")[: cap + 1].count()
        self.capped = counted > cap
        keys = self._keyset_fields()
        raw_after = self.request.GET.get("after", "").strip()
        if raw_after:
            if keys is None:
                raise BadParameter("after", "更早的记录", "当前排序不支持按位置翻页，请改用页码。")
            page = _CappedPage(
                number=0, object_list=[], count=min(counted, cap), capped=self.capped, per_page=1
            )
            fetched = list(self.queryset.filter(self._after_filter(keys, raw_after))[: self.per_page + 1])
            self.after = raw_after
            page.object_list = fetched[: self.per_page]
            if len(fetched) > self.per_page:
                self.older_cursor = self._cursor(keys, page.object_list[-1])
            self.page = page
            return page.object_list
        last = max(1, -(-min(counted, cap) // self.per_page))
        number = min(page_param(self.request), last)
        start = (number - 1) * self.per_page
        object_list = list(self.queryset[start : start + self.per_page])
        self.page = _CappedPage(
            number=number,
            object_list=object_list,
            count=min(counted, cap),
            capped=self.capped,
            per_page=self.per_page,
            num_pages=last,
        )
        if self.capped and number == last and keys is not None and object_list:
            self.older_cursor = self._cursor(keys, object_list[-1])
        return object_list

    def _keyset_fields(self) -> list[tuple[str, bool, Any]] | None:
        """(attname, descending, model field) of the order, when every part is a plain column of the model."""
        fields = []
        model = self.queryset.model
        for part in self.queryset.query.order_by:
            if not isinstance(part, str):
                return None
            name = part.removeprefix("-")
            if "__" in name or name == "?":
                return None
            try:
                field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            except FieldDoesNotExist:
                return None
            if not field.concrete or field.is_relation:
                return None
            fields.append((field.attname, part.startswith("-"), field))
        # The primary key must close the order, or two rows could share a cursor and one would be skipped.
        if not fields or fields[-1][2] is not model._meta.pk:
            return None
        return fields

    @staticmethod
    def _cursor(keys, row) -> str:
        return "~".join(str(getattr(row, attname)) for attname, _, _ in keys)

    @staticmethod
    def _after_filter(keys, raw: str) -> Q:
        parts = raw.split("~")
        if len(parts) != len(keys) or len(raw) > 200:
            raise BadParameter("after", "更早的记录", "翻页位置无效，请从第一页重新查看。")
        values = []
        for (_, _, field), text in zip(keys, parts, strict=True):
            try:
                values.append(field.to_python(text))
            except (ValidationError, ValueError, TypeError):
                raise BadParameter("after", "更早的记录", "翻页位置无效，请从第一页重新查看。") from None
        # Rows strictly after the cursor in the order: (a, b, pk) > (va, vb, vpk) written as OR-ed prefixes, plus
        # a bound on the first column alone so the database reads an index range.
        condition = Q()
        for index, (attname, descending, _) in enumerate(keys):
            step = Q(**{f"{attname}__{'lt' if descending else 'gt'}": values[index]})
            for earlier in range(index):
                step &= Q(**{keys[earlier][0]: values[earlier]})
            condition |= step
        first, descending, _ = keys[0]
        return Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]}) & condition

    def older_url(self) -> str:
        if not self.older_cursor:
            return ""
        query = self._query(exclude=("page", "after"))
        query["after"] = self.older_cursor
        return "?" + query.urlencode()

    def first_url(self) -> str:
        return "?" + self._query(exclude=("page", "after")).urlencode()

    @property
    def count_label(self) -> str:
        """共 … 条: exact, or "超过 10,000" past the cap."""
        count = self.page.paginator.count
        return f"超过 {self.count_cap:,}" if self.capped else str(count)

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
        query = self._query(exclude=("sort", "page", "after"))
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
        query = self._query(exclude=("page", "after"))
        query["page"] = str(number)
        return "?" + query.urlencode()

    @property
    def filter_query(self) -> str:
        """The current filters and sort as a query string (for the export form and links)."""
        return self._query(exclude=("page", "after")).urlencode()

    @property
    def sortable(self) -> list[Column]:
        return [column for column in self.columns if column.sort]

    # -- export --------------------------------------------------------------------------------------------
    @property
    def export_requested(self) -> str:
        return self.request.GET.get("export", "").strip()

    def _check_export_format(self) -> None:
        if self.export_requested not in ("csv", "xlsx"):
            raise BadParameter("export", "导出格式", "应为 csv 或 xlsx。")

    def export_columns(self) -> list[Column]:
        chosen = self.request.GET.getlist("cols")
        offered = [column for column in self.columns if column.export]
        if not chosen:
            return [column for column in offered if column.default]
        unknown = [key for key in chosen if key not in {column.key for column in offered}]
        if unknown:
            raise BadParameter("cols", "导出列", f"没有“{unknown[0][:20]}”这一列。")
        return [column for column in offered if column.key in chosen]

    def export_rows(self, columns: Sequence[Column], *, chunk: int = EXPORT_CHUNK) -> Iterable[Sequence]:
        """Every filtered row (not only the page), read in chunks so memory stays flat."""
        if self._export_rows is not None:
            return self._export_rows(self.queryset, columns)
        return self._model_rows(columns, chunk=chunk)

    def _model_rows(self, columns: Sequence[Column], *, chunk: int) -> Iterable[list]:
        iterator = self.queryset.iterator(chunk_size=chunk)
        batch: list = []
        for item in iterator:
            batch.append(item)
            if len(batch) >= chunk:
                yield from self._cells(batch, columns)
                release_instances(batch)
                batch = []
        if batch:
            yield from self._cells(batch, columns)
            release_instances(batch)

    def _cells(self, batch, columns):
        rows = self._rows(batch) if self._rows else batch
        for row in rows:
            yield [column.cell(row) for column in columns]

    def more_rows_than(self, limit: int) -> bool:
        return more_rows_than(self.queryset, limit)

    def _check_excel_limit(self) -> None:
        if self.more_rows_than(EXCEL_MAX_DATA_ROWS):
            raise BadParameter(
                "export",
                "导出格式",
                f"筛选出的记录超过 Excel 一张表的上限（{EXCEL_MAX_DATA_ROWS:,} 行），"
                "请缩小筛选范围（如日期、机构、镇街）后分批导出，或导出 CSV。",
            )

    def export_job(self, kind, *, subject: str = ""):
        """An Excel export past COUNTYHALL_JOB_EXPORT_ROWS filtered rows, submitted to the background worker
        (issue 11: a large export must not hold a web worker, and the user sees its progress). `subject` says in
        words which rows ("青城镇，在册"): the job's message while it waits, and beside the count once done, so
        the job page and the job list tell two exports apart (walk, session 23). Returns the Job,
        whose page (core:job) shows the bar and then the file; None for CSV (streamed row by row) or a small
        export, which the caller answers in the request. `kind`'s handler rebuilds this table from the saved query
        string with `list_request` and writes it with `export_file`, under the starter's scope."""
        from django.conf import settings

        from countyhall.core.jobs import job_submit

        if self.export_requested != "xlsx":
            return None
        # An unknown column or a sheet past Excel's limit is refused here, before anything is queued or audited.
        self.export_columns()
        self._check_excel_limit()
        if not self.more_rows_than(settings.COUNTYHALL_JOB_EXPORT_ROWS):
            return None
        query = self.request.GET.copy()
        for name in ("page", "after", "per_page"):
            query.pop(name, None)
        subject = subject or "全部记录"
        return job_submit(
            actor=self.request.user,
            kind=kind,
            params={"query": query.urlencode(), "subject": subject},
            message=f"等待后台处理：{subject}",
        )

    def export_file(self, *, sheet_title: str, progress: Callable[[int], None] | None = None):
        """The Excel export written to an open temporary file: (rows written, file). For a job's result."""
        from countyhall.core.reports import workbook_file

        columns = self.export_columns()
        self._check_excel_limit()
        written = [0]

        def counted(done: int) -> None:
            written[0] = done
            if progress is not None:
                progress(done)

        output = workbook_file(
            sheet_title=sheet_title,
            headers=[column.label for column in columns],
            rows=self.export_rows(columns),
            progress=counted,
        )
        return written[0], output

    def export(self, *, filename: str):
        """The filtered rows with the chosen columns: CSV (?export=csv) or Excel (?export=xlsx)."""
        from countyhall.core.reports import csv_response, excel_response

        columns = self.export_columns()
        headers = [column.label for column in columns]
        stem = filename.rsplit(".", 1)[0]
        if self.export_requested == "xlsx":
            self._check_excel_limit()
            return excel_response(
                filename=f"{stem}.xlsx", sheet_title=stem, headers=headers, rows=self.export_rows(columns)
            )
        self._check_export_format()
        return csv_response(filename=f"{stem}.csv", headers=headers, rows=self.export_rows(columns))


def release_instances(instances: Iterable) -> None:
    """Empty the related-object caches of a chunk of model instances once its cells are written.

    select_related over a one-to-one field caches each side on the other (an elder's person, and the person's
    elder), a reference cycle per row: a chunk whose rows were in cycles was freed only by the garbage collector,
    late once a collection had promoted it, so an export's peak memory grew with its rows (the county's elders:
    14 MB for 9,000, 29 MB for 90,000; docs/benchmarks.md, "Exports: memory"). Without the caches each chunk is
    freed by reference counting as soon as the next one replaces it."""
    stack = list(instances)
    while stack:
        state = getattr(stack.pop(), "_state", None)
        cache = getattr(state, "fields_cache", None)
        if cache:
            stack.extend(related for related in cache.values() if related is not None)
            cache.clear()


def export_job_outcome(
    table: Table, *, title: str, result_label: str, unit: str, progress, subject: str = ""
):
    """The work of a `Table.export_job` handler once it has rebuilt its table and logged the read: the workbook
    named after `title`, the bar counting rows in the user's units (已写入 500 / 9,000 位老人), the message
    naming the rows' `subject` (已导出 5 位老人（青城镇，在册）)."""
    from countyhall.core.jobs import JobOutcome

    total = table.queryset.count()
    progress(0, total, label=f"已写入 0 / {total} {unit}")
    count, output = table.export_file(
        sheet_title=title,
        progress=lambda done: progress(done, total, label=f"已写入 {done} / {total} {unit}"),
    )
    return JobOutcome(
        result={result_label: count, "rows": count},
        message=f"已导出 {count} {unit}" + (f"（{subject}）" if subject else ""),
        file=(f"{title}.xlsx", output),
    )


def list_request(*, actor, params: dict) -> SimpleNamespace:
    """What a list view reads of its request (GET and user), rebuilt in the worker from the query string a
    `Table.export_job` saved: the job's handler passes it to the same filter code the page used, so the export
    holds the rows the starter saw, parsed and scope-checked for the starter again."""
    return SimpleNamespace(GET=QueryDict(params.get("query") or ""), user=actor, method="GET")


class _CappedPaginator:
    def __init__(self, count: int, num_pages: int, per_page: int):
        self.count = count
        self.num_pages = num_pages
        self.per_page = per_page


class _CappedPage:
    """What the pager template reads of a Django Page, for a capped count (num_pages stops at the cap)."""

    def __init__(
        self, *, number: int, object_list, count: int, capped: bool, per_page: int, num_pages: int = 0
    ):
        self.number = number
        self.object_list = object_list
        self.capped = capped
        self.paginator = _CappedPaginator(count, num_pages, per_page)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return 0 < self.number < self.paginator.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)
