from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from countyhall.canteens.forms import ElderForm, ImportForm, LeftForm, TekunForm
from countyhall.canteens.models import Elder
from countyhall.canteens.selectors import elder_list_for_user
from countyhall.canteens.services import elders as services
from countyhall.core.errors import ServiceError
from countyhall.core.reports import xlsx_response
from countyhall.core.roles import Capability
from countyhall.core.selectors.people import person_get_for_user, person_present
from countyhall.core.web import form_error, submit_form


def _need(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied("当前角色无权办理此事项。")


@login_required
def elder_list(request):
    _need(request.user, Capability.PERSON_VIEW)
    elders = elder_list_for_user(request.user, query=request.GET.get("q", ""))
    page = Paginator(elders, 50).get_page(request.GET.get("page"))
    rows = [(elder, person_present(elder.person, request.user)) for elder in page.object_list]
    return render(request, "canteens/elder_list.html", {"page": page, "rows": rows, "query": request.GET.get("q", ""),
                                                        "can_edit": request.user.can(Capability.PERSON_EDIT)})


def _elder_for(request, pk: int) -> Elder:
    elder = elder_list_for_user(request.user).filter(pk=pk).first()
    if elder is None:
        raise Http404("不在您的数据范围内或不存在。")
    return elder


@login_required
def elder_detail(request, pk: int):
    _need(request.user, Capability.PERSON_VIEW)
    elder = _elder_for(request, pk)
    person = person_get_for_user(request.user, person_id=elder.person_id, purpose="查看助餐老人")
    return render(request, "canteens/elder_detail.html", {
        "elder": elder, "person": person, "tekun_periods": elder.tekun_periods.all(),
        "lunches": elder.lunches.select_related("facility").order_by("-meal_date", "-id")[:60],
        "tekun_form": TekunForm(), "left_form": LeftForm(), "can_edit": request.user.can(Capability.PERSON_EDIT)})


@login_required
def elder_new(request):
    _need(request.user, Capability.PERSON_EDIT)
    form = ElderForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            elder = services.elder_register(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已登记助餐老人。")
            return redirect(elder)
    return render(request, "canteens/elder_form.html", {"form": form})


@login_required
def elder_tekun(request, pk: int):
    _need(request.user, Capability.PERSON_EDIT)
    elder = _elder_for(request, pk)
    submit_form(request, TekunForm(request.POST),
                lambda data: services.tekun_status_add(actor=request.user, elder=elder, **data),
                success="已登记特困人员认定。", invalid="请填写认定依据和起始日期。")
    return redirect(elder)


@login_required
def elder_left(request, pk: int):
    _need(request.user, Capability.PERSON_EDIT)
    elder = _elder_for(request, pk)
    submit_form(request, LeftForm(request.POST),
                lambda data: services.elder_mark_left(actor=request.user, elder=elder, **data),
                success="已登记。此后的午餐登记将被拒绝。", invalid="")
    return redirect(elder)


@login_required
def elder_import_view(request):
    _need(request.user, Capability.PERSON_EDIT)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.elder_import(actor=request.user, content=form.cleaned_data["file"].read(),
                                           mode=form.cleaned_data["mode"])
        except ServiceError as exc:
            form_error(form, exc)
    return render(request, "canteens/elder_import.html", {"form": form, "report": report})


@login_required
def elder_template(request):
    return xlsx_response(content=services.elder_import_template(), filename="助餐老人导入模板.xlsx")
