"""Pages of the 工程建设项目审批管理系统. Thin: parse the form, call the service, show the outcome."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.jobs import import_as_job, job_submit
from countyhall.core.models import Organisation
from countyhall.core.params import answers_bad_parameters
from countyhall.core.policy import parameters
from countyhall.core.reports import excel_response, pdf_response, xlsx_file_response, xlsx_response
from countyhall.core.selectors.calendar import DatabaseCalendar
from countyhall.core.services.audit import audit_personal_read
from countyhall.core.web import (
    PostActions,
    bad_request,
    form_data,
    is_ascii_int,
    posted_id,
    save_form,
    submit_form,
)
from countyhall.permits import access, forms, jobs, lists, selectors, services
from countyhall.permits.access import USERS as PERMIT_ROLES
from countyhall.permits.models import (
    Case,
    Category,
    ClockNotice,
    Commitment,
    CreditRecord,
    Extension,
    Material,
    ProgressReport,
    Project,
    Review,
    StageLimit,
)
from countyhall.permits.rules import MERGED_STAGES, elderly_rooms_terms, stages_terms


def _need(user) -> None:
    # Opening the program at all; what a user may do inside it is decided by permits.access.
    if not user.role_codes & PERMIT_ROLES:
        raise PermissionDenied("当前角色无权使用该功能。")


def _bad_request(request, field: str, message: str):
    return bad_request(request, field=field, message=message, nav="permits/_nav.html")


_pk = posted_id


def _project_for(user, pk: int) -> Project:
    project = selectors.project_list_for_user(user).filter(pk=pk).first()
    if project is None:
        raise Http404("项目不存在或不在您的范围内。")
    return project


@login_required
@answers_bad_parameters(nav="permits/_nav.html")
def project_list(request):
    _need(request.user)
    # The cases are prefetched for the table's page only (lists.project_table): the ledger export does not read
    # them, and prefetching every project's cases for it was half its time.
    projects = selectors.project_list_for_user(request.user)
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    output = request.GET.get("format", "")
    if category and category not in Category.values:
        return _bad_request(request, "项目类别", "未知的项目类别。")
    if output not in ("", "xlsx", "template"):
        return _bad_request(request, "格式", "导出格式应为 xlsx 或 template。")
    if query:
        projects = projects.filter(name__icontains=query) | projects.filter(code__icontains=query)
    if category:
        projects = projects.filter(category=category)
    projects, extra = lists.project_filters(request, projects)
    if output == "xlsx" and projects.count() > settings.COUNTYHALL_JOB_EXPORT_ROWS:
        # A large export is built by the background worker; the download (audited) is on the job page.
        job = job_submit(
            actor=request.user,
            kind=jobs.LEDGER_EXPORT,
            params={
                "filters": {key: value for key, value in request.GET.items() if key not in ("format", "page")}
            },
        )
        return redirect("core:job", pk=job.pk)
    if output == "xlsx":  # the import layout, so an exported ledger can be re-imported
        output = services.project_ledger_export_file(projects)
        if not selectors.is_firm(request.user):
            # The ledger names 法定代表人 and 项目负责人 with a phone number: a staff export is logged.
            audit_personal_read(
                actor=request.user,
                what="工程建设项目台账导出",
                object_type="permits.Project",
                count=projects.count(),
                filters={"q": query, "category": category},
            )
        return xlsx_file_response(output=output, filename="工程建设项目台账.xlsx")
    can_register = access.can_import_ledger(request.user)
    if output == "template":
        if not can_register:
            raise PermissionDenied("只有县行政审批服务局、县发展和改革局可以导入项目台账。")
        return xlsx_response(content=services.project_ledger_template(), filename="工程建设项目台账模板.xlsx")
    report = None
    if request.method == "POST":
        if not can_register:  # the service's own predicate, answered as a page's 403
            raise PermissionDenied("只有县行政审批服务局、县发展和改革局可以导入项目台账。")
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择 Excel 文件。")
        else:
            content = upload.read()
            if import_as_job(content):
                job = job_submit(
                    actor=request.user,
                    kind=jobs.LEDGER_IMPORT,
                    input_file=content,
                    input_name=upload.name,
                    params={"mode": request.POST.get("mode", "all_or_nothing")},
                )
                return redirect("core:job", pk=job.pk)
            try:
                report = services.project_ledger_import(
                    actor=request.user, content=content, mode=request.POST.get("mode", "all_or_nothing")
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
    table = lists.project_table(request, projects)
    if table.export_requested:
        return table.export(filename="工程建设项目.xlsx")
    return render(
        request,
        "permits/project_list.html",
        {
            "report": report,
            "table": table,
            "f": extra,
            "projects": table.rows,
            "query": query,
            "category": category,
            "categories": Category.choices,
            "stages": lists.STAGES,
            "statuses": Case.Status.choices,
            "can_register": can_register,
            "is_firm": selectors.is_firm(request.user),
        },
    )


@login_required
def project_new(request):
    _need(request.user)
    if not access.can_register_project(request.user):
        raise PermissionDenied("只有县行政审批服务局、县发展和改革局可以登记项目。")
    form = forms.ProjectForm(request.POST or None)
    created = []
    if request.method == "POST" and save_form(
        request,
        form,
        lambda data: created.append(services.project_register(actor=request.user, **data)),
        success=f"已登记项目 {request.POST.get('code', '').strip()}。",
    ):
        return redirect("permits:project", pk=created[0].pk)
    return render(request, "permits/project_new.html", {"form": form})


def _case_view(user, case: Case, calendar: DatabaseCalendar) -> dict:
    # Every button comes from the predicates the services require, so a page never offers what is refused.
    staff = not selectors.is_firm(user)
    reviews = selectors.case_reviews_for_user(user, case)
    for review in reviews:
        review.clock = services.review_clock(review, calendar=calendar)
    supervise = access.can_supervise_commitment(user, case)
    for extension in case.extensions.all():  # the requester never approves their own
        extension.can_approve = access.can_approve_extension(user, extension)
    return {
        "case": case,
        "clock": services.case_clock(case, calendar=calendar),
        "reviews": reviews,
        "notes": selectors.case_notes_for_user(user, case),
        "materials": [m for m in case.project.materials.all() if m.first_case_id == case.pk],
        "can_accept": case.status == Case.Status.SUBMITTED and access.can_accept(user, case),
        "can_answer_intake": case.status == Case.Status.SUBMITTED and access.can_answer_intake(user, case),
        "can_opine": case.status == Case.Status.IN_REVIEW and access.can_give_review(user, case),
        "can_decide": case.status == Case.Status.IN_REVIEW and access.can_decide(user, case),
        "can_resume": case.status == Case.Status.AWAITING_APPLICANT and access.can_resume(user, case),
        "can_extend": access.can_request_extension(user, case)
        and case.status in (Case.Status.IN_REVIEW, Case.Status.AWAITING_APPLICANT),
        "can_note": access.can_add_note(user, case),
        "can_commit": supervise and case.status == Case.Status.APPROVED,
        "can_check": supervise,
        "staff": staff,
        "listed_records": services.project_credit_records(case.project, on=case.accepted_on)
        if case.applicant_listed
        else [],
        "why": _limit_why(case) if staff else None,
    }


def _limit_why(case: Case) -> dict | None:
    """ "Why this limit" (issue 13): the readings with the answer the case's clock runs under and the version of each
    per-stage figure it took on (Case.policy_basis)."""
    from countyhall.core.policy import ANSWER_LABELS, parameters
    from countyhall.core.policy.basis import parameter_rows

    basis = case.policy_basis or {}
    if not basis:
        return None
    registry = parameters()
    readings = []
    for reading_id, answer in sorted((basis.get("readings") or {}).items()):
        reading = registry.readings.get(reading_id)
        if reading is not None:
            readings.append(
                {
                    "question": reading.question,
                    "answer": ANSWER_LABELS.get(answer, answer),
                    "text": reading.answer_text(answer),
                    "citation": reading.citation,
                }
            )
    return {"readings": readings, "parameters": parameter_rows(basis), "changes": basis.get("changes") or []}


ACTIONS = PostActions()
_action = ACTIONS


@_action("apply")
def _apply(request, project):
    stage = request.POST.get("stage", "")
    needed = services.stage_materials(project=project, stage=stage)
    files = {
        name: request.FILES[f"material-{index}"]
        for index, name in enumerate(needed["required"])
        if f"material-{index}" in request.FILES
    }
    case = services.permit_stage_apply(
        actor=request.user, project=project, stage=stage, on=business_date(), files=files
    )
    if request.POST.get("accept") and access.can_accept(request.user, case):
        services.case_accept(actor=request.user, case=case, on=business_date())
        return "已收件并受理，各部门同步审查。"
    return "已申报，等待牵头部门受理。"


def _case(request, project) -> Case:
    return get_object_or_404(Case, pk=_pk(request.POST.get("case"), "审批事项"), project=project)


@_action("accept")
def _accept(request, project):
    services.case_accept(actor=request.user, case=_case(request, project), on=business_date())
    return "已受理，各部门同步审查。"


@_action("opinion")
def _opinion(request, project):
    data = form_data(forms.OpinionForm(request.POST, request.FILES))
    services.review_give(
        actor=request.user,
        case=_case(request, project),
        opinion=data["opinion"],
        reasons=data["reasons"],
        attachment=data["attachment"],
    )
    return "已出具意见。"


@_action("resume")
def _resume(request, project):
    case = _case(request, project)
    files = {
        name: request.FILES[f"material-{index}"]
        for index, name in enumerate(request.POST.getlist("material_name"))
        if f"material-{index}" in request.FILES
    }
    services.case_resume(actor=request.user, case=case, on=business_date(), files=files)
    return "补正材料已提交，恢复计时。"


@_action("decide")
def _decide(request, project):
    # No outcome is assumed: a missing choice is refused, never read as one or the other.
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "refuse"):
        raise ServiceError("decision", "请选择“准予许可”或“不予许可”。")
    case = services.case_decide(
        actor=request.user,
        case=_case(request, project),
        approve=decision == "approve",
        reasons=request.POST.get("reasons", ""),
    )
    return f"已作出决定：{case.get_status_display()}（{case.decision_number}），已通知建设单位。"


@_action("return")
def _return(request, project):
    services.case_return(
        actor=request.user, case=_case(request, project), reason=request.POST.get("reasons", "")
    )
    return "已退回申请，并通知建设单位补齐材料后重新申报。"


@_action("refuse_intake")
def _refuse_intake(request, project):
    services.case_refuse_intake(
        actor=request.user, case=_case(request, project), reason=request.POST.get("reasons", "")
    )
    return "已决定不予受理，并通知建设单位。"


@_action("extend")
def _extend(request, project):
    services.extension_request(
        actor=request.user, case=_case(request, project), **form_data(forms.ExtensionForm(request.POST))
    )
    return "已提出延期申请，待县行政审批服务局批准。"


@_action("approve_extension")
def _approve_extension(request, project):
    extension = get_object_or_404(
        Extension, pk=_pk(request.POST.get("extension"), "延期申请"), case__project=project
    )
    services.extension_approve(actor=request.user, extension=extension)
    return "已批准延期。"


@_action("note")
def _note(request, project):
    services.case_note_add(
        actor=request.user,
        case=_case(request, project),
        text=request.POST.get("text", ""),
        internal=bool(request.POST.get("internal")),
    )
    return "已记录。"


def _form_action(form_class, service, success, **extra):
    def handle(request, project):
        service(actor=request.user, project=project, **form_data(form_class(request.POST)), **extra)
        return success

    return handle


@_action("fees")
def _fees(request, project):
    return _form_action(forms.FeesForm, services.fees_record, "已登记建设规费缴清。")(request, project)


@_action("assessment")
def _assessment(request, project):
    return _form_action(forms.AssessmentForm, services.assessment_record, "已登记评估评价。")(
        request, project
    )


@_action("residential")
def _residential(request, project):
    return _form_action(forms.ResidentialForm, services.residential_record, "已更新住宅项目信息。")(
        request, project
    )


@_action("elderly_care_step")
def _elderly_care_step(request, project):
    return _form_action(
        forms.ElderlyCareStepForm, services.elderly_care_step_record, "已记录征求意见或验收邀请。"
    )(request, project)


@_action("commit")
def _commit(request, project):
    services.commitment_accept(
        actor=request.user, case=_case(request, project), **form_data(forms.CommitmentForm(request.POST))
    )
    return "已按告知承诺办理，并安排核查。"


@_action("check")
def _check(request, project):
    commitment = get_object_or_404(
        Commitment, pk=_pk(request.POST.get("commitment"), "告知承诺"), case__project=project
    )
    form = forms.CommitmentCheckForm(request.POST)
    if not form.is_valid():
        raise ServiceError(next(iter(form.errors)), "请选择核查结果并填写核查意见。")
    services.commitment_check(
        actor=request.user, commitment=commitment, on=business_date(), **form.cleaned_data
    )
    return (
        "已记录核查结果。"
        if form.cleaned_data["kept"]
        else "未履行承诺：已撤销许可，并将建设单位列入失信名单。"
    )


@login_required
def project_detail(request, pk: int):
    _need(request.user)
    project = _project_for(request.user, pk)
    if request.method == "POST":
        from countyhall.permits.pages import confirmation

        # Deciding, returning and refusing to accept are confirmed on a page of their own first.
        return confirmation(request, project) or ACTIONS.run(
            request, project, url=reverse("permits:project", args=[project.pk])
        )
    if not selectors.is_firm(request.user):
        # The page shows the 法定代表人 and 项目负责人 with a phone number: a staff read of named persons.
        audit_personal_read(
            actor=request.user,
            what="工程建设项目详情",
            object_type="permits.Project",
            object_id=str(project.pk),
            count=1,
        )
    calendar = DatabaseCalendar()
    cases = list(
        project.cases.select_related("lead").prefetch_related(
            "reviews__department",
            "suspensions",
            "extensions__requested_by",
            "extensions__approved_by",
            "notes__author",
            "commitments",
        )
    )
    by_stage = {case.stage: case for case in cases}
    plan = services.project_stage_plan(project)
    stages = plan.data["stages"]
    # A stage not applied for yet, or whose application was returned or not accepted, may be applied for.
    next_stage = next(
        (
            s
            for s in stages
            if s not in by_stage or by_stage[s].status in (Case.Status.RETURNED, Case.Status.NOT_ACCEPTED)
        ),
        None,
    )
    previous_ok = next_stage is not None and (
        stages.index(next_stage) == 0 or by_stage[stages[stages.index(next_stage) - 1]].status == "approved"
    )
    firm = selectors.is_firm(request.user)
    window = access.is_window(request.user)
    on = business_date()
    required_m2 = None
    if project.households:
        required_m2 = elderly_rooms_terms(
            households=project.households,
            completed_before_2014_06=project.in_area_completed_before_2014_06,
            on=on,
        )
    return render(
        request,
        "permits/project_detail.html",
        {
            "project": project,
            "stages": stages,
            "cases": [_case_view(request.user, c, calendar) for c in cases],
            "next_stage": next_stage if previous_ok and access.can_apply(request.user, project) else None,
            "can": {
                "assessment": access.can_record_assessment(request.user, project),
                "fees": access.can_record_fees(request.user, project),
                "residential": access.can_record_residential(request.user, project),
            },
            "next_materials": services.stage_materials(project=project, stage=next_stage)
            if next_stage
            else None,
            "credit": services.project_credit_records(project, on=on),
            "assessments": project.assessments.all(),
            "firm": firm,
            "window": window,
            "corrections": project.corrections.select_related("corrected_by"),
            "can_correct": access.can_correct_project(request.user, project),
            "resume_names": sorted(services.materials_on_file(project)),
            "required_m2": required_m2,
            "stage_plan": _stage_plan_view(project, plan),
            "elderly_care": _elderly_care_view(request.user, project, stages),
            "handover_due": services.handover_deadline_terms(project.completion_filed_on)
            if project.completion_filed_on
            else None,
            "forms": {
                "opinion": forms.OpinionForm(),
                "extension": forms.ExtensionForm(),
                "note": forms.NoteForm(),
                "commitment": forms.CommitmentForm(),
                "check": forms.CommitmentCheckForm(),
                "fees": forms.FeesForm(),
                "assessment": forms.AssessmentForm(),
                "residential": forms.ResidentialForm(
                    initial={
                        "households": project.households,
                        "elderly_room_m2": project.elderly_room_m2,
                        "in_area_completed_before_2014_06": project.in_area_completed_before_2014_06,
                        "completion_filed_on": project.completion_filed_on,
                        "elderly_room_handed_over_on": project.elderly_room_handed_over_on,
                    }
                ),
            },
        },
    )


def _stage_plan_view(project, plan) -> dict | None:
    """C3b on the project page: why this project has three stages or four, with the clause and the reading."""
    if project.category != "land_with_scheme":
        return None
    reading = parameters().reading("C3b")
    answer = plan.answers.get("C3b", "adopted")
    return {
        "merged": plan.data["merged"],
        "citation": MERGED_STAGES,
        "question": reading.question,
        "answer": answer,
        "text": reading.answer_text(answer),
        "fixed": plan.data.get("fixed_by_cases", False),
    }


def _elderly_care_view(user, project, stages: list[str]) -> dict | None:
    """35号 一、（一）1–2 on the project page: the consultation and invitation each residential stage needs, what
    is recorded, and the form for those who may record it."""
    if not project.households:
        return None
    from countyhall.permits.models import ElderlyCareStep

    recorded = {(s.kind, s.party): s for s in project.elderly_care_steps.select_related("organisation")}
    rows = []
    for stage in stages:
        for kind, party in services.elderly_care_steps_due(project, stage=stage):
            rows.append(
                {
                    "stage": stage,
                    "kind": ElderlyCareStep.Kind(kind).label,
                    "party": ElderlyCareStep.Party(party).label,
                    "step": recorded.get((kind, party)),
                }
            )
    if not rows:
        return None
    on = business_date()
    citations = [
        parameters().at("permit.stages.scheme_consultation", on).citation,
        parameters().at("permit.stages.acceptance_invitation", on).citation,
    ]
    return {
        "rows": rows,
        "citations": citations,
        "form": forms.ElderlyCareStepForm() if access.can_record_elderly_care_step(user, project) else None,
    }


@login_required
def material_download(request, pk: int):
    """Materials are served only to those who may see the project; every staff read is audited."""
    _need(request.user)
    try:
        material = selectors.material_get_for_user(request.user, material_id=pk)
    except Material.DoesNotExist:
        raise Http404("材料不存在或不在您的范围内。") from None
    return FileResponse(
        material.file.open("rb"), as_attachment=True, filename=material.file.name.rsplit("/", 1)[-1]
    )


@login_required
def stage_limits(request):
    _need(request.user)
    can_edit = access.can_configure_stages(request.user)
    form = forms.StageLimitForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有系统管理员或县行政审批服务局可以配置阶段时限。")
        if save_form(
            request,
            form,
            lambda data: services.stage_limit_set(actor=request.user, **data),
            success="已保存阶段配置；时限如有变更，已提出并待另一位系统管理员审核后生效。",
        ):
            return redirect("permits:limits")
    limits = StageLimit.objects.select_related("lead").prefetch_related("participants")
    groups = []
    for value, label in Category.choices:
        rows = {limit.stage: limit for limit in limits if limit.category == value}
        total = parameters().at(f"permit.total_working_days.{value}", business_date())
        printed = stages_terms(category=value, on=business_date())
        shown = list(printed.data["stages"])
        if value == "land_with_scheme":
            # C3b: under its alternative a project of this category may keep four stages; both sets are configured.
            names = {s["name"] for s in shown}
            shown += [
                s
                for s in stages_terms(category=value, on=business_date(), merged=False).data["stages"]
                if s["name"] not in names
            ]
        groups.append(
            {
                "label": label,
                "total": total,
                "configured": sum(r.working_days or 0 for r in rows.values()),
                "stages": [(s["name"], rows.get(s["name"]), s) for s in shown],
                "citations": printed.citations,
            }
        )
    return render(
        request,
        "permits/limits.html",
        {"groups": groups, "form": form, "can_edit": can_edit, "merged": printed.data["merged_items"]},
    )


@login_required
@answers_bad_parameters(nav="permits/_nav.html")
def credit_list(request):
    _need(request.user)
    if selectors.is_firm(request.user):
        raise PermissionDenied("失信名单由主管部门维护。")
    can_edit = access.can_keep_credit(request.user)
    form = forms.CreditRecordForm(request.POST or None)
    show = request.GET.get("show", "in_force")
    if show not in ("in_force", "all"):
        return _bad_request(request, "显示范围", "应为 in_force（在册）或 all（全部）。")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("当前角色无权维护失信名单。")
        if request.POST.get("action") == "end":
            try:
                record = get_object_or_404(CreditRecord, pk=_pk(request.POST.get("record"), "失信记录"))
            except ServiceError as exc:
                messages.error(request, exc.message)
                return redirect("permits:credit")
            submit_form(
                request,
                forms.CreditEndForm(request.POST),
                lambda data: services.credit_record_end(
                    actor=request.user, record=record, until=data["until"]
                ),
                success="已移出失信名单。",
                invalid="请填写移出日期。",
            )
            return redirect("permits:credit")
        if save_form(
            request,
            form,
            lambda data: services.credit_record_add(actor=request.user, **data),
            success="已列入失信名单。",
        ):
            return redirect("permits:credit")
    on = business_date()
    records = CreditRecord.objects.select_related("organisation")
    if show == "in_force":
        records = records.filter(listed_on__lte=on).exclude(until__lt=on)
    records, f = lists.credit_filters(request, records)
    table = lists.credit_table(request, records)
    people = (
        records.exclude(practitioner="").count()
        if table.export_requested
        else sum(1 for r in table.rows if r.practitioner)
    )
    if people:
        # Listed practitioners are named persons: each read of the list (page or export) is logged.
        audit_personal_read(
            actor=request.user,
            what="失信从业人员名单" + ("导出" if table.export_requested else ""),
            object_type="permits.CreditRecord",
            count=people,
            filters={"show": show, **{k: str(v) for k, v in f.items() if v}},
        )
    if table.export_requested:
        return table.export(filename="工程建设领域失信名单.xlsx")
    return render(
        request,
        "permits/credit.html",
        {
            "records": table.rows,
            "table": table,
            "f": f,
            "form": form,
            "can_edit": can_edit,
            "show": show,
            "on": on,
            "reasons": CreditRecord.Reason.choices,
        },
    )


# Each list at the top of the desk shows this many rows (the earliest accepted first); every row is in the
# paginated table below it (待出具) or the case list (the cases it leads). A county's 340 overdue reviews were a
# 200 KB page.
DESK_SHOWN = 50


@login_required
@answers_bad_parameters(nav="permits/_nav.html")
def desk(request):
    """A department's desk: the reviews it holds and the cases it leads, overdue first, with days used."""
    _need(request.user)
    if selectors.is_firm(request.user) or request.user.organisation_id is None:
        raise PermissionDenied("工作台供审批部门使用。")
    # One working-day calendar for the desk's lists and its table (each read the years again).
    calendar = DatabaseCalendar()
    table, desk_filters = lists.desk_table(request, request.user.organisation, calendar=calendar)
    if table.export_requested:
        return table.export(filename=f"{request.user.organisation}审查事项.xlsx")
    data = selectors.department_desk(
        organisation=request.user.organisation, shown=DESK_SHOWN, calendar=calendar
    )
    supervision = None
    if access.is_window(request.user):
        supervision = ClockNotice.objects.filter(kind="escalation").select_related(
            "case__project", "organisation"
        )[:100]
        data["pending_extensions"] = Extension.objects.filter(approved_on__isnull=True).select_related(
            "case__project", "requested_by"
        )
    return render(
        request,
        "permits/desk.html",
        {
            **data,
            "supervision": supervision,
            "table": table,
            "shown": DESK_SHOWN,
            "shown_slice": f":{DESK_SHOWN}",
            "f": desk_filters,
            "stages": lists.STAGES,
            "opinions": Review.Opinion.choices,
            "organisation": request.user.organisation,
        },
    )


def _report_params(request, leads) -> tuple[forms.ReportForm, dict | None, list[str]]:
    """The month asked for, among the leads the user may read. Errors name the field (for a 400 page)."""
    on = business_date()
    initial = {"year": on.year, "month": on.month}
    if leads.filter(pk=request.user.organisation_id).exists():
        initial["lead"] = request.user.organisation_id
    form = forms.ReportForm(request.GET or None, initial=initial, leads=leads)
    if not request.GET:
        return form, None, []
    if not form.is_valid():
        return (
            form,
            None,
            [
                f"{form.fields[name].label}：{errors[0]}" if name in form.fields else errors[0]
                for name, errors in form.errors.items()
            ],
        )
    data = form.cleaned_data
    return form, selectors.monthly_progress(lead=data["lead"], year=data["year"], month=data["month"]), []


REPORT_HEADERS = [
    "项目代码",
    "项目名称",
    "类别",
    "阶段",
    "状态",
    "受理日期",
    "办结日期",
    "已用工作日",
    "时限",
    "超期",
]


def _report_rows(progress):
    return (
        [
            r["code"],
            r["project"],
            r["category"],
            r["stage"],
            r["status"],
            r["accepted_on"],
            r["decided_on"],
            r["used"],
            r["limit"],
            "是" if r["overdue"] else "",
        ]
        for r in progress["rows"]
    )


@login_required
def reports(request):
    """C11 monthly progress (view, print, export, file) and the statistics of time used."""
    _need(request.user)
    if selectors.is_firm(request.user):
        raise PermissionDenied("进展报告由牵头部门报送。")
    leads = selectors.progress_leads_for_user(request.user)
    asked = request.GET.get("lead", "").strip()
    if (
        is_ascii_int(asked)
        and not leads.filter(pk=int(asked)).exists()
        and Organisation.objects.filter(pk=int(asked)).exists()
    ):
        # A department whose cases the user has no part in: refused, not silently shown (C11 is per lead).
        raise PermissionDenied("无权查看该部门的审批进展情况：只能查看本部门牵头的事项。")
    if request.GET.get("format", "") not in ("", "xlsx", "pdf"):
        return _bad_request(request, "格式", "导出格式应为 xlsx 或 pdf。")
    form, progress, errors = _report_params(request, leads)
    if errors:
        return render(
            request,
            "permits/reports.html",
            {
                "form": form,
                "p": None,
                "errors": errors,
                "query": "",
                "filed": [],
                "stats": [],
                "overdue_handover": [],
            },
            status=400,
        )
    if progress and request.GET.get("format") == "xlsx":
        return excel_response(
            filename=f"审批进展_{progress['lead']}_{progress['year']}年{progress['month']}月.xlsx",
            sheet_title="进展情况",
            headers=REPORT_HEADERS,
            rows=_report_rows(progress),
        )
    if progress and request.GET.get("format") == "pdf":
        return pdf_response(
            template="permits/report_pdf.html",
            context={"p": progress},
            filename=f"审批进展_{progress['year']}年{progress['month']}月.pdf",
        )
    if request.method == "POST":
        try:
            lead = get_object_or_404(Organisation, pk=_pk(request.POST.get("lead"), "牵头部门"))
            report = services.progress_report_submit(
                actor=request.user,
                lead=lead,
                year=int(request.POST["year"]),
                month=int(request.POST["month"]),
                on=business_date(),
                remarks=request.POST.get("remarks", ""),
            )
        except (ServiceError, ValueError, KeyError) as exc:
            messages.error(request, getattr(exc, "message", "年、月填写有误。"))
        else:
            messages.success(
                request,
                "已报送。"
                + (f"（已过 {report.summary['deadline']} 的报送期限，记为逾期报送）" if report.late else ""),
            )
        return redirect(reverse("permits:reports") + "?" + request.POST.get("query", ""))
    overdue = services.elderly_room_handover_overdue()
    return render(
        request,
        "permits/reports.html",
        {
            "form": form,
            "p": progress,
            "query": request.GET.urlencode(),
            "filed": ProgressReport.objects.filter(lead__in=leads).select_related("lead", "submitted_by")[
                :36
            ],
            "stats": selectors.time_used_statistics(),
            "overdue_handover": overdue,
            # 民政 reads the C12 list (the rooms are handed to it) without holding the projects: their names link
            # only where the project page opens (it answered 404 to 县民政局).
            "openable": set(
                selectors.project_list_for_user(request.user)
                .filter(pk__in=[project.pk for project in overdue])
                .values_list("pk", flat=True)
            ),
        },
    )
