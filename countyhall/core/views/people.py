from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from countyhall.core.models import Division, Person
from countyhall.core.roles import Capability
from countyhall.core.selectors.people import person_get_for_user, person_list_for_user, person_present


@login_required
def person_list(request):
    if not request.user.can(Capability.PERSON_VIEW):
        raise PermissionDenied("当前角色无权查看人员信息。")
    scope = request.user.scope_division
    within = None
    if request.GET.get("division"):
        within = Division.objects.filter(pk=request.GET["division"], path__startswith=scope.path if scope else "-").first()
    people = person_list_for_user(request.user, query=request.GET.get("q", ""), within=within)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    rows = [person_present(p, request.user) for p in page.object_list]
    divisions = Division.objects.filter(path__startswith=scope.path).exclude(kind="natural_village") if scope else []
    return render(request, "core/person_list.html", {"page": page, "rows": rows, "divisions": divisions,
                                                     "scope": scope, "query": request.GET.get("q", ""),
                                                     "within": within})


@login_required
def person_detail(request, pk: int):
    if not request.user.can(Capability.PERSON_VIEW):
        raise PermissionDenied("当前角色无权查看人员信息。")
    try:
        person = person_get_for_user(request.user, person_id=pk, purpose="网页查看人员详情")
    except Person.DoesNotExist:
        raise Http404("不在您的数据范围内或不存在。") from None
    return render(request, "core/person_detail.html", {"person": person})
