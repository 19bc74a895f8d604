from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from countyhall.core.errors import ServiceError
from countyhall.core.models import Division, Person
from countyhall.core.roles import Capability
from countyhall.core.selectors.people import (
    division_filter_for_user,
    person_get_for_user,
    person_list_for_user,
    person_list_read_log,
    person_present,
)
from countyhall.core.web import bad_request


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
    # get_page() answers a page number that is not a number, or past the end, with the first or last page.
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    rows = [person_present(p, request.user) for p in page.object_list]
    # The list shows names, ID numbers and birth years: a read of personal data, logged like a detail page.
    person_list_read_log(request.user, what="人员查询" if query else "人员列表", count=len(rows), query=query,
                         within=within, page=page.number)
    # The filter offers each division by full_name(), which walks the parents: joined (a village's town and county).
    divisions = (Division.objects.filter(path__startswith=scope.path).exclude(kind="natural_village")
                 .select_related("parent__parent") if scope else [])
    return render(request, "core/person_list.html", {"page": page, "rows": rows, "divisions": divisions,
                                                     "scope": scope, "query": query, "within": within})


@login_required
def person_detail(request, pk: int):
    if not request.user.can(Capability.PERSON_VIEW):
        raise PermissionDenied("当前角色无权查看人员信息。")
    try:
        person = person_get_for_user(request.user, person_id=pk, purpose="网页查看人员详情")
    except Person.DoesNotExist:
        raise Http404("不在您的数据范围内或不存在。") from None
    return render(request, "core/person_detail.html", {"person": person})
