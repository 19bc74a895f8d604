from __future__ import annotations

import base64
import binascii
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from countyhall.canteens import access
from countyhall.canteens.forms import ElderForm, ImportConfirmForm, ImportForm, LeftForm, TekunForm
from countyhall.canteens.jobs import ELDER_IMPORT
from countyhall.canteens.models import Elder
from countyhall.canteens.selectors import elder_list_for_user
from countyhall.canteens.services import elders as services
from countyhall.core.errors import ServiceError
from countyhall.core.jobs import can_view_job, import_as_job, job_input_bytes, job_submit
from countyhall.core.models import Job
from countyhall.core.reports import xlsx_response
from countyhall.core.roles import Capability
from countyhall.core.selectors.people import person_get_for_user, person_present
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.web import form_error, submit_form

from .params import answers_bad_parameters, division_param, page_param

# The confirm form carries the previewed file back (base64 in a hidden field, so no server-side state); the
# signature proves the file confirmed is the file previewed, and the cap keeps the page a sane size.
IMPORT_CONFIRM_MAX_BYTES = 2 * 1024 * 1024
IMPORT_SIGNING_SALT = "canteens.elder_import.preview"


def _need(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied("当前角色无权办理此事项。")


@login_required
@answers_bad_parameters
def elder_list(request):
    _need(request.user, Capability.PERSON_VIEW)
    query = request.GET.get("q", "").strip()
    division = division_param(request)
    page_number = page_param(request)
    elders = elder_list_for_user(request.user, query=query, division=division)
    page = Paginator(elders, 50).get_page(page_number)
    rows = [(elder, person_present(elder.person, request.user)) for elder in page.object_list]
    unmasked = request.user.can(Capability.PERSON_VIEW_UNMASKED)
    # One audit row per staff read of the list, with the search that produced it and how many were shown.
    audit_personal_read(actor=request.user, what="助餐老人列表", object_type="canteens.Elder", count=len(rows),
                        filters={"q": query, "division": division.code if division else None,
                                 "page": page.number}, masked=not unmasked)
    scope = request.user.scope_division
    return render(request, "canteens/elder_list.html", {
        "page": page, "rows": rows, "query": query, "division": division,
        "can_edit": access.can_register_elder(request.user, scope) if scope else False,
        "can_import": access.can_import_elders(request.user)})


def _elder_for(request, pk: int) -> Elder:
    elder = elder_list_for_user(request.user).filter(pk=pk).first()
    if elder is None:
        raise Http404("不在您的数据范围内或不存在。")
    return elder


@login_required
def elder_detail(request, pk: int):
    _need(request.user, Capability.PERSON_VIEW)
    elder = _elder_for(request, pk)
    # person_get_for_user writes the audit row of this read (who, which person, masked or not).
    person = person_get_for_user(request.user, person_id=elder.person_id, purpose="查看助餐老人")
    return render(request, "canteens/elder_detail.html", {
        "elder": elder, "person": person, "tekun_periods": elder.tekun_periods.all(),
        "lunches": elder.lunches.select_related("facility").order_by("-meal_date", "-id")[:60],
        "tekun_form": TekunForm(), "left_form": LeftForm(), "can_edit": access.can_edit_elder(request.user, elder)})


@login_required
def elder_new(request):
    scope = request.user.scope_division
    if scope is None or not access.can_register_elder(request.user, scope):
        raise PermissionDenied("只有县民政局或镇（街道）工作人员可以登记助餐老人。")
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
    elder = _elder_for(request, pk)
    submit_form(request, TekunForm(request.POST),
                lambda data: services.tekun_status_add(actor=request.user, elder=elder, **data),
                success="已登记特困人员认定。", invalid="请填写认定依据和起始日期。")
    return redirect(elder)


@login_required
def elder_left(request, pk: int):
    elder = _elder_for(request, pk)
    submit_form(request, LeftForm(request.POST),
                lambda data: services.elder_mark_left(actor=request.user, elder=elder, **data),
                success="已登记。此后的午餐登记将被拒绝。", invalid="")
    return redirect(elder)


def _preview_token(content: bytes) -> str:
    return signing.Signer(salt=IMPORT_SIGNING_SALT).sign(hashlib.sha256(content).hexdigest())


def _confirmed_content(form: ImportConfirmForm) -> bytes:
    """The file of a confirmed preview, or a ServiceError when it is not the file that was previewed."""
    try:
        content = base64.b64decode(form.cleaned_data["content"], validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError("content", "确认的文件内容已损坏，请重新上传文件并预览。") from None
    try:
        digest = signing.Signer(salt=IMPORT_SIGNING_SALT).unsign(form.cleaned_data["token"])
    except signing.BadSignature:
        raise ServiceError("content", "确认的文件与预览的文件不一致，请重新上传文件并预览。") from None
    if digest != hashlib.sha256(content).hexdigest():
        raise ServiceError("content", "确认的文件与预览的文件不一致，请重新上传文件并预览。")
    return content


@login_required
def elder_import_view(request):
    if not access.can_import_elders(request.user):
        raise PermissionDenied("只有县民政局或镇（街道）工作人员可以导入助餐老人。")
    confirming = request.method == "POST" and request.POST.get("confirm") == "1"
    form = ImportForm(None if confirming else (request.POST or None), None if confirming else (request.FILES or None))
    report = confirm_form = None
    if confirming:
        posted = ImportConfirmForm(request.POST)
        try:
            if not posted.is_valid():
                raise ServiceError("content", "确认信息不完整，请重新上传文件并预览。")
            content = _confirmed_content(posted)
            report = services.elder_import(actor=request.user, content=content, mode="update", confirm=True)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            if report.applied:
                messages.success(request, f"已导入：新增 {report.created}，更新 {report.updated}。")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        mode = form.cleaned_data["mode"]
        content = upload.read()
        if import_as_job(content):
            # A large file runs in the background worker: the job page shows its progress, then this report.
            job = job_submit(actor=request.user, kind=ELDER_IMPORT, params={"mode": mode}, input_file=content,
                             input_name=upload.name)
            return redirect("core:job", pk=job.pk)
        try:
            if mode == "update" and upload.size > IMPORT_CONFIRM_MAX_BYTES:
                raise ServiceError("file", f"更新方式的文件不能超过 {IMPORT_CONFIRM_MAX_BYTES // 1024 // 1024} MB，"
                                           "请分批导入。")
            report = services.elder_import(actor=request.user, content=content, mode=mode)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            if report.preview and not report.errors:
                confirm_form = ImportConfirmForm(initial={
                    "content": base64.b64encode(content).decode("ascii"), "token": _preview_token(content)})
    return render(request, "canteens/elder_import.html", {"form": form, "report": report,
                                                          "confirm_form": confirm_form})


@require_POST
@login_required
def elder_import_confirm_job(request, pk: int):
    """Confirm the update preview a background job computed: a second job applies the same file."""
    job = Job.objects.filter(pk=pk, kind=ELDER_IMPORT.code).first()
    if job is None or not can_view_job(request.user, job):
        raise Http404("没有这个导入任务，或该任务不是您提交的。")
    result = job.result or {}
    if job.state != Job.State.DONE or not result.get("preview") or result.get("errors"):
        messages.error(request, "该任务不是可确认的更新预览。")
        return redirect("core:job", pk=job.pk)
    try:
        content = job_input_bytes(job)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("core:job", pk=job.pk)
    confirmed = job_submit(actor=request.user, kind=ELDER_IMPORT, params={"mode": "update", "confirm": True},
                           input_file=content, input_name=job.input_name)
    return redirect("core:job", pk=confirmed.pk)


@login_required
def elder_template(request):
    return xlsx_response(content=services.elder_import_template(), filename="助餐老人导入模板.xlsx")
