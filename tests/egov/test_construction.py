"""Construction and acceptance on the database (1号 三、（三）—（四）, SPEC 5–6): each gate refusing, then passing — the
money gate (4.9), the procurement gate (5.1), cloud forms (5.2a, reading D0c), supervision before the start (5.3),
an unapproved major design change against additional investment (5.2c), findings and the four sanctions with
county approval (5.4–5.6; 暂缓拨付 blocks payments until lifted), preliminary acceptance and the trial run (6.2–6.3),
final acceptance on the 20-working-day clock stopped while materials are incomplete (6.4–6.7), use (6.8) and the
settlement review gating post-acceptance payment (6.10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, OutboxMessage
from countyhall.egov import selectors
from countyhall.egov import services as s
from countyhall.egov.models import Application, FinalAcceptance, Payment, Procurement, Sanction
from tests.egov.conftest import pdf

pytestmark = pytest.mark.django_db
D = dt.date
FEB_7, FEB_10, MAR_1, JUN_1 = D(2022, 2, 7), D(2022, 2, 10), D(2022, 3, 1), D(2022, 6, 1)


def _gate(app, code):
    return next(g for g in selectors.construction_gates(app) if g["code"] == code)


def _refused(call, field=None, words=""):
    with pytest.raises(ServiceError) as caught:
        call()
    if field:
        assert caught.value.field == field, caught.value.message
    assert words in caught.value.message, caught.value.message
    return caught.value


def _procured(app, users, settings, *, on=FEB_7):
    settings.BUSINESS_DATE = on
    procurement = s.procurement_submit(actor=users["unit"], application=app, file=pdf("采购文件.pdf"))
    s.procurement_review(actor=users["bigdata"], procurement=procurement, approved=True, opinion="同意采购")
    return s.procurement_record(
        actor=users["trading"],
        procurement=procurement,
        contractor="淄博某信息公司",
        contract_amount="780000.00",
        procured_on=on,
    )


def _started(app, users, settings, *, on=FEB_10):
    _procured(app, users, settings, on=on)
    return s.construction_start(
        actor=users["unit"], application=app, started_on=on, planned_acceptance_on=D(2022, 12, 31)
    )


def _checklist(users):
    return [
        s.checklist_item_add(actor=users["bigdata"], name=name).pk
        for name in ("竣工验收申请", "初步验收报告", "软件测试报告", "信息安全风险评估报告")
    ]


def _preliminary(app, users, settings, *, trial=MAR_1, on=JUN_1):
    settings.BUSINESS_DATE = on
    return s.preliminary_acceptance_record(
        actor=users["unit"],
        application=app,
        new_software=True,
        trial_start_on=trial,
        accepted_on=on,
        testing_body="山东某软件评测中心",
        test_report=pdf("测试报告.pdf"),
        security_assessment=pdf("评估.pdf"),
    )


# ---------------------------------------------------------------- 4.9 money gate, 5.1 procurement gate


def test_a_project_not_in_the_plan_gets_no_money_and_no_procurement(egov_users, planned, settings):
    app = planned()
    Application.objects.filter(pk=app.pk).update(status=Application.Status.NOT_IN_PLAN)
    app.refresh_from_db()
    _refused(
        lambda: s.procurement_submit(actor=egov_users["unit"], application=app, file=pdf()),
        "status",
        "未列入年度建设计划",
    )
    error = _refused(
        lambda: s.payment_record(
            actor=egov_users["finance"],
            application=app,
            kind="budget_allocation",
            amount="100.00",
            paid_on=D(2022, 2, 7),
        ),
        "kind",
    )
    assert "未列入年度建设计划" in error.message and not Payment.objects.exists()
    assert _gate(app, "money")["state"] == "refused"


def test_the_trading_centre_may_not_procure_before_the_file_is_reviewed(egov_users, planned, settings):
    app = planned()
    assert _gate(app, "money")["state"] == "passed" and _gate(app, "procurement")["state"] == "open"
    procurement = s.procurement_submit(actor=egov_users["unit"], application=app, file=pdf("采购文件.pdf"))
    assert "电子政务项目采购文件待审核" in OutboxMessage.objects.filter(
        user=egov_users["bigdata"]
    ).values_list("subject", flat=True)
    record = dict(contractor="某公司", contract_amount="780000.00", procured_on=D(2022, 2, 7))
    _refused(
        lambda: s.procurement_record(actor=egov_users["trading"], procurement=procurement, **record),
        "status",
        "未经县大数据局审核",
    )
    with pytest.raises(AccessDenied):
        s.procurement_review(actor=egov_users["unit"], procurement=procurement, approved=True, opinion="自审")
    s.procurement_review(
        actor=egov_users["bigdata"], procurement=procurement, approved=False, opinion="补充需求"
    )
    assert _gate(app, "procurement")["state"] == "refused"
    _refused(
        lambda: s.procurement_record(actor=egov_users["trading"], procurement=procurement, **record), "status"
    )
    procurement = s.procurement_submit(actor=egov_users["unit"], application=app, file=pdf("采购文件二.pdf"))
    s.procurement_review(actor=egov_users["bigdata"], procurement=procurement, approved=True, opinion="同意")
    with pytest.raises(AccessDenied):
        s.procurement_record(actor=egov_users["unit"], procurement=procurement, **record)
    procurement = s.procurement_record(actor=egov_users["trading"], procurement=procurement, **record)
    assert (
        procurement.status == Procurement.Status.PROCURED and _gate(app, "procurement")["state"] == "passed"
    )
    assert (
        AuditEntry.objects.filter(object_type="egov.Procurement", object_id=str(procurement.pk)).count() == 5
    )


# ---------------------------------------------------------------- 5.2a cloud forms (reading D0c)


def test_cloud_requests_use_forms_4_5_6_and_a_change_needs_an_approved_request(egov_users, planned):
    app = planned()
    _refused(
        lambda: s.cloud_request_submit(
            actor=egov_users["unit"], application=app, kind="change", resources="加 2 核", file=pdf()
        ),
        "kind",
        "尚无已批准",
    )
    request = s.cloud_request_submit(
        actor=egov_users["unit"], application=app, kind="migrated", resources="4 核 8G", file=pdf()
    )
    assert request.form == 5 and request.policy_basis["readings"] == {"D0c": "adopted"}
    assert _gate(app, "cloud")["state"] == "open"
    s.cloud_request_decide(actor=egov_users["bigdata"], request=request, approved=True, opinion="同意")
    change = s.cloud_request_submit(
        actor=egov_users["unit"], application=app, kind="change", resources="加 2 核", file=pdf()
    )
    assert change.form == 6 and _gate(app, "cloud")["state"] == "open"


# ---------------------------------------------------------------- 5.3 supervision before construction starts


def test_supervision_is_filed_before_the_start_from_two_million(egov_users, planned, settings):
    app = planned(investment="2000000.00")
    _refused(
        lambda: s.construction_start(actor=egov_users["unit"], application=app, started_on=D(2022, 2, 7)),
        "started_on",
        "完成政府采购",
    )
    _procured(app, egov_users, settings)
    _refused(
        lambda: s.construction_start(actor=egov_users["unit"], application=app, started_on=D(2022, 2, 7)),
        "started_on",
        "原则上实行监理制",
    )
    assert _gate(app, "supervision")["state"] == "open"
    s.supervision_file(
        actor=egov_users["unit"],
        application=app,
        supervisor="山东某监理公司",
        qualification="信息系统工程监理甲级",
        certificate="监理证 001",
    )
    construction = s.construction_start(actor=egov_users["unit"], application=app, started_on=D(2022, 2, 7))
    assert construction.started_on == D(2022, 2, 7) and construction.supervision["required"] is True
    assert _gate(app, "supervision")["state"] == "passed"
    _refused(
        lambda: s.supervision_file(
            actor=egov_users["unit"], application=app, supervisor="x", qualification="x", certificate="x"
        ),
        "supervisor",
        "已开工",
    )


def test_below_two_million_or_a_service_project_needs_no_supervisor_and_an_exemption_needs_reasons(
    egov_users, planned, settings
):
    small = planned(investment="1999999.99")
    _procured(small, egov_users, settings)
    assert s.construction_start(
        actor=egov_users["unit"], application=small, started_on=D(2022, 2, 7)
    ).started_on
    assert _gate(small, "supervision")["state"] == "n/a"
    large = planned(investment="3000000.00", name="政务数据中台")
    _procured(large, egov_users, settings)
    with pytest.raises(AccessDenied):
        s.supervision_exempt(actor=egov_users["unit"], application=large, reason="自认为简单")
    _refused(
        lambda: s.supervision_exempt(actor=egov_users["bigdata"], application=large, reason=" "), "reason"
    )
    s.supervision_exempt(actor=egov_users["bigdata"], application=large, reason="纯软件升级，无工程实施内容")
    assert s.construction_start(
        actor=egov_users["unit"], application=large, started_on=D(2022, 2, 7)
    ).started_on
    assert "免于监理" in _gate(large, "supervision")["evidence"]


# ---------------------------------------------------------------- 5.2c design changes and additional investment


def test_an_unapproved_major_design_change_blocks_additional_investment(egov_users, planned, settings):
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 7))
    change = s.design_change_report(
        actor=egov_users["unit"],
        application=app,
        description="新增移动端",
        major=True,
        budget_effect="120000.00",
    )
    assert _gate(app, "design_change")["state"] == "refused"
    pay = dict(
        actor=egov_users["finance"],
        application=app,
        kind="additional_investment",
        amount="120000.00",
        paid_on=D(2022, 2, 7),
    )
    _refused(lambda: s.payment_record(**pay), "kind", "未经批准的重大设计变更")
    s.design_change_decide(actor=egov_users["bigdata"], change=change, approved=True, opinion="同意变更")
    payment = s.payment_record(**pay)
    assert (
        payment.terms["allowed"] is True
        and {"document": "高政办发〔2021〕1号", "clause": "三、（三）2", "line": 735}
        in payment.terms["citations"]
    )
    assert _gate(app, "design_change")["state"] == "passed"


# ---------------------------------------------------------------- 5.4–5.6 inspections, findings, sanctions


def test_a_sanction_needs_a_major_problem_and_the_county_and_withholding_blocks_payments(
    egov_users, planned, settings
):
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 7))
    inspection = s.inspection_record(
        actor=egov_users["bigdata"],
        application=app,
        inspected_on=D(2022, 2, 7),
        participants="县财政局、县审计局",
        scope="进度、质量、资金",
        findings=[
            {"description": "文档不全", "major": False, "rectify_by": D(2022, 3, 1)},
            {"description": "擅自改变建设内容", "major": True, "rectify_by": D(2022, 3, 15)},
        ],
    )
    minor, major = inspection.findings.order_by("pk")
    assert _gate(app, "rectification")["state"] == "open"
    _refused(
        lambda: s.sanction_propose(actor=egov_users["bigdata"], finding=minor, kind="暂缓拨付", reason="x"),
        "kind",
        "重大问题",
    )
    sanction = s.sanction_propose(
        actor=egov_users["bigdata"], finding=major, kind="暂缓拨付", reason="擅自改变建设内容"
    )
    assert sanction.status == Sanction.Status.PROPOSED
    pay = dict(
        actor=egov_users["finance"],
        application=app,
        kind="progress",
        amount="200000.00",
        paid_on=D(2022, 2, 7),
    )
    assert s.payment_record(**pay).terms["allowed"]  # proposed only: not yet in force
    with pytest.raises(AccessDenied):
        s.sanction_decide(actor=egov_users["bigdata"], sanction=sanction, approved=True, reference="自批")
    _refused(
        lambda: s.sanction_decide(actor=egov_users["government"], sanction=sanction, approved=True),
        "reference",
    )
    sanction = s.sanction_decide(
        actor=egov_users["government"], sanction=sanction, approved=True, reference="高政字〔2022〕9号"
    )
    assert sanction.status == Sanction.Status.IN_FORCE and sanction.terms["allowed"] is True
    _refused(lambda: s.payment_record(**pay), "kind", "暂缓拨付")
    assert _gate(app, "sanction")["state"] == "refused"
    s.finding_rectify(
        actor=egov_users["unit"], finding=major, rectification="已恢复原方案", rectified_on=D(2022, 2, 7)
    )
    s.sanction_lift(actor=egov_users["government"], sanction=sanction, reason="已整改")
    assert s.payment_record(**pay).amount == Decimal("200000.00")
    assert _gate(app, "sanction")["state"] == "n/a"


def test_termination_is_final_and_holds_the_project(egov_users, planned, settings):
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 7))
    inspection = s.inspection_record(
        actor=egov_users["bigdata"],
        application=app,
        inspected_on=D(2022, 2, 7),
        participants="县财政局",
        scope="资金",
        findings=[{"description": "挪用资金", "major": True, "rectify_by": D(2022, 3, 1)}],
    )
    finding = inspection.findings.get()
    refused = s.sanction_decide(
        actor=egov_users["government"],
        sanction=s.sanction_propose(actor=egov_users["bigdata"], finding=finding, kind="终止", reason="挪用"),
        approved=False,
    )
    assert refused.status == Sanction.Status.REFUSED and refused.terms["allowed"] is False
    terminated = s.sanction_decide(
        actor=egov_users["government"],
        sanction=s.sanction_propose(actor=egov_users["bigdata"], finding=finding, kind="终止", reason="挪用"),
        approved=True,
        reference="高政字〔2022〕10号",
    )
    _refused(
        lambda: s.sanction_lift(actor=egov_users["government"], sanction=terminated, reason="x"), "status"
    )
    _refused(
        lambda: s.design_change_report(
            actor=egov_users["unit"], application=app, description="x", major=False
        ),
        "status",
        "终止项目",
    )


# ---------------------------------------------------------------- 6.2–6.3 preliminary acceptance and trial run


def test_preliminary_acceptance_waits_three_months_of_trial_run_unless_reasons(egov_users, planned, settings):
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 10))
    settings.BUSINESS_DATE = D(2022, 5, 30)
    common = dict(
        actor=egov_users["unit"],
        application=app,
        new_software=True,
        trial_start_on=D(2022, 2, 28),
        testing_body="评测中心",
        security_assessment=pdf("评估.pdf"),
    )
    _refused(
        lambda: s.preliminary_acceptance_record(accepted_on=D(2022, 5, 27), test_report=pdf(), **common),
        "accepted_on",
        "2022年5月28日",
    )
    _refused(lambda: s.preliminary_acceptance_record(accepted_on=D(2022, 5, 28), **common), "test_report")
    preliminary = s.preliminary_acceptance_record(accepted_on=D(2022, 5, 28), test_report=pdf(), **common)
    assert preliminary.trial_run["satisfied"] is True and _gate(app, "preliminary")["state"] == "passed"
    other = planned(name="运维服务")
    _started(other, egov_users, settings, on=D(2022, 5, 30))
    exempt = s.preliminary_acceptance_record(
        **{**common, "application": other, "trial_start_on": D(2022, 5, 30)},
        accepted_on=D(2022, 5, 30),
        test_report=pdf(),
        exemption_reason="上级系统统一部署，已在省平台试运行",
    )
    assert exempt.trial_run["applies"] is False


# ---------------------------------------------------------------- 6.4–6.8 final acceptance and its clock


def test_final_acceptance_clock_stops_while_materials_are_incomplete(egov_users, planned, settings):
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 10))
    items = _checklist(egov_users)
    settings.BUSINESS_DATE = D(2022, 9, 20)
    _refused(
        lambda: s.final_acceptance_apply(actor=egov_users["unit"], application=app, received=items),
        "materials",
        "完成初步验收后",
    )
    _preliminary(app, egov_users, settings, on=D(2022, 9, 20))
    acceptance = s.final_acceptance_apply(actor=egov_users["unit"], application=app, received=items[:2])
    assert acceptance.status == FinalAcceptance.Status.INCOMPLETE and acceptance.due_on is None
    assert acceptance.missing == ["软件测试报告", "信息安全风险评估报告"]
    _refused(
        lambda: s.final_acceptance_decide(
            actor=egov_users["bigdata"],
            acceptance=acceptance,
            key_params_match_plan=True,
            catalogue_on_sharing_platform=True,
            report_number="验收 1",
        ),
        "status",
        "收齐",
    )
    settings.BUSINESS_DATE = D(2022, 9, 29)  # complete the day before National Day: 1–7 Oct do not count
    acceptance = s.final_acceptance_materials(
        actor=egov_users["bigdata"], acceptance=acceptance, received=items
    )
    assert acceptance.status == FinalAcceptance.Status.RUNNING and acceptance.materials_complete_on == D(
        2022, 9, 29
    )
    expected = s.acceptance_due_terms(materials_complete_on=D(2022, 9, 29)).data["due_on"]
    assert acceptance.due_on == expected and acceptance.policy_basis["readings"]["D65"] == "adopted"
    # found incomplete again for three working days (10–12 Oct, answered 12 Oct): the due date moves by three
    settings.BUSINESS_DATE = D(2022, 10, 10)
    acceptance = s.final_acceptance_incomplete(
        actor=egov_users["bigdata"], acceptance=acceptance, missing=[items[2]], reason="测试报告缺少签章"
    )
    assert acceptance.due_on is None and acceptance.stops.count() == 2
    settings.BUSINESS_DATE = D(2022, 10, 12)
    acceptance = s.final_acceptance_materials(
        actor=egov_users["bigdata"], acceptance=acceptance, received=items
    )
    state = selectors.acceptance_clock_state(acceptance)
    assert state.due == acceptance.due_on and state.stopped_working_days >= 3
    kinds = [e.kind for e in selectors.acceptance_clock(acceptance).history()]
    assert kinds.count("suspended") == 2 and kinds.count("resumed") == 2


def test_failed_acceptance_is_rectified_and_applied_for_again_and_only_then_used(
    egov_users, planned, settings
):
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 10))
    items = _checklist(egov_users)
    _preliminary(app, egov_users, settings, on=D(2022, 6, 1))
    acceptance = s.final_acceptance_apply(actor=egov_users["unit"], application=app, received=items)
    assert acceptance.status == FinalAcceptance.Status.RUNNING and acceptance.due_on
    _refused(
        lambda: s.project_put_into_use(actor=egov_users["unit"], application=app, on=D(2022, 6, 1)),
        "on",
        "不得投入使用",
    )
    decide = dict(
        actor=egov_users["bigdata"],
        key_params_match_plan=False,
        catalogue_on_sharing_platform=True,
        report_number="高青大数据验〔2022〕1号",
    )
    _refused(lambda: s.final_acceptance_decide(acceptance=acceptance, **decide), "rectify_by", "整改期限")
    failed = s.final_acceptance_decide(acceptance=acceptance, rectify_by=D(2022, 7, 1), **decide)
    assert failed.status == FinalAcceptance.Status.FAILED and failed.result["reasons"] == [
        "key_parameters_differ"
    ]
    assert _gate(app, "final")["state"] == "refused" and _gate(app, "use")["state"] == "refused"
    _refused(
        lambda: s.final_acceptance_apply(actor=egov_users["unit"], application=app, received=items),
        "rectification_plan",
        "整改方案",
    )
    settings.BUSINESS_DATE = D(2022, 6, 20)
    again = s.final_acceptance_apply(
        actor=egov_users["unit"], application=app, received=items, rectification_plan="按审核意见恢复技术参数"
    )
    assert again.attempt == 2
    passed = s.final_acceptance_decide(acceptance=again, **{**decide, "key_params_match_plan": True})
    assert passed.status == FinalAcceptance.Status.PASSED and passed.on_time is True
    assert s.project_put_into_use(actor=egov_users["unit"], application=app, on=D(2022, 6, 20)).in_use_on
    assert _gate(app, "use")["state"] == "passed"


# ---------------------------------------------------------------- 6.10 settlement review gates post-acceptance payment


def test_post_acceptance_payment_needs_the_settlement_review_and_is_capped_by_it(
    egov_users, planned, settings
):
    app = planned()
    _started(app, egov_users, settings, on=D(2022, 2, 10))
    items = _checklist(egov_users)
    s.payment_record(
        actor=egov_users["finance"],
        application=app,
        kind="progress",
        amount="500000.00",
        paid_on=D(2022, 2, 10),
    )
    _preliminary(app, egov_users, settings, on=D(2022, 6, 1))
    acceptance = s.final_acceptance_apply(actor=egov_users["unit"], application=app, received=items)
    pay = dict(actor=egov_users["finance"], application=app, kind="post_acceptance", paid_on=D(2022, 6, 1))
    error = _refused(lambda: s.payment_record(amount="100000.00", **pay), "kind")
    assert "尚未通过竣工验收" in error.message and "尚未完成结算评审" in error.message
    _refused(
        lambda: s.settlement_review_record(
            actor=egov_users["finance"],
            application=app,
            reviewer="某事务所",
            commissioned_on=D(2022, 6, 1),
            completed_on=D(2022, 6, 1),
            settled_amount="760000.00",
        ),
        "reviewer",
        "竣工验收后",
    )
    s.final_acceptance_decide(
        actor=egov_users["bigdata"],
        acceptance=acceptance,
        key_params_match_plan=True,
        catalogue_on_sharing_platform=True,
        report_number="验收 1",
    )
    _refused(lambda: s.payment_record(amount="100000.00", **pay), "kind", "尚未完成结算评审")
    assert _gate(app, "settlement")["state"] == "open"
    with pytest.raises(AccessDenied):
        s.settlement_review_record(
            actor=egov_users["unit"],
            application=app,
            reviewer="x",
            commissioned_on=D(2022, 6, 1),
            completed_on=D(2022, 6, 1),
            settled_amount="1.00",
        )
    s.settlement_review_record(
        actor=egov_users["finance"],
        application=app,
        reviewer="山东某会计师事务所",
        commissioned_on=D(2022, 6, 1),
        completed_on=D(2022, 6, 1),
        settled_amount="760000.00",
    )
    _refused(lambda: s.payment_record(amount="260000.01", **pay), "amount", "本次最多260000.00元")
    payment = s.payment_record(amount="260000.00", **pay)
    assert payment.terms["allowed"] is True and _gate(app, "settlement")["state"] == "passed"
    assert [g["state"] for g in selectors.construction_gates(app)] == [
        "passed",
        "passed",
        "n/a",
        "n/a",
        "passed",
        "n/a",
        "n/a",
        "n/a",
        "passed",
        "passed",
        "passed",
        "passed",
    ]


def test_gates_are_dicts_with_the_agreed_keys(planned):
    gates = selectors.construction_gates(planned())
    assert all(set(g) == {"code", "label", "state", "evidence", "evidence_date", "citation"} for g in gates)
    assert {g["state"] for g in gates} <= {"open", "passed", "refused", "n/a"}


def test_the_daily_sweep_reminds_then_escalates_once_per_acceptance(egov_users, planned, settings):
    from countyhall.core.actors import SystemActor
    from countyhall.egov.models import FinalAcceptanceNotice

    app = planned()
    _started(app, egov_users, settings, on=FEB_10)
    items = _checklist(egov_users)
    _preliminary(app, egov_users, settings, on=JUN_1)
    acceptance = s.final_acceptance_apply(actor=egov_users["unit"], application=app, received=items)
    with pytest.raises(AccessDenied):
        s.acceptance_clock_sweep(actor=egov_users["bigdata"])
    system = SystemActor("system")
    assert s.acceptance_clock_sweep(actor=system, on=JUN_1) == {"reminder": 0, "escalation": 0}
    assert s.acceptance_clock_sweep(actor=system, on=acceptance.due_on)["reminder"] == 1
    assert s.acceptance_clock_sweep(actor=system, on=acceptance.due_on)["reminder"] == 0
    late = acceptance.due_on + dt.timedelta(days=3)
    assert s.acceptance_clock_sweep(actor=system, on=late)["escalation"] == 1
    assert FinalAcceptanceNotice.objects.filter(acceptance=acceptance).count() == 2
