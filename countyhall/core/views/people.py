from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from countyhall.core.errors import ServiceError
from countyhall.core.models import Person
from countyhall.core.params import BadParameter
from countyhall.core.roles import Capability
from countyhall.core.selectors.people import (
    division_filter_for_user,
    person_get_for_user,
    person_list_for_user,
    person_list_read_log,
    person_present,
)
from countyhall.core.tables import Column, Table
from countyhall.core.web import bad_request, is_ascii_int
from countyhall.core.widgets import DivisionChoiceField

# The county's 93,000 people: the count stops at the cap ("超过 10,000 条（可用筛选条件缩小范围）"); a search or a
# division that leaves fewer rows gets the exact count. The order (division path, name) is not keyset-able, so
# the numbered pages end at the cap: past it, the filters narrow the list.
PEOPLE_COUNT_CAP = 10_000
# The page renders its own cells (person_present: masked per role); no sorting offered.
PEOPLE_COLUMNS = [Column("name", "姓名"), Column("id_number", "身份证号"), Column("division", "区划")]


@login_required
def person_list(request):
    if not request.user.can(Capability.PERSON_VIEW):
        raise PermissionDenied("当前角色无权查看人员信息。")
    scope = request.user.scope_division
    try:
        within = division_filter_for_user(request.user, request.GET.get("division"))
    except ServiceError as exc:
        return bad_request(request, field="区划（division）", message=exc.message)
    query = request.GET.get("q", "").strip()
    people = person_list_for_user(request.user, query=query, within=within)
    # A page number that does not parse shows the first page (as the list always did), one past the end the last.
    raw_page = request.GET.get("page", "").strip()
    if raw_page and not (is_ascii_int(raw_page) and 1 <= int(raw_page) <= 10**6):
        request.GET = request.GET.copy()
        request.GET.pop("page")
    try:
        table = Table(request, people, columns=PEOPLE_COLUMNS, count_cap=PEOPLE_COUNT_CAP)
    except BadParameter as exc:
        return bad_request(request, field=f"{exc.label}（{exc.name}）", message=exc.message)
    page = table.page
    rows = [person_present(p, request.user) for p in table.rows]
    # The list shows names, ID numbers and birth years: a read of personal data, logged like a detail page.
    person_list_read_log(
        request.user,
        what="人员查询" if query else "人员列表",
        count=len(rows),
        query=query,
        within=within,
        page=page.number,
    )
    filters = PeopleFilter(scope=scope, initial={"q": query, "division": within.pk if within else ""})
    return render(
        request,
        "core/person_list.html",
        {
            "table": table,
            "page": page,
            "rows": rows,
            "filters": filters,
            "scope": scope,
            "query": query,
            "within": within,
        },
    )


class PeopleFilter(forms.Form):
    """The filter bar of /people/: a name or ID number, and the division (town → village, searchable) within
    the user's scope. The view parses the query itself (division_filter_for_user); this form renders it."""

    q = forms.CharField(label="姓名或身份证号", required=False)

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"] = DivisionChoiceField(scope=scope, required=False, label="区划")


@login_required
def person_detail(request, pk: int):
    if not request.user.can(Capability.PERSON_VIEW):
        raise PermissionDenied("当前角色无权查看人员信息。")
    try:
        person = person_get_for_user(request.user, person_id=pk, purpose="网页查看人员详情")
    except Person.DoesNotExist:
        raise Http404("不在您的数据范围内或不存在。") from None
    return render(request, "core/person_detail.html", {"person": person})
