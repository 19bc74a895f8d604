"""The yearly cycle's services on the database (1号 三、（一）—（二）): each gate refusing, then passing; scope by unit;
decisions stored with their clauses and readings; audit rows; the plan's versions never overwritten."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, OutboxMessage
from countyhall.egov import access
from countyhall.egov.models import AnnualPlan, Application, PlanEntry, Review
from countyhall.egov.services import (
    application_assess,
    application_submit,
    application_update,
    development_approval_record,
    filing_acknowledge,
    onsite_step_record,
    plan_approve,
    plan_change_propose,
    plan_compile,
    plan_year_open,
    report_upload,
    review_start,
    secrecy_confirm,
    sign_fiscal,
    sign_technical,
)
from tests.egov.conftest import pdf

pytestmark = pytest.mark.django_db
S = Application.Status


def _notified(user) -> list[str]:
    return list(OutboxMessage.objects.filter(user=user).values_list("subject", flat=True))


def _reviewed(app, users, reviewer_org, *, approved="750000.00", **start):
    """Bring a submitted application to its 审核意见 (written or on-site by its investment)."""
    review = review_start(
        actor=users["bigdata"],
        application=app,
        migration_completed_as_required=True,
        reviewer=reviewer_org,
        **start,
    )
    if review.mode == Review.Mode.ONSITE:
        for step in range(1, 6):
            onsite_step_record(
                actor=users["bigdata"],
                review=review,
                step=step,
                held_on=dt.date(2021, 9, 15),
                speakers="张三（专家）",
                summary="意见",
            )
    report_upload(actor=users["reviewer"], review=review, file=pdf("评审报告.pdf"), conclusion="建议支持")
    sign_technical(actor=users["bigdata"], review=review, supported=True, opinion="技术方案可行")
    sign_fiscal(
        actor=users["finance"],
        review=review,
        supported=True,
        opinion="投资测算合理",
        approved_investment=approved,
    )
    app.refresh_from_db()
    return app


# ---------------------------------------------------------------- scope of the budget unit


def test_a_unit_sees_and_edits_only_its_own_applications(egov_users, draft):
    app = draft()
    assert app.unit_id == egov_users["unit"].organisation_id and app.status == S.DRAFT
    assert access.can_view_application(egov_users["unit"], app)
    assert not access.can_view_application(egov_users["other_unit"], app)
    assert not access.can_view_application(egov_users["secrecy"], app)
    assert not access.can_view_application(egov_users["reviewer"], app)
    for role in ("bigdata", "finance", "audit_office", "government"):
        assert access.can_view_application(egov_users[role], app)
    with pytest.raises(AccessDenied):
        application_update(actor=egov_users["other_unit"], application=app, name="别人的项目")
    with pytest.raises(AccessDenied):
        application_submit(actor=egov_users["other_unit"], application=app)
    application_update(actor=egov_users["unit"], application=app, name="智慧社区平台（二期）")
    app.refresh_from_db()
    assert app.name == "智慧社区平台（二期）"
    assert AuditEntry.objects.filter(object_type="egov.Application", object_id=str(app.pk)).count() == 2


def test_only_a_budget_unit_applies(egov_users, plan_year):
    from countyhall.egov.services import application_create

    with pytest.raises(AccessDenied):
        application_create(
            actor=egov_users["bigdata"],
            plan_year=plan_year,
            name="x",
            planned_investment="1.00",
            funding="fiscal_full",
            migration_status="none",
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("planned_investment", 800000.0, "最多两位小数"),
        ("planned_investment", "0", "大于0"),
        ("planned_investment", "12.345", "最多两位小数"),
        ("funding", "loan", "资金来源"),
        ("declaration", {"9": True}, "第1—8类"),
        ("declaration", {"1": "yes"}, "第1类"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(egov_users, draft, field, value, message):
    with pytest.raises(ServiceError) as caught:
        draft(**{field: value})
    assert caught.value.field.startswith(field) and message in caught.value.message
    assert not Application.objects.exists()


# ---------------------------------------------------------------- submission: documents, declaration, timeliness


def test_submission_needs_the_three_documents_and_every_kind_answered(egov_users, draft):
    app = draft(documents=False)
    with pytest.raises(ServiceError) as caught:
        application_submit(actor=egov_users["unit"], application=app)
    assert caught.value.field == "document_1" and "附件1" in caught.value.message
    app = draft(declaration={"1": False})
    with pytest.raises(ServiceError) as caught:
        application_submit(actor=egov_users["unit"], application=app)
    assert caught.value.field == "declaration" and "第2、3、4、5、6、7、8类" in caught.value.message
    app = draft(declaration={**{str(k): False for k in range(1, 9)}, "5": True})
    with pytest.raises(ServiceError) as caught:
        application_submit(actor=egov_users["unit"], application=app)
    assert caught.value.field == "special_circumstance_reasons"
    application_update(
        actor=egov_users["unit"], application=app, special_circumstance_reasons="门户网站需单独部署"
    )
    assert application_submit(actor=egov_users["unit"], application=app).status == S.SUBMITTED
    assert Application.objects.filter(status=S.DRAFT).count() == 2


@pytest.mark.parametrize(
    ("day", "county_decided", "late", "status"),
    [
        (dt.date(2021, 9, 30), False, "refuse", S.SUBMITTED),
        (dt.date(2021, 10, 1), False, "refuse", S.REFUSED_LATE),
        (dt.date(2021, 10, 1), False, "next_cycle", S.DEFERRED),
        (dt.date(2021, 10, 1), True, "refuse", S.SUBMITTED),
    ],
)
def test_timeliness_on_the_deadline_and_the_day_after(
    egov_users, draft, settings, day, county_decided, late, status
):
    app = draft(
        county_decided=county_decided,
        county_decision="县政府常务会议纪要〔2021〕9号" if county_decided else "",
    )
    settings.BUSINESS_DATE = day
    app = application_submit(actor=egov_users["unit"], application=app, late=late)
    assert app.status == status and app.submitted_on == day
    assert app.timeliness["due_on"] == "2021-09-30" and app.timeliness["exempt"] is county_decided
    clauses = {(c["clause"], c["line"]) for c in app.timeliness["citations"]}
    assert ("三、（一）", 441) in clauses and (("三、（一）", 445) in clauses) is county_decided
    assert app.timeliness["reading_answers"]["D31"] == "adopted"
    if status in (S.REFUSED_LATE, S.DEFERRED):
        assert OutboxMessage.objects.filter(organisation=app.unit, subject__contains="逾期申报").exists()


def test_a_county_decision_must_be_recorded(egov_users, draft):
    app = draft(county_decided=True)
    with pytest.raises(ServiceError) as caught:
        application_submit(actor=egov_users["unit"], application=app)
    assert caught.value.field == "county_decision"


def test_a_deferred_application_joins_the_next_plan_year_when_it_opens(egov_users, draft, settings):
    app = draft()
    settings.BUSINESS_DATE = dt.date(2021, 10, 8)
    application_submit(actor=egov_users["unit"], application=app, late="next_cycle")
    year = plan_year_open(actor=egov_users["bigdata"], year=2023)
    app.refresh_from_db()
    assert app.plan_year == year and app.status == S.SUBMITTED and app.deferred_from == 2022


# ---------------------------------------------------------------- routing: classified, upper-level, major projects


def test_a_classified_project_goes_to_secrecy_with_copies_to_big_data_and_finance(egov_users, draft):
    app = application_submit(actor=egov_users["unit"], application=draft(classified=True, documents=False))
    assert app.status == S.SECRECY_REVIEW
    assert _notified(egov_users["secrecy"]) == ["涉密电子政务项目待审查确认"]
    assert _notified(egov_users["bigdata"]) == ["抄送：涉密电子政务项目"]
    assert _notified(egov_users["finance"]) == ["抄送：涉密电子政务项目"]
    assert access.can_view_application(egov_users["secrecy"], app)
    with pytest.raises(AccessDenied):
        secrecy_confirm(actor=egov_users["bigdata"], application=app, confirmed=True, opinion="同意")
    with pytest.raises(ServiceError) as caught:
        secrecy_confirm(actor=egov_users["secrecy"], application=app, confirmed=True, opinion=" ")
    assert caught.value.field == "opinion"
    app = secrecy_confirm(
        actor=egov_users["secrecy"], application=app, confirmed=True, opinion="符合保密要求"
    )
    assert app.status == S.SUBMITTED and app.secrecy_confirmed_at is not None


def test_an_upper_level_funded_project_is_filed(egov_users, draft):
    app = draft(upper_level_funded=True)
    with pytest.raises(ServiceError) as caught:
        application_submit(actor=egov_users["unit"], application=app)
    assert caught.value.field == "upper_level_reference"
    application_update(actor=egov_users["unit"], application=app, upper_level_reference="鲁政办字〔2021〕1号")
    app = application_submit(actor=egov_users["unit"], application=app)
    assert app.status == S.FILED
    with pytest.raises(AccessDenied):
        filing_acknowledge(actor=egov_users["finance"], application=app)
    assert filing_acknowledge(actor=egov_users["bigdata"], application=app).filed_at is not None


def test_a_major_project_needs_the_development_approval_before_the_plan(egov_users, draft, reviewer_org):
    app = application_submit(actor=egov_users["unit"], application=draft(major_county_project=True))
    assert _notified(egov_users["development"]) == ["县重大项目电子政务项目待立项审批"]
    _reviewed(app, egov_users, reviewer_org)
    with pytest.raises(ServiceError) as caught:
        plan_compile(actor=egov_users["bigdata"], plan_year=app.plan_year)
    assert caught.value.field == "development_approval" and app.name in caught.value.message
    with pytest.raises(AccessDenied):
        development_approval_record(
            actor=egov_users["bigdata"],
            application=app,
            reference="高发改投资〔2021〕5号",
            approved_on=dt.date(2021, 9, 10),
        )
    development_approval_record(
        actor=egov_users["development"],
        application=app,
        reference="高发改投资〔2021〕5号",
        approved_on=dt.date(2021, 9, 10),
    )
    assert plan_compile(actor=egov_users["bigdata"], plan_year=app.plan_year).entries.count() == 1


# ---------------------------------------------------------------- consulting firm (3.4)


@pytest.mark.parametrize(
    ("amount", "required"), [("999999.99", False), ("1000000.00", True), ("1000000.01", True)]
)
def test_the_consulting_firm_requirement_at_its_threshold(egov_users, draft, reviewer_org, amount, required):
    app = application_submit(actor=egov_users["unit"], application=draft(planned_investment=amount))
    assert app.consulting["required"] is required
    if required:
        with pytest.raises(ServiceError) as caught:
            review_start(
                actor=egov_users["bigdata"],
                application=app,
                migration_completed_as_required=True,
                reviewer=reviewer_org,
            )
        assert caught.value.field == "consulting_firm"
        application_assess(
            actor=egov_users["bigdata"],
            application=app,
            technically_complex=False,
            consulting_firm="山东示例工程咨询有限公司",
            consulting_review_on=dt.date(2021, 9, 1),
            consulting_procured_on=dt.date(2021, 8, 20),
        )  # D34a: the order is not enforced
    review = review_start(
        actor=egov_users["bigdata"],
        application=app,
        migration_completed_as_required=True,
        reviewer=reviewer_org,
    )
    assert review.mode == ("onsite" if required else "written")


def test_technically_complex_needs_a_reason_and_makes_the_firm_required(egov_users, draft):
    app = application_submit(actor=egov_users["unit"], application=draft())
    with pytest.raises(AccessDenied):
        application_assess(actor=egov_users["unit"], application=app, technically_complex=True, reason="x")
    with pytest.raises(ServiceError) as caught:
        application_assess(actor=egov_users["bigdata"], application=app, technically_complex=True)
    assert caught.value.field == "reason"
    app = application_assess(
        actor=egov_users["bigdata"], application=app, technically_complex=True, reason="涉及多部门数据融合"
    )
    assert app.consulting["required"] and app.consulting["because"] == ["technically_complex"]
    assert {"D34a", "D34c"} <= set(app.consulting["reading_answers"])


# ---------------------------------------------------------------- admissibility (4.3, 3.9)


def test_an_inadmissible_project_is_refused_outright_and_the_unit_told(egov_users, draft, reviewer_org):
    app = application_submit(actor=egov_users["unit"], application=draft(sharing_needs_specified=False))
    review = review_start(
        actor=egov_users["bigdata"],
        application=app,
        migration_completed_as_required=False,
        reviewer=reviewer_org,
    )
    app.refresh_from_db()
    assert app.status == S.INADMISSIBLE and not review.admissible
    assert review.admissibility["reasons"] == ["migration_incomplete", "sharing_needs_unspecified"]
    assert {"clause": "三、（二）1", "document": "高政办发〔2021〕1号", "line": 594} in review.admissibility[
        "citations"
    ]
    assert review.admissibility["reading_answers"]["D43a"] == "adopted"
    assert OutboxMessage.objects.filter(organisation=app.unit, subject="电子政务项目不予审批").exists()
    with pytest.raises(ServiceError):
        review_start(
            actor=egov_users["bigdata"],
            application=app,
            migration_completed_as_required=True,
            reviewer=reviewer_org,
        )


def test_the_statutory_exception_admits_despite_the_sharing_gates(egov_users, draft, reviewer_org):
    app = application_submit(actor=egov_users["unit"], application=draft(supports_sharing_platform=False))
    review = review_start(
        actor=egov_users["bigdata"],
        application=app,
        migration_completed_as_required=False,
        legal_exception_basis="《中华人民共和国保守国家秘密法》第二十三条",
        reviewer=reviewer_org,
    )
    assert review.admissible and review.legal_exception_basis


def test_a_restricted_kind_needs_the_special_circumstance_recorded(egov_users, draft, reviewer_org):
    def submitted():
        app = draft(
            declaration={**{str(k): False for k in range(1, 9)}, "6": True},
            special_circumstance_reasons="应急指挥需要独立视频会议",
        )
        return application_submit(actor=egov_users["unit"], application=app)

    review = review_start(
        actor=egov_users["bigdata"],
        application=submitted(),
        migration_completed_as_required=True,
        reviewer=reviewer_org,
    )
    assert review.admissibility["reasons"] == ["restricted_kind"]
    assert {"clause": "三、（一）", "document": "高政办发〔2021〕1号", "line": 513} in review.admissibility[
        "citations"
    ]
    with pytest.raises(ServiceError) as caught:
        review_start(
            actor=egov_users["bigdata"],
            application=submitted(),
            migration_completed_as_required=True,
            special_circumstance_accepted=True,
            reviewer=reviewer_org,
        )
    assert caught.value.field == "special_circumstance_note"
    review = review_start(
        actor=egov_users["bigdata"],
        application=Application.objects.get(status=S.SUBMITTED),
        migration_completed_as_required=True,
        special_circumstance_accepted=True,
        special_circumstance_note="县应急指挥体系专用",
        reviewer=reviewer_org,
    )
    assert review.admissible


# ---------------------------------------------------------------- review mode, on-site steps, report, co-signature


def test_written_review_is_refused_from_the_threshold_and_on_site_below_needs_a_reason(
    egov_users, draft, reviewer_org
):
    big = application_submit(actor=egov_users["unit"], application=draft(planned_investment="1000000.00"))
    big.consulting_firm = "咨询单位"
    big.save()
    with pytest.raises(ServiceError) as caught:
        review_start(
            actor=egov_users["bigdata"],
            application=big,
            migration_completed_as_required=True,
            mode="written",
            reviewer=reviewer_org,
        )
    assert caught.value.field == "mode" and not Review.objects.exists()
    small = application_submit(actor=egov_users["unit"], application=draft(planned_investment="999999.99"))
    with pytest.raises(ServiceError) as caught:
        review_start(
            actor=egov_users["bigdata"],
            application=small,
            migration_completed_as_required=True,
            mode="onsite",
            reviewer=reviewer_org,
        )
    assert caught.value.field == "mode_reason"
    review = review_start(
        actor=egov_users["bigdata"],
        application=small,
        migration_completed_as_required=True,
        mode="onsite",
        mode_reason="跨部门协调复杂",
        reviewer=reviewer_org,
    )
    assert review.mode == "onsite" and review.mode_terms["default_mode"] == "written"
    assert review.mode_terms["reading_answers"]["D44"] == "adopted"


def test_the_five_on_site_steps_in_order_then_the_report_then_both_signatures(
    egov_users, draft, reviewer_org
):
    app = application_submit(actor=egov_users["unit"], application=draft(planned_investment="1500000.00"))
    app.consulting_firm = "咨询单位"
    app.save()
    review = review_start(
        actor=egov_users["bigdata"],
        application=app,
        migration_completed_as_required=True,
        reviewer=reviewer_org,
    )
    with pytest.raises(ServiceError) as caught:
        onsite_step_record(
            actor=egov_users["bigdata"],
            review=review,
            step=2,
            held_on=dt.date(2021, 9, 15),
            speakers="专家",
            summary="意见",
        )
    assert caught.value.field == "step" and "第1步" in caught.value.message
    for step in range(1, 5):
        onsite_step_record(
            actor=egov_users["bigdata"],
            review=review,
            step=step,
            held_on=dt.date(2021, 9, 15),
            speakers=f"发言人{step}",
            summary="意见",
        )
    with pytest.raises(ServiceError) as caught:
        report_upload(actor=egov_users["reviewer"], review=review, file=pdf(), conclusion="建议支持")
    assert caught.value.field == "report"
    onsite_step_record(
        actor=egov_users["bigdata"],
        review=review,
        step=5,
        held_on=dt.date(2021, 9, 15),
        speakers="评审组",
        summary="形成现场评审意见",
    )
    with pytest.raises(ServiceError) as caught:
        sign_technical(actor=egov_users["bigdata"], review=review, supported=True, opinion="可行")
    assert caught.value.field == "report"
    with pytest.raises(AccessDenied):
        report_upload(actor=egov_users["unit"], review=review, file=pdf(), conclusion="建议支持")
    report_upload(actor=egov_users["reviewer"], review=review, file=pdf(), conclusion="建议支持")
    with pytest.raises(AccessDenied):
        sign_fiscal(
            actor=egov_users["bigdata"],
            review=review,
            supported=True,
            opinion="合理",
            approved_investment="1400000.00",
        )
    with pytest.raises(ServiceError) as caught:
        sign_fiscal(actor=egov_users["finance"], review=review, supported=True, opinion="合理")
    assert caught.value.field == "approved_investment"
    sign_fiscal(
        actor=egov_users["finance"],
        review=review,
        supported=True,
        opinion="合理",
        approved_investment="1400000.00",
    )
    app.refresh_from_db()
    assert app.status == S.UNDER_REVIEW  # one signature is not the 审核意见
    sign_technical(actor=egov_users["bigdata"], review=review, supported=True, opinion="可行")
    app.refresh_from_db()
    review.refresh_from_db()
    assert app.status == S.REVIEWED and review.approved_investment == Decimal("1400000.00")
    assert list(review.steps.values_list("step", flat=True)) == [1, 2, 3, 4, 5]


def test_a_refused_signature_makes_the_opinion_not_supported(egov_users, draft, reviewer_org):
    app = application_submit(actor=egov_users["unit"], application=draft())
    review = review_start(
        actor=egov_users["bigdata"],
        application=app,
        migration_completed_as_required=True,
        reviewer=reviewer_org,
    )
    report_upload(actor=egov_users["bigdata"], review=review, file=pdf(), conclusion="不建议支持")
    sign_technical(actor=egov_users["bigdata"], review=review, supported=False, opinion="与已有系统重复")
    sign_fiscal(actor=egov_users["finance"], review=review, supported=False, opinion="不安排")
    app.refresh_from_db()
    assert app.status == S.NOT_SUPPORTED


# ---------------------------------------------------------------- the annual plan and its versions


def test_the_plan_is_compiled_approved_by_the_county_and_every_applicant_told(
    egov_users, draft, reviewer_org, settings
):
    supported = _reviewed(
        application_submit(actor=egov_users["unit"], application=draft(name="一号项目")),
        egov_users,
        reviewer_org,
    )
    refused = application_submit(
        actor=egov_users["other_unit"], application=draft(actor=egov_users["other_unit"], name="二号项目")
    )
    with pytest.raises(ServiceError) as caught:
        plan_compile(actor=egov_users["bigdata"], plan_year=supported.plan_year)
    assert caught.value.field == "plan" and "二号项目" in caught.value.message
    review_start(
        actor=egov_users["bigdata"],
        application=refused,
        migration_completed_as_required=False,
        reviewer=reviewer_org,
    )
    with pytest.raises(AccessDenied):
        plan_compile(actor=egov_users["finance"], plan_year=supported.plan_year)
    settings.BUSINESS_DATE = dt.date(2021, 12, 31)
    plan = plan_compile(actor=egov_users["bigdata"], plan_year=supported.plan_year)
    assert plan.version == 1 and not plan.compiled_late and plan.status == AnnualPlan.Status.DRAFT
    assert plan.total == Decimal("750000.00")
    assert {"clause": "三、（二）3", "document": "高政办发〔2021〕1号", "line": 666} in plan.citations
    assert plan.policy_basis["readings"]["D47"] == "adopted"
    with pytest.raises(AccessDenied):
        plan_approve(actor=egov_users["bigdata"], plan=plan, reference="县政府常务会议纪要")
    plan_approve(actor=egov_users["government"], plan=plan, reference="高政字〔2021〕60号")
    supported.refresh_from_db()
    refused.refresh_from_db()
    assert supported.status == S.IN_PLAN and "750,000.00元" in supported.outcome
    assert refused.status == S.INADMISSIBLE and "未列入" in refused.outcome
    for app in (supported, refused):
        assert OutboxMessage.objects.filter(
            organisation=app.unit, subject="电子政务项目年度建设计划结果"
        ).exists()


def test_a_plan_compiled_after_31_december_is_recorded_late(egov_users, draft, reviewer_org, settings):
    app = _reviewed(
        application_submit(actor=egov_users["unit"], application=draft()), egov_users, reviewer_org
    )
    settings.BUSINESS_DATE = dt.date(2022, 1, 4)
    assert plan_compile(actor=egov_users["bigdata"], plan_year=app.plan_year).compiled_late


def test_a_plan_change_is_a_new_version_approved_again_and_the_baseline_kept(egov_users, draft, reviewer_org):
    first = _reviewed(
        application_submit(actor=egov_users["unit"], application=draft(name="一号项目")),
        egov_users,
        reviewer_org,
    )
    year = first.plan_year
    plan = plan_compile(actor=egov_users["bigdata"], plan_year=year)
    plan_approve(actor=egov_users["government"], plan=plan, reference="高政字〔2021〕60号")
    with pytest.raises(ServiceError) as caught:
        plan_compile(actor=egov_users["bigdata"], plan_year=year)
    assert "按程序报批" in caught.value.message
    # An urgent project reviewed after the plan was issued.
    urgent = _reviewed(
        application_submit(
            actor=egov_users["unit"],
            application=draft(name="疫情防控数据平台", county_decided=True, county_decision="县委常委会议定"),
        ),
        egov_users,
        reviewer_org,
        approved="300000.00",
    )
    with pytest.raises(ServiceError) as caught:
        plan_change_propose(actor=egov_users["bigdata"], plan_year=year, reason="", add=[urgent])
    assert caught.value.field == "reason"
    change = plan_change_propose(
        actor=egov_users["bigdata"], plan_year=year, reason="疫情防控紧急需要", add=[urgent], remove=[first]
    )
    assert {"clause": "三、（二）4", "document": "高政办发〔2021〕1号", "line": 681} in change.citations
    assert change.policy_basis["readings"]["D410"] == "adopted"
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.APPROVED  # in force until the change is approved
    plan_approve(actor=egov_users["government"], plan=change, reference="高政字〔2022〕8号")
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.SUPERSEDED and plan.approval_reference == "高政字〔2021〕60号"
    assert list(PlanEntry.objects.filter(plan=plan).values_list("application__name", "investment")) == [
        ("一号项目", Decimal("750000.00"))
    ]
    assert list(change.entries.values_list("application__name", flat=True)) == ["疫情防控数据平台"]
    first.refresh_from_db()
    urgent.refresh_from_db()
    assert first.status == S.NOT_IN_PLAN and "调出" in first.outcome
    assert urgent.status == S.IN_PLAN and "300,000.00元" in urgent.outcome
