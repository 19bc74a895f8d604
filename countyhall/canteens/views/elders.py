from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from countyhall.canteens import access
from countyhall.canteens.forms import (
    ElderEditForm,
    ElderForm,
    ImportConfirmForm,
    ImportForm,
    LeftForm,
    TekunForm,
    UndoLeftForm,
)
from countyhall.canteens.jobs import ELDER_IMPORT, ELDERS_EXPORT
from countyhall.canteens.models import Elder, TekunStatus
from countyhall.canteens.names import TOWN_KINDS, ElderName, present, town_names, town_of, unmasked_for
from countyhall.canteens.rules import band_ages, band_ages_terms
from countyhall.canteens.selectors import elder_list_for_user
from countyhall.canteens.services import elders as services
from countyhall.core.clock import business_date, chinese_date, local
from countyhall.core.errors import ServiceError
from countyhall.core.identity import full_years, mask_name
from countyhall.core.jobs import can_confirm_job, import_as_job, job_confirm_preview, job_submit
from countyhall.core.models import Division, Job
from countyhall.core.reports import xlsx_response
from countyhall.core.roles import Capability
from countyhall.core.selectors.people import person_get_for_user, person_present
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.tables import Column, Table
from countyhall.core.web import form_error, submit_form

from .confirm import confirm_page, confirmed
from .params import answers_bad_parameters, choice_param, division_param

# The confirm form carries the previewed file back (base64 in a hidden field, so no server-side state); the
# signature proves the file confirmed is the file previewed, and the cap keeps the page a sane size.
IMPORT_CONFIRM_MAX_BYTES = 2 * 1024 * 1024
IMPORT_SIGNING_SALT = "canteens.elder_import.preview"


def _need(user, capability: str) -> None:
    if not user.can(capability):
        raise PermissionDenied("当前角色无权办理此事项。")


def age_bands(on) -> list[tuple[str, str]]:
    """The list's age filter: the keys are stable URLs, the labels and ages come from the parameter file."""
    young, old = band_ages(on)
    return [
        ("under60", f"未满{young}周岁"),
        ("60_79", f"{young}—{old - 1}周岁"),
        ("80_plus", f"{old}周岁以上"),
    ]


TEKUN_CHOICES = [("yes", "特困人员"), ("no", "非特困人员"), ("ending", "认定30天内到期")]
STATUS_CHOICES = [("active", "在册"), ("died", "已故"), ("moved", "已迁出")]
HUKOU_CHOICES = [("yes", "高青县户籍"), ("no", "非高青县户籍")]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _filtered_elders(request):
    """The elders list's filters (town/village, age band, 特困, status, 户籍, search), each validated."""
    query = request.GET.get("q", "").strip()[:40]
    division = division_param(request)
    bands = age_bands(business_date())
    age = choice_param(request, "age", "年龄段", bands)
    tekun = choice_param(request, "tekun", "特困", TEKUN_CHOICES)
    status = choice_param(request, "status", "状态", STATUS_CHOICES)
    hukou = choice_param(request, "hukou", "户籍", HUKOU_CHOICES)
    today = business_date()
    elders = elder_list_for_user(request.user, query=query, division=division)
    current = TekunStatus.objects.filter(elder=OuterRef("pk"), valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    elders = elders.annotate(tekun_now=Exists(current))
    young, old = band_ages(today)
    sixty, eighty = _years_before(today, young), _years_before(today, old)
    if age == "under60":
        elders = elders.filter(person__birth_date__gt=sixty)
    elif age == "60_79":
        elders = elders.filter(person__birth_date__lte=sixty, person__birth_date__gt=eighty)
    elif age == "80_plus":
        elders = elders.filter(person__birth_date__lte=eighty)
    if tekun == "yes":
        elders = elders.filter(tekun_now=True)
    elif tekun == "no":
        elders = elders.filter(tekun_now=False)
    elif tekun == "ending":
        elders = elders.filter(
            tekun_periods__valid_to__gte=today, tekun_periods__valid_to__lte=today + dt.timedelta(days=30)
        ).distinct()
    if status == "active":
        elders = elders.filter(died_on__isnull=True, moved_away_on__isnull=True)
    elif status == "died":
        elders = elders.filter(died_on__isnull=False)
    elif status == "moved":
        elders = elders.filter(moved_away_on__isnull=False)
    if hukou:
        elders = elders.filter(gaoqing_hukou=hukou == "yes")
    filters = {
        "q": query,
        "division": division.code if division else None,
        "age": age,
        "tekun": tekun,
        "status": status,
        "hukou": hukou,
    }
    return elders, filters, division


@dataclass
class ElderRow:
    elder: Elder
    person: object  # core PersonView, masked for roles without unmasked access
    name: ElderName
    age: int

    @property
    def status(self) -> str:
        if self.elder.died_on:
            return f"已故（{chinese_date(self.elder.died_on)}）"
        if self.elder.moved_away_on:
            return f"已迁出（{chinese_date(self.elder.moved_away_on)}）"
        return "在册"


def _elder_rows(user):
    unmasked = unmasked_for(user)
    today = business_date()

    def rows(batch):
        towns = town_names()
        return [
            ElderRow(
                elder=e,
                person=person_present(e.person, user),
                name=present(e, unmasked=unmasked, towns=towns),
                age=full_years(e.person.birth_date, today),
            )
            for e in batch
        ]

    return rows


ELDER_COLUMNS = [
    Column("name", "姓名", lambda r: r.name.name, sort="person__name"),
    Column("id_number", "身份证号", lambda r: r.person.id_number),
    Column("sex", "性别", lambda r: r.person.sex),
    Column("birth_date", "出生日期", lambda r: r.person.birth_date, sort="person__birth_date"),
    Column("age", "周岁", lambda r: r.age),
    Column("village", "村（社区）", lambda r: r.name.village, sort="person__division__path"),
    Column("town", "镇（街道）", lambda r: r.name.town),
    Column("hukou", "户籍", lambda r: "高青县" if r.elder.gaoqing_hukou else "外地"),
    Column("tekun", "特困人员", lambda r: "是" if r.elder.tekun_now else "否"),
    Column("card_number", "就餐卡号", lambda r: r.elder.card_number or ""),
    Column("status", "状态", lambda r: r.status),
    Column(
        "registered",
        "登记时间",
        lambda r: chinese_date(local(r.elder.registered_at).date()) if r.elder.registered_at else "",
        sort="registered_at",
    ),
    Column("phone", "联系电话", lambda r: r.person.phone, default=False),
    Column("address", "住址", lambda r: r.person.address, default=False),
]


def division_choices(user):
    """Town → village for the filter bar: the divisions in the user's scope, grouped under their town."""
    towns = town_names()
    scope = getattr(user, "scope_division", None)
    divisions = Division.objects.exclude(kind=Division.Kind.COUNTY).order_by("path")
    if scope is not None:
        divisions = divisions.filter(path__startswith=scope.path)
    groups: dict[str, list] = {}
    for division in divisions:
        if division.kind in TOWN_KINDS:
            groups.setdefault(division.name, []).insert(0, (division.pk, f"{division.name}（全镇）"))
        else:
            groups.setdefault(town_of(division, towns) or "县直", []).append((division.pk, division.name))
    return list(groups.items())


def elder_table(request) -> tuple[Table, dict]:
    """The elders list as `request.user` may see it, filtered and sorted by the request: the page, its export and
    the export's background job (canteens.jobs.ELDERS_EXPORT, rebuilt from the saved query string) all read it."""
    _need(request.user, Capability.PERSON_VIEW)
    elders, filters, division = _filtered_elders(request)
    # The county's 90,000 elders: the count stops at 10,000 ("超过 10,000 条", narrow with the filters), as on /people/.
    table = Table(
        request,
        elders,
        columns=ELDER_COLUMNS,
        rows=_elder_rows(request.user),
        default_sort="village",
        count_cap=10_000,
    )
    return table, {"filters": filters, "division": division}


def elder_export_subject(filters: dict, division) -> str:
    """The elders an export holds, in the filter bar's words ("青城镇，在册"). A search is named only as one: its
    text can be an ID number, and the job's message is shown to the administrators who see every job."""
    labels = {
        "age": dict(age_bands(business_date())),
        "tekun": dict(TEKUN_CHOICES),
        "status": dict(STATUS_CHOICES),
        "hukou": dict(HUKOU_CHOICES),
    }
    parts = [division.name] if division is not None else []
    parts += [labels[name][filters[name]] for name in labels if filters.get(name)]
    if filters.get("q"):
        parts.append("按姓名或证件号搜索")
    return "，".join(parts) or "全部老人"


def audit_elder_export(user, table: Table, filters: dict) -> None:
    # The export is a staff read of personal data like the page: one audit row with its filters and size.
    audit_personal_read(
        actor=user,
        what="助餐老人导出",
        object_type="canteens.Elder",
        count=table.queryset.count(),  # exact: the export writes every filtered row, past the cap
        filters={**filters, "cols": [c.key for c in table.export_columns()]},
        masked=not unmasked_for(user),
    )


@login_required
@answers_bad_parameters
def elder_list(request):
    table, found = elder_table(request)
    filters, division = found["filters"], found["division"]
    unmasked = unmasked_for(request.user)
    if table.export_requested:
        # The county's elders (90,000 rows, about 10 s): past a few thousand the worker writes the workbook and the
        # job page shows its progress, then the file (audited there and at each download).
        job = table.export_job(ELDERS_EXPORT, subject=elder_export_subject(filters, division))
        if job is not None:
            return redirect("core:job", pk=job.pk)
        audit_elder_export(request.user, table, filters)
        return table.export(filename="助餐老人.xlsx")
    # One audit row per staff read of the list, with the search that produced it and how many were shown.
    audit_personal_read(
        actor=request.user,
        what="助餐老人列表",
        object_type="canteens.Elder",
        count=len(table.rows),
        filters={**filters, "page": table.page.number},
        masked=not unmasked,
    )
    scope = request.user.scope_division
    return render(
        request,
        "canteens/elder_list.html",
        {
            "table": table,
            "filters": request.GET,
            "division": division,
            "divisions": division_choices(request.user),
            "age_bands": age_bands(business_date()),
            "age_citations": band_ages_terms(business_date())[2],
            "tekun_choices": TEKUN_CHOICES,
            "status_choices": STATUS_CHOICES,
            "hukou_choices": HUKOU_CHOICES,
            "can_edit": access.can_register_elder(request.user, scope) if scope else False,
            "can_import": access.can_import_elders(request.user),
        },
    )


def _elder_for(request, pk: int) -> Elder:
    elder = elder_list_for_user(request.user).filter(pk=pk).first()
    if elder is None:
        raise Http404("不在您的数据范围内或不存在。")
    return elder


def _corrections(elder: Elder, unmasked: bool) -> list[dict]:
    """The history old → new; a masked role reads names masked (length kept), phones and addresses hidden."""
    history = []
    for correction in elder.corrections.select_related("made_by"):
        changes = []
        for label, old, new in correction.changes:
            if not unmasked and label == "姓名":
                old, new = mask_name(old), mask_name(new)
            elif not unmasked and label in ("联系电话", "住址"):
                old, new = ("（已脱敏）" if old else ""), ("（已脱敏）" if new else "")
            changes.append((label, old, new))
        history.append({"c": correction, "changes": changes})
    return history


def _edit_initial(elder: Elder) -> dict:
    person = elder.person
    return {
        "name": person.name,
        "division": person.division_id,
        "gaoqing_hukou": "是" if elder.gaoqing_hukou else "否",
        "address": person.address,
        "phone": person.phone,
        "card_number": elder.card_number or "",
        "tekun_support": _latest_support(elder),
    }


def _latest_support(elder: Elder) -> str:
    period = elder.tekun_periods.order_by("-valid_from").first()
    return period.support if period is not None else ""


@login_required
def elder_detail(request, pk: int, *, edit_form=None, undo_form=None, left_form=None, status: int = 200):
    _need(request.user, Capability.PERSON_VIEW)
    elder = _elder_for(request, pk)
    # person_get_for_user writes the audit row of this read (who, which person, masked or not).
    person = person_get_for_user(request.user, person_id=elder.person_id, purpose="查看助餐老人")
    can_correct = access.can_correct_elder(request.user, elder)
    unmasked = unmasked_for(request.user)
    return render(
        request,
        "canteens/elder_detail.html",
        {
            "elder": elder,
            "person": person,
            "tekun_periods": elder.tekun_periods.all(),
            "name": present(elder, unmasked=unmasked, towns=town_names()),
            "age": full_years(elder.person.birth_date, business_date()),
            "age_warning": services.age_warning(elder.person.birth_date),
            "lunches": elder.lunches.select_related("facility").order_by("-meal_date", "-id")[:60],
            "history": _corrections(elder, unmasked),
            "tekun_form": TekunForm(),
            "left_form": left_form or LeftForm(),
            "edit_form": edit_form
            or (
                ElderEditForm(
                    initial=_edit_initial(elder), user=request.user, tekun=bool(_latest_support(elder))
                )
                if can_correct
                else None
            ),
            "undo_form": undo_form or UndoLeftForm(),
            "can_edit": access.can_edit_elder(request.user, elder),
            "can_correct": can_correct,
        },
        status=status,
    )


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
            messages.success(request, f"已登记助餐老人 {elder.person.name}。")
            warning = services.age_warning(elder.person.birth_date)
            if warning:
                messages.warning(request, warning)
            return redirect(elder)
    return render(request, "canteens/elder_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def elder_edit(request, pk: int):
    elder = _elder_for(request, pk)
    form = ElderEditForm(request.POST, user=request.user, tekun=bool(_latest_support(elder)))
    if form.is_valid():
        try:
            services.elder_update(actor=request.user, elder=elder, **form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已修改，原值保留在修改记录中。")
            return redirect(elder)
    return elder_detail(request, pk, edit_form=form, status=400)


@login_required
@require_POST
def elder_undo_left(request, pk: int):
    elder = _elder_for(request, pk)
    form = UndoLeftForm(request.POST)
    if form.is_valid():
        try:
            services.elder_left_undo(actor=request.user, elder=elder, **form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, "已撤销，撤销记录保留在修改记录中。此前被拒绝的午餐如需补贴，请提交补录申请。"
            )
            return redirect(elder)
    return elder_detail(request, pk, undo_form=form, status=400)


@login_required
def elder_tekun(request, pk: int):
    elder = _elder_for(request, pk)
    submit_form(
        request,
        TekunForm(request.POST),
        lambda data: services.tekun_status_add(actor=request.user, elder=elder, **data),
        success="已登记特困人员认定。",
        invalid="请填写认定依据和起始日期。",
    )
    return redirect(elder)


@login_required
@require_POST
def elder_left(request, pk: int):
    """Recording a death or a move is irreversible at the counter (lunches after it are refused): confirm first."""
    elder = _elder_for(request, pk)
    form = LeftForm(request.POST)
    if not form.is_valid() or not (form.cleaned_data["died_on"] or form.cleaned_data["moved_away_on"]):
        if form.is_valid():
            form.add_error("died_on", "请填写死亡日期或迁出日期。")
        return elder_detail(request, pk, left_form=form, status=400)
    if not confirmed(request):
        data = form.cleaned_data
        name = present(elder, unmasked=unmasked_for(request.user), towns=town_names())
        lines = [f"老人：{name.label}"]
        if data["died_on"]:
            lines.append(f"登记死亡日期：{chinese_date(data['died_on'])}")
        if data["moved_away_on"]:
            lines.append(f"登记迁出日期：{chinese_date(data['moved_away_on'])}")
        return confirm_page(
            request,
            title="登记死亡或迁出",
            lines=lines,
            action="确认登记",
            back=elder.get_absolute_url(),
            warning="登记后，该日及以后的午餐登记将被拒绝；如登记有误，可写明原因撤销。",
        )
    try:
        services.elder_mark_left(actor=request.user, elder=elder, **form.cleaned_data)
    except ServiceError as exc:
        form_error(form, exc)
        return elder_detail(request, pk, left_form=form, status=400)
    messages.success(request, "已登记。此后的午餐登记将被拒绝。")
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
    form = ImportForm(
        None if confirming else (request.POST or None), None if confirming else (request.FILES or None)
    )
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
            job = job_submit(
                actor=request.user,
                kind=ELDER_IMPORT,
                params={"mode": mode},
                input_file=content,
                input_name=upload.name,
            )
            return redirect("core:job", pk=job.pk)
        try:
            if mode == "update" and upload.size > IMPORT_CONFIRM_MAX_BYTES:
                raise ServiceError(
                    "file",
                    f"更新方式的文件不能超过 {IMPORT_CONFIRM_MAX_BYTES // 1024 // 1024} MB，请分批导入。",
                )
            report = services.elder_import(actor=request.user, content=content, mode=mode)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            if report.preview and not report.errors:
                confirm_form = ImportConfirmForm(
                    initial={
                        "content": base64.b64encode(content).decode("ascii"),
                        "token": _preview_token(content),
                    }
                )
    return render(
        request, "canteens/elder_import.html", {"form": form, "report": report, "confirm_form": confirm_form}
    )


@require_POST
@login_required
def elder_import_confirm_job(request, pk: int):
    """Confirm the update preview a background job computed: a second job applies the same file."""
    job = Job.objects.filter(pk=pk, kind=ELDER_IMPORT.code).first()
    if job is None or not can_confirm_job(request.user, job):
        raise Http404("没有这个导入任务，或该任务不是您提交的。")
    result = job.result or {}
    if job.state != Job.State.DONE or not result.get("preview") or result.get("errors"):
        messages.error(request, "该任务不是可确认的更新预览。")
        return redirect("core:job", pk=job.pk)
    try:
        # Once: a second confirmation (double click, another tab) is refused; the preview's file is then deleted.
        confirmed = job_confirm_preview(
            actor=request.user, job=job, kind=ELDER_IMPORT, params={"mode": "update", "confirm": True}
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("core:job", pk=job.pk)
    return redirect("core:job", pk=confirmed.pk)


@login_required
def elder_template(request):
    return xlsx_response(content=services.elder_import_template(), filename="助餐老人导入模板.xlsx")
