"""Reads of the e-government yearly cycle: the one place its scope is decided (a budget unit sees its own
organisation's applications; 保密局 the classified ones; 发改局 the county major projects; a third-party reviewer the
reviews assigned to it; 大数据局, 财政局, 审计局, 县政府 and auditors the county), the inbox of 大数据局, the plan page."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from countyhall.core.roles import Role
from countyhall.egov import access
from countyhall.egov.models import AnnualPlan, Application, PlanYear, Review, Template

Status = Application.Status


def application_queryset_for_user(user) -> QuerySet[Application]:
    base = Application.objects.select_related("plan_year", "unit", "review")
    roles = getattr(user, "role_codes", frozenset())
    if access.can_see_all(user):
        return base
    scope = Q(pk__in=[])
    if Role.BUDGET_UNIT in roles and user.organisation_id:
        scope |= Q(unit_id=user.organisation_id)
    if Role.SECRECY in roles:
        scope |= Q(classified=True)
    if Role.DEVELOPMENT in roles:
        scope |= Q(major_county_project=True)
    if Role.EGOV_REVIEWER in roles and user.organisation_id:
        scope |= Q(review__reviewer_id=user.organisation_id)
    if Role.TRADING_CENTRE in roles:
        # 5.1: the projects whose procurement file 大数据局 reviewed (the trading centre procures those only)
        scope |= Q(procurement__status__in=["reviewed", "procured"])
    return base.filter(scope)


def application_get_for_user(user, pk: int) -> Application | None:
    return application_queryset_for_user(user).filter(pk=pk).first()


def current_plan_year() -> PlanYear | None:
    return PlanYear.objects.order_by("-year").first()


def latest_templates() -> list[Template]:
    """The latest version of each attachment an administrator uploaded (none invented for the others)."""
    latest: dict[int, Template] = {}
    for template in Template.objects.order_by("attachment", "-version"):
        latest.setdefault(template.attachment, template)
    return list(latest.values())


def latest_documents(application: Application) -> dict[int, object]:
    latest: dict[int, object] = {}
    for document in application.documents.order_by("attachment", "-version"):
        latest.setdefault(document.attachment, document)
    return latest


# What waits for whom (the inbox and the home to-dos): status → the department that acts next.
INBOX = {
    "to_review": ("待准予评审审查", Q(status=Status.SUBMITTED)),
    "to_file": ("省、市统筹项目待备案", Q(status=Status.FILED, filed_at__isnull=True)),
    "onsite": (
        "现场评审待记录",
        Q(
            status=Status.UNDER_REVIEW,
            review__mode=Review.Mode.ONSITE,
            review__report_uploaded_at__isnull=True,
        ),
    ),
    "to_report": ("待上传评审报告", Q(status=Status.UNDER_REVIEW, review__report_uploaded_at__isnull=True)),
    "to_sign_technical": (
        "评审报告待技术会签",
        Q(
            status=Status.UNDER_REVIEW,
            review__report_uploaded_at__isnull=False,
            review__technical_signed_at__isnull=True,
        ),
    ),
    "to_sign_fiscal": (
        "评审报告待财政会签",
        Q(
            status=Status.UNDER_REVIEW,
            review__report_uploaded_at__isnull=False,
            review__fiscal_signed_at__isnull=True,
        ),
    ),
    "to_confirm_secrecy": ("涉密项目待保密审查", Q(status=Status.SECRECY_REVIEW)),
    "to_approve_development": (
        "县重大项目待立项审批",
        Q(major_county_project=True, development_approval="")
        & ~Q(status__in=[Status.DRAFT, Status.REFUSED_LATE, Status.DEFERRED]),
    ),
}
INBOX_FOR = {
    Role.BIG_DATA: ("to_review", "to_file", "onsite", "to_sign_technical"),
    Role.FINANCE: ("to_sign_fiscal",),
    Role.SECRECY: ("to_confirm_secrecy",),
    Role.DEVELOPMENT: ("to_approve_development",),
    Role.EGOV_REVIEWER: ("to_report",),
}


def inbox_keys_for(user) -> list[str]:
    keys: list[str] = []
    for role in sorted(getattr(user, "role_codes", frozenset())):
        keys += [key for key in INBOX_FOR.get(role, ()) if key not in keys]
    return keys


def inbox_counts(user) -> dict[str, int]:
    """One aggregate query: how many applications wait at each step the user acts on."""
    keys = inbox_keys_for(user)
    if not keys:
        return {}
    found = application_queryset_for_user(user).aggregate(
        **{key: Count("pk", filter=INBOX[key][1]) for key in keys}
    )
    return {key: found[key] for key in keys}


def plan_versions(plan_year: PlanYear) -> list[AnnualPlan]:
    return list(
        plan_year.plans.select_related("approved_by", "compiled_by")
        .prefetch_related("entries__application__unit")
        .order_by("-version")
    )


def plan_year_summary(plan_year: PlanYear) -> dict[str, int]:
    rows = plan_year.applications.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


# ======================================================================================================================
# Construction and acceptance (三、（三）—（四）): the facts the money rule reads, the acceptance clock, the gates of a
# project for its page and the portfolio, and what waits for whom.
# ======================================================================================================================

import datetime as dt  # noqa: E402

from countyhall.core.clock import business_date  # noqa: E402
from countyhall.core.clocks import ClockState, StatutoryClock  # noqa: E402
from countyhall.core.selectors.calendar import DatabaseCalendar  # noqa: E402
from countyhall.egov import citations as cite  # noqa: E402
from countyhall.egov import rules  # noqa: E402
from countyhall.egov.models import (  # noqa: E402
    CloudResourceRequest,
    Construction,
    DesignChange,
    FinalAcceptance,
    Finding,
    PreliminaryAcceptance,
    Procurement,
    Sanction,
    SettlementReview,
)


def _first(model, application):
    return model.objects.filter(application=application).first()


def funding_inputs(application: Application) -> dict:
    """The facts egov.funding_allowed reads for a project, from its stored rows."""
    procurement = _first(Procurement, application)
    in_force = set(
        application.sanctions.filter(status=Sanction.Status.IN_FORCE).values_list("kind", flat=True)
    )
    return {
        "in_annual_plan": application.status == Status.IN_PLAN,
        # A project on the platform reached the plan through the review; a department's own build never does.
        "self_built": False,
        "procurement_file_reviewed": bool(procurement and procurement.file_reviewed),
        "accepted": application.final_acceptances.filter(status=FinalAcceptance.Status.PASSED).exists(),
        "settlement_review_done": SettlementReview.objects.filter(application=application).exists(),
        "suspended": Sanction.Kind.WITHHOLD in in_force,
        "terminated": Sanction.Kind.TERMINATE in in_force,
        "unapproved_major_change_overrun": any(c.unapproved_major for c in application.design_changes.all()),
    }


def completion_day_counts(acceptance: FinalAcceptance) -> bool:
    """Reading D65 as answered when the clock started (stored with it by the service, and kept when the clock stops
    and restarts): the alternative counts the day the materials are complete as day 1 when it is a working day."""
    return (acceptance.policy_basis.get("readings") or {}).get("D65") == "alternative"


def acceptance_clock(acceptance: FinalAcceptance, *, as_recorded: bool = False) -> StatutoryClock:
    """The final acceptance's clock as core's value: started on the application day, stopped while the materials
    were incomplete, finished on the decision. Core's clock never counts the day it (re)starts (the adopted answer
    of D65); under the alternative each day the materials were complete again counts when it is a working day, so
    the counted clock starts a day earlier (complete on the application day) and each stop ends a day earlier.
    `as_recorded`: the dates as stored, for the history."""
    stops = list(acceptance.stops.all())
    started = acceptance.applied_on
    spans = [s.as_stop() for s in stops]
    reasons = [s.reason for s in stops]
    if not as_recorded and completion_day_counts(acceptance):
        is_workday = DatabaseCalendar().is_workday
        first_stop_at_application = bool(spans) and spans[0][0] == started
        counted_stops, counted_reasons = [], []
        for (start, end), reason in zip(spans, reasons, strict=True):
            if end is not None and is_workday(end):
                end -= dt.timedelta(days=1)
                if (
                    end < start
                ):  # stopped and complete again the same day: that day counts, nothing was stopped
                    if start == started:
                        first_stop_at_application = False
                    continue
            counted_stops.append((start, end))
            counted_reasons.append(reason)
        if not first_stop_at_application and is_workday(started):
            started -= dt.timedelta(days=1)  # complete on the application day: it is day 1
        spans, reasons = counted_stops, counted_reasons
    return StatutoryClock(
        started=started,
        limit=acceptance.working_days,
        stops=tuple(spans),
        reasons=tuple(reasons),
        finished=acceptance.decided_on,
    )


def acceptance_clock_history(acceptance: FinalAcceptance) -> list:
    """The clock's history on the recorded dates; under D65's alternative the (re)start days are said to count."""
    from dataclasses import replace

    events = acceptance_clock(acceptance, as_recorded=True).history()
    if not completion_day_counts(acceptance):
        return events
    is_workday = DatabaseCalendar().is_workday
    return [
        replace(e, text=e.text.replace("当日不计入", "当日计入"))
        if e.kind in ("started", "resumed") and is_workday(e.on)
        else e
        for e in events
    ]


def acceptance_clock_state(acceptance: FinalAcceptance, *, on: dt.date | None = None) -> ClockState:
    calendar = DatabaseCalendar()
    return acceptance_clock(acceptance).state(
        on=on or business_date(), is_workday=calendar.is_workday, workdays_in_year=calendar.workdays_in_year
    )


def latest_acceptance(application: Application) -> FinalAcceptance | None:
    return application.final_acceptances.order_by("-attempt").first()


def _gate(code, label, state, evidence="", evidence_date=None, citation=None) -> dict:
    return {
        "code": code,
        "label": label,
        "state": state,
        "evidence": evidence,
        "evidence_date": evidence_date,
        "citation": citation.as_dict() if citation else None,
    }


def construction_gates(application: Application) -> list[dict]:
    """Every gate of 1号's construction and acceptance for one project, in the order a project meets them:
    {code, label, state ('open'/'passed'/'refused'/'n/a'), evidence, evidence_date, citation}. Read by the project
    page and the portfolio."""
    gates = []
    in_plan = application.status == Status.IN_PLAN
    gates.append(
        _gate(
            "money",
            "列入年度建设计划（未列入的不予安排资金）",
            "passed" if in_plan else "refused",
            application.get_status_display(),
            None,
            rules.MONEY_GATE,
        )
    )
    procurement = _first(Procurement, application)
    if procurement is None:
        gates.append(
            _gate("procurement", "采购文件经县大数据局审核", "open", "尚未报送", None, rules.PROCUREMENT_GATE)
        )
    else:
        state = {"submitted": "open", "returned": "refused"}.get(procurement.status, "passed")
        gates.append(
            _gate(
                "procurement",
                "采购文件经县大数据局审核",
                state,
                procurement.get_status_display()
                + (f"：{procurement.review_opinion}" if procurement.review_opinion else ""),
                procurement.reviewed_on or procurement.submitted_on,
                rules.PROCUREMENT_GATE,
            )
        )
    cloud = application.cloud_requests.order_by("-submitted_on", "-pk").first()
    gates.append(
        _gate(
            "cloud",
            "政务云资源经县大数据局审批",
            "n/a"
            if cloud is None
            else {"submitted": "open", "approved": "passed", "refused": "refused"}[cloud.status],
            str(cloud) if cloud else "未申请政务云资源",
            cloud.decided_on or cloud.submitted_on if cloud else None,
            cite.CLOUD_FORMS,
        )
    )
    construction = _first(Construction, application)
    if construction is None or not construction.supervision_required:
        supervision = _gate(
            "supervision",
            "开工前监理单位备案",
            "n/a" if construction else "open",
            "不要求实行监理制" if construction else "尚未办理",
            None,
            rules.SUPERVISION_FILING,
        )
    elif construction.supervision_filed_on:
        supervision = _gate(
            "supervision",
            "开工前监理单位备案",
            "passed",
            construction.supervisor,
            construction.supervision_filed_on,
            rules.SUPERVISION_FILING,
        )
    elif construction.exempted_on:
        supervision = _gate(
            "supervision",
            "开工前监理单位备案",
            "passed",
            f"免于监理：{construction.exemption_reason}",
            construction.exempted_on,
            rules.SUPERVISION_FILING,
        )
    else:
        supervision = _gate(
            "supervision",
            "开工前监理单位备案",
            "open",
            "须实行监理制，尚未备案",
            None,
            rules.SUPERVISION_FILING,
        )
    gates.append(supervision)
    gates.append(
        _gate(
            "start",
            "开工建设",
            "passed" if construction and construction.started_on else "open",
            "已开工" if construction and construction.started_on else "尚未开工",
            construction.started_on if construction else None,
            rules.SUPERVISION_FILING,
        )
    )
    majors = [c for c in application.design_changes.all() if c.major]
    unapproved = [c for c in majors if c.status != DesignChange.Status.APPROVED]
    gates.append(
        _gate(
            "design_change",
            "重大设计变更经批准（否则不再批准追加投资）",
            "n/a" if not majors else ("refused" if unapproved else "passed"),
            str(unapproved[0] if unapproved else majors[0]) if majors else "无重大设计变更",
            (unapproved[0] if unapproved else majors[0]).reported_on if majors else None,
            rules.OVERRUN,
        )
    )
    findings = list(Finding.objects.filter(inspection__application=application).select_related("inspection"))
    open_findings = [f for f in findings if f.rectified_on is None]
    gates.append(
        _gate(
            "rectification",
            "检查发现的问题已整改",
            "n/a" if not findings else ("open" if open_findings else "passed"),
            f"未整改{len(open_findings)}个，整改期限{open_findings[0].rectify_by:%Y年%-m月%-d日}"
            if open_findings
            else (f"{len(findings)}个问题均已整改" if findings else "无检查问题"),
            open_findings[0].rectify_by if open_findings else None,
            cite.RECTIFY,
        )
    )
    in_force = list(application.sanctions.filter(status=Sanction.Status.IN_FORCE))
    holding = [s for s in in_force if s.kind != Sanction.Kind.CRITICISM]
    gates.append(
        _gate(
            "sanction",
            "无暂缓拨付、暂停或终止",
            "refused" if holding else ("passed" if in_force else "n/a"),
            "、".join(s.get_kind_display() for s in in_force) or "无处理",
            (holding or in_force)[0].decided_on if in_force else None,
            rules.SANCTIONS,
        )
    )
    preliminary = _first(PreliminaryAcceptance, application)
    gates.append(
        _gate(
            "preliminary",
            "初步验收（测试、安全风险评估、试运行）",
            "passed" if preliminary else "open",
            "已完成"
            + (
                f"（试运行不满3个月的理由：{preliminary.exemption_reason}）"
                if preliminary and preliminary.exemption_reason
                else ""
            )
            if preliminary
            else "尚未完成",
            preliminary.accepted_on if preliminary else None,
            cite.TRIAL_RUN,
        )
    )
    acceptance = latest_acceptance(application)
    if acceptance is None:
        final = _gate("final", "竣工验收", "open", "尚未申请", None, rules.FAIL_CONDITIONS)
    else:
        state = {"passed": "passed", "failed": "refused"}.get(acceptance.status, "open")
        evidence = acceptance.get_status_display()
        if acceptance.status == FinalAcceptance.Status.RUNNING and acceptance.due_on:
            evidence += f"，期限{acceptance.due_on:%Y年%-m月%-d日}"
        if acceptance.on_time is False:
            evidence += "（超过20个工作日）"
        final = _gate(
            "final",
            "竣工验收",
            state,
            evidence,
            acceptance.decided_on or acceptance.applied_on,
            rules.FAIL_CONDITIONS,
        )
    gates.append(final)
    passed = acceptance is not None and acceptance.status == FinalAcceptance.Status.PASSED
    gates.append(
        _gate(
            "use",
            "验收合格后方可投入使用",
            "passed" if passed else "refused",
            ("已投入使用" if acceptance.in_use_on else "可以投入使用")
            if passed
            else "未经验收或验收不合格，不得投入使用",
            acceptance.in_use_on if passed else None,
            rules.NOT_IN_USE,
        )
    )
    settlement = _first(SettlementReview, application)
    gates.append(
        _gate(
            "settlement",
            "结算评审（验收后拨款的依据）",
            "passed" if settlement else "open",
            f"{settlement.reviewer}审定{settlement.settled_amount}元" if settlement else "尚未完成",
            settlement.completed_on if settlement else None,
            rules.SETTLEMENT_REVIEW,
        )
    )
    return gates


def construction_view(application: Application) -> dict:
    """What the project page shows of construction and acceptance, read once."""
    acceptance = latest_acceptance(application)
    clock = (
        acceptance_clock_state(acceptance)
        if acceptance
        and acceptance.status in (FinalAcceptance.Status.RUNNING, FinalAcceptance.Status.INCOMPLETE)
        else None
    )
    return {
        "procurement": _first(Procurement, application),
        "cloud_requests": list(application.cloud_requests.select_related("submitted_by")),
        "construction": _first(Construction, application),
        "design_changes": list(application.design_changes.all()),
        "inspections": list(application.inspections.prefetch_related("findings")),
        "sanctions": list(application.sanctions.select_related("finding")),
        "payments": list(application.payments.all()),
        "preliminary": _first(PreliminaryAcceptance, application),
        "acceptances": list(application.final_acceptances.prefetch_related("stops")),
        "acceptance": acceptance,
        "clock": clock,
        "clock_history": acceptance_clock_history(acceptance) if acceptance else [],
        "settlement": _first(SettlementReview, application),
        "gates": construction_gates(application),
        "funding": funding_inputs(application),
    }


def construction_waiting(user) -> list[tuple]:
    """The construction and acceptance steps waiting on the user: (key, label, count, nearest deadline, urgent,
    the projects concerned) — the last so a to-do about one project opens that project, where the act is."""
    roles = getattr(user, "role_codes", frozenset())
    scope = application_queryset_for_user(user)
    today = business_date()
    items: list[tuple] = []

    def add(key, label, qs, deadline=None, urgent=False, via="application_id"):
        count = qs.count()
        if count:
            items.append((key, label, count, deadline, urgent, sorted(set(qs.values_list(via, flat=True)))))

    if Role.BIG_DATA in roles:
        add(
            "procurement_review",
            "采购文件待审核",
            Procurement.objects.filter(application__in=scope, status="submitted"),
        )
        add(
            "cloud_decide",
            "政务云资源申请待审批",
            CloudResourceRequest.objects.filter(application__in=scope, status="submitted"),
        )
        add(
            "design_decide",
            "重大设计变更待审批",
            DesignChange.objects.filter(application__in=scope, status="reported"),
        )
        running = list(
            FinalAcceptance.objects.filter(
                application__in=scope, status=FinalAcceptance.Status.RUNNING
            ).prefetch_related("stops")
        )
        if running:
            states = [acceptance_clock_state(a) for a in running]
            nearest = min((s.due for s in states if s.due), default=None)
            left = min(s.remaining for s in states)
            overdue = any(s.overdue for s in states)
            items.append(
                (
                    "acceptance_running",
                    f"竣工验收计时中（最少剩余{left}个工作日）"
                    if not overdue
                    else "竣工验收已超过20个工作日",
                    len(running),
                    nearest,
                    overdue,
                    sorted({a.application_id for a in running}),
                )
            )
        add(
            "acceptance_incomplete",
            "竣工验收材料不齐（停止计时）",
            FinalAcceptance.objects.filter(application__in=scope, status=FinalAcceptance.Status.INCOMPLETE),
        )
    if Role.TRADING_CENTRE in roles:
        add("procurement_record", "采购文件已审核，待组织采购", Procurement.objects.filter(status="reviewed"))
    if Role.COUNTY_GOVERNMENT in roles:
        add("sanction_decide", "重大问题处理待批准", Sanction.objects.filter(status=Sanction.Status.PROPOSED))
    if Role.FINANCE in roles:
        add(
            "settlement_due",
            "已通过竣工验收，待登记结算评审",
            FinalAcceptance.objects.filter(
                application__in=scope, status=FinalAcceptance.Status.PASSED
            ).filter(application__settlement_review__isnull=True),
        )
    if Role.BUDGET_UNIT in roles and getattr(user, "organisation_id", None):
        own = Finding.objects.filter(
            inspection__application__unit_id=user.organisation_id, rectified_on__isnull=True
        )
        first = own.order_by("rectify_by").first()
        add(
            "rectify",
            "检查发现的问题待整改",
            own,
            first.rectify_by if first else None,
            bool(first and first.rectify_by < today),
            via="inspection__application_id",
        )
        failed = FinalAcceptance.objects.filter(
            application__unit_id=user.organisation_id, status=FinalAcceptance.Status.FAILED
        ).exclude(application__final_acceptances__attempt__gt=F("attempt"))
        first_failed = failed.order_by("rectify_by").first()
        add(
            "reapply",
            "竣工验收不合格，限期整改后重新申请",
            failed,
            first_failed.rectify_by if first_failed else None,
            bool(first_failed and first_failed.rectify_by < today),
        )
        add(
            "returned",
            "采购文件退回修改",
            Procurement.objects.filter(application__unit_id=user.organisation_id, status="returned"),
        )
    return items


def paid_total(application: Application):
    """Money paid to the project (progress, post-acceptance, additional investment; a budget allocation is not a
    payment), for the portfolio's money column."""
    from decimal import Decimal

    from django.db.models import Sum

    from countyhall.egov.models import Payment

    total = application.payments.exclude(kind=Payment.Kind.BUDGET_ALLOCATION).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def acceptance_flags(application: Application) -> dict[str, bool]:
    """6.9's two facts for egov.next_year_flag: not accepted by the plan's acceptance date (reading D69, the date
    registered at the start of construction) and the latest final acceptance failed."""
    construction = _first(Construction, application)
    latest = latest_acceptance(application)
    passed = latest is not None and latest.status == FinalAcceptance.Status.PASSED
    due = construction.planned_acceptance_on if construction else None
    finished_on = latest.decided_on if passed else business_date()
    return {
        "acceptance_overdue": bool(due and finished_on > due),
        "acceptance_failed": latest is not None and latest.status == FinalAcceptance.Status.FAILED,
    }


# ---------------------------------------------------------------- the acceptance report (PDF)


def _cited(citation) -> dict:
    return citation.as_dict() if hasattr(citation, "as_dict") else dict(citation)


def acceptance_decided(application: Application) -> bool:
    """Whether the project has a 竣工验收报告 to print (a final acceptance decided, passed or failed)."""
    return application.final_acceptances.filter(decided_on__isnull=False).exists()


def acceptance_report_for_user(user, pk: int) -> dict | None:
    """The facts of the 竣工验收报告 of one project, if `user` may see the project (its detail's scope) and a final
    acceptance has been decided: the project, the preliminary acceptance and its trial run (6.2–6.3), every decided
    application with its materials and clock (6.4–6.5, stops and due date), the outcome against the fail conditions
    (6.6–6.8) and the settlement review's state (6.10). The read is audited like a download of the project's
    materials (a staff member's print of a unit's record)."""
    from django.db import transaction

    from countyhall.core.models import AuditEntry
    from countyhall.core.policy import parameters
    from countyhall.core.services.audit import audit_record

    application = application_get_for_user(user, pk)
    if application is None:
        return None
    acceptances = list(
        application.final_acceptances.filter(decided_on__isnull=False)
        .select_related("applied_by", "decided_by")
        .prefetch_related("stops")
        .order_by("attempt")
    )
    if not acceptances:
        return None
    latest = acceptances[-1]
    registry = parameters()
    attempts = []
    for acceptance in acceptances:
        answer = (acceptance.policy_basis.get("readings") or {}).get("D65", "adopted")
        reading = registry.reading("D65")
        attempts.append(
            {
                "acceptance": acceptance,
                "materials": list(acceptance.materials.values()),
                "history": acceptance_clock_history(acceptance),
                "stops": list(acceptance.stops.all()),
                "reading": reading.text if answer == "adopted" else reading.alternative,
                "reading_alternative": answer != "adopted",
                "reasons": list(acceptance.result.get("reasons", [])),
            }
        )
    try:
        review = application.review
    except Review.DoesNotExist:
        review = None
    settlement = SettlementReview.objects.filter(application=application).first()
    with transaction.atomic():  # a read view runs outside a transaction; audit_record needs one
        audit_record(
            actor=user,
            action=AuditEntry.Action.READ,
            instance=latest,
            note=f"打印竣工验收报告：{application.unit} {application.name}",
        )
    return {
        "application": application,
        "review": review,
        "preliminary": _first(PreliminaryAcceptance, application),
        "attempts": attempts,
        "latest": latest,
        "settlement": settlement,
        "cite": {
            name: _cited(value)
            for name, value in {
                "approved": cite.FISCAL,
                "preliminary": cite.PRELIMINARY,
                "trial_run": cite.TRIAL_RUN,
                "apply": cite.FINAL_APPLY,
                "limit": cite.ACCEPTANCE_LIMIT,
                "fail": rules.FAIL_CONDITIONS,
                "not_in_use": rules.NOT_IN_USE,
                "reapply": cite.REAPPLY,
                "settlement": rules.SETTLEMENT_REVIEW,
            }.items()
        },
    }
