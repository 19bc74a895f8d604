"""Stage cases: parallel review, one combined decision, the working-day clock with 补正 suspensions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.permits.models import Case, Project, Review
from countyhall.permits.services import (
    case_clock,
    case_decide,
    case_resume,
    permit_stage_submit,
    project_register,
    review_give,
)
from tests.permits.conftest import configure_stage

pytestmark = pytest.mark.django_db
D = dt.date


def test_stage_limits_may_not_exceed_the_category_total(world):
    with pytest.raises(ServiceError) as error:
        configure_stage(
            actor=world["admin"],
            category="social_civil",
            stage="施工许可",
            working_days=21,
            lead=world["orgs"]["housing"],
            participants=[],
            basis="流程图",
        )
    assert error.value.field == "working_days" and "45" in error.value.message
    with pytest.raises(ServiceError):
        configure_stage(
            actor=world["admin"],
            category="social_civil",
            stage="工程建设许可和施工许可",
            working_days=5,
            lead=world["orgs"]["housing"],
            participants=[],
            basis="流程图",
        )  # no merged stage there
    # 3号 二、（四）, L1730 (reading C3b): land sold with a scheme keeps four stages under the alternative, so both
    # plans are configured — each within the category's 35 working days.
    configure_stage(
        actor=world["admin"],
        category="land_with_scheme",
        stage="工程建设许可和施工许可",
        working_days=30,
        lead=world["orgs"]["housing"],
        participants=[],
        basis="流程图",
    )
    configure_stage(
        actor=world["admin"],
        category="land_with_scheme",
        stage="施工许可",
        working_days=20,
        lead=world["orgs"]["housing"],
        participants=[],
        basis="流程图",
    )
    with pytest.raises(ServiceError):
        configure_stage(
            actor=world["admin"],
            category="land_with_scheme",
            stage="立项用地规划许可",
            working_days=6,
            lead=world["orgs"]["housing"],
            participants=[],
            basis="流程图",
        )


def test_one_code_per_project_and_stages_in_order(world):
    with pytest.raises(ServiceError):
        project_register(
            actor=world["users"]["approval"],
            code="2021-370322-70-03-000001",
            name="重复",
            category="social_civil",
            site=world["project"].site,
            applicant=world["project"].applicant,
        )
    with pytest.raises(ServiceError) as error:
        permit_stage_submit(
            actor=world["users"]["approval"],
            project=world["project"],
            stage="工程建设许可",
            accepted_on=D(2021, 9, 1),
        )
    assert "立项用地规划许可" in error.value.message


def test_parallel_review_combined_decision_and_clock(world):
    users = world["users"]
    case = permit_stage_submit(
        actor=users["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2021, 9, 29),
    )
    assert {r.department.name for r in case.reviews.all()} == {"县自然资源局", "县行政审批服务局"}
    with pytest.raises(ServiceError):
        case_decide(
            actor=users["resources"], case=case, approve=True, on=D(2021, 10, 8)
        )  # approval office silent
    review_give(actor=users["resources"], case=case, opinion="approve", on=D(2021, 9, 30))
    review_give(
        actor=users["approval"],
        case=case,
        opinion="request_correction",
        reasons="缺少用地红线图",
        on=D(2021, 10, 8),
    )
    case.refresh_from_db()
    assert case.status == "awaiting_applicant" and case_clock(case, on=D(2021, 10, 20)).running is False
    case_resume(actor=world["users"]["approval"], case=case, on=D(2021, 10, 12))
    review_give(
        actor=users["approval"],
        case=case,
        opinion="approve_with_conditions",
        reasons="按红线图核准",
        on=D(2021, 10, 13),
    )
    case = case_decide(actor=users["resources"], case=case, approve=True, on=D(2021, 10, 13))
    clock = case_clock(case)
    # 10 working days from 29 Sep: 30 Sep, then 13, 14, 15, 18, 19, 20, 21, 22, 25 Oct. The working days
    # 8, 9 (the make-up Saturday), 11 and 12 Oct fell inside the 补正 suspension (8–12 Oct, both ends).
    assert clock.due == D(2021, 10, 25)
    assert clock.used == 2  # 30 Sep and 13 Oct
    assert AuditEntry.objects.filter(object_type="permits.Case").count() >= 3


def test_refusal_wins_and_only_the_lead_decides(world):
    users = world["users"]
    case = permit_stage_submit(
        actor=users["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2021, 9, 29),
    )
    review_give(actor=users["resources"], case=case, opinion="approve", on=D(2021, 9, 30))
    review_give(actor=users["approval"], case=case, opinion="refuse", reasons="不符合规划", on=D(2021, 9, 30))
    with pytest.raises(ServiceError):
        case_decide(actor=users["approval"], case=case, approve=False, reasons="x")  # not the lead
    with pytest.raises(ServiceError):
        case_decide(actor=users["resources"], case=case, approve=True)
    case_decide(actor=users["resources"], case=case, approve=False, reasons="县行政审批服务局不同意")
    assert Case.objects.get(pk=case.pk).status == "refused"
    with pytest.raises(ServiceError):
        review_give(actor=users["housing"], case=case, opinion="approve")
    assert Review.objects.filter(case=case, opinion="refuse").count() == 1


def _approve_stage(world, stage, accepted_on):
    users = world["users"]
    case = permit_stage_submit(
        actor=users["approval"], project=world["project"], stage=stage, accepted_on=accepted_on
    )
    for review in case.reviews.select_related("department"):
        user = next(u for u in users.values() if u.organisation_id == review.department_id)
        review_give(actor=user, case=case, opinion="approve", on=accepted_on + dt.timedelta(days=1))
    lead_user = next(u for u in users.values() if u.organisation_id == case.lead_id)
    return case_decide(actor=lead_user, case=case, approve=True, on=accepted_on + dt.timedelta(days=1))


def test_notify_and_commit_and_the_blacklist(world):
    from countyhall.permits.services import commitment_accept, commitment_check

    case = _approve_stage(world, "立项用地规划许可", D(2021, 9, 1))
    with pytest.raises(ServiceError) as error:
        commitment_accept(
            actor=world["users"]["approval"],
            case=case,
            item="环评",
            area="ecology",
            committed_on=D(2021, 9, 2),
            check_due=D(2021, 12, 1),
        )
    assert "不适用告知承诺制" in error.value.message
    with pytest.raises(ServiceError) as error:  # 县住建局 neither leads this stage nor runs the window
        commitment_accept(
            actor=world["users"]["housing"],
            case=case,
            item="补交土壤检测报告",
            area="general",
            committed_on=D(2021, 9, 2),
            check_due=D(2021, 10, 31),
        )
    assert error.value.field == "actor"
    commitment = commitment_accept(
        actor=world["users"]["approval"],
        case=case,
        item="补交土壤检测报告",
        area="general",
        committed_on=D(2021, 9, 2),
        check_due=D(2021, 10, 31),
    )
    commitment_check(
        actor=world["users"]["approval"],
        commitment=commitment,
        kept=False,
        findings="逾期未交",
        on=D(2021, 11, 2),
    )
    assert Case.objects.get(pk=case.pk).status == "revoked"
    from countyhall.permits.models import CreditRecord

    listing = CreditRecord.objects.get(organisation=world["project"].applicant)
    assert (listing.reason, listing.listed_on, listing.until) == ("broken_commitment", D(2021, 11, 2), None)
    assert "补交土壤检测报告" in listing.detail and "县行政审批服务局" in listing.source
    assert AuditEntry.objects.filter(object_type="permits.CreditRecord", action="create").exists()
    with pytest.raises(ServiceError) as error:
        permit_stage_submit(
            actor=world["users"]["approval"],
            project=world["project"],
            stage="工程建设许可",
            accepted_on=D(2021, 11, 3),
        )
    assert error.value.field in {"stage", "applicant"}


def test_a_listed_applicant_is_flagged_to_every_reviewer(world, client):
    from countyhall.permits.services import credit_record_add

    credit_record_add(
        actor=world["admin"],
        organisation=world["project"].applicant,
        reason="unpaid_wages",
        detail="拖欠农民工工资",
        listed_on=D(2021, 8, 1),
        until=D(2021, 12, 31),
    )
    case = permit_stage_submit(
        actor=world["users"]["approval"],
        project=world["project"],
        stage="立项用地规划许可",
        accepted_on=D(2021, 9, 1),
    )
    assert case.applicant_listed is True
    for user in (world["users"]["resources"], world["users"]["approval"]):  # the lead and a participant
        client.force_login(user)
        html = client.get(f"/permits/p/{world['project'].pk}/").content.decode()
        assert "失信名单" in html and "拖欠农民工工资" in html
    # A listed practitioner who is the project's manager flags the application too.
    credit_record_add(
        actor=world["admin"],
        practitioner="钱某",
        reason="violation",
        detail="违规转包",
        listed_on=D(2021, 8, 1),
        source="县住建局",
    )
    world["project"].project_manager = "钱某"
    world["project"].save()
    from countyhall.permits.services import project_credit_records

    assert {r.reason for r in project_credit_records(world["project"], on=D(2022, 1, 4))} == {"violation"}
    world["project"].project_manager = ""
    world["project"].save()
    # After the listing ends, a later application is no longer flagged.
    world["project"].cases.all().delete()
    assert (
        permit_stage_submit(
            actor=world["users"]["approval"],
            project=world["project"],
            stage="立项用地规划许可",
            accepted_on=D(2022, 1, 4),
        ).applicant_listed
        is False
    )


def test_construction_permit_needs_the_fees_paid(world):
    from countyhall.permits.services import fees_record

    configure_stage(
        actor=world["admin"],
        category="social_civil",
        stage="施工许可",
        working_days=5,
        lead=world["orgs"]["approval"],
        participants=[],
        basis="流程图（示例）",
    )
    from countyhall.permits.services import assessment_record

    _approve_stage(
        world, "立项用地规划许可", D(2021, 9, 1)
    )  # assessments are not conditions for approval (C5)
    with pytest.raises(ServiceError) as error:
        permit_stage_submit(
            actor=world["users"]["approval"],
            project=world["project"],
            stage="工程建设许可",
            accepted_on=D(2021, 9, 6),
        )
    assert error.value.field == "assessments" and "地震安全性评价" in error.value.message
    assessment_record(
        actor=world["users"]["approval"],
        project=world["project"],
        kind="地震安全性评价",
        completed_on=D(2021, 9, 3),
        reference="震评〔2021〕1号",
    )
    _approve_stage(world, "工程建设许可", D(2021, 9, 6))
    for kind in ("环境影响评价", "文物影响评价", "节能评价", "水土保持方案"):
        assessment_record(
            actor=world["users"]["approval"],
            project=world["project"],
            kind=kind,
            completed_on=D(2021, 9, 8),
            reference="示例",
        )
    with pytest.raises(ServiceError) as error:
        permit_stage_submit(
            actor=world["users"]["approval"],
            project=world["project"],
            stage="施工许可",
            accepted_on=D(2021, 9, 13),
        )
    assert error.value.field == "fees"
    fees_record(
        actor=world["users"]["approval"],
        project=world["project"],
        paid_on=D(2021, 9, 10),
        proof="JF2021-0001",
    )
    assert permit_stage_submit(
        actor=world["users"]["approval"],
        project=world["project"],
        stage="施工许可",
        accepted_on=D(2021, 9, 13),
    ).pk


def test_residential_projects_need_their_elderly_rooms(world):
    from countyhall.permits.services import assessment_record, elderly_room_handover_overdue

    project = world["project"]
    project.households, project.elderly_room_m2 = 350, Decimal("60")
    project.save()
    _approve_stage(world, "立项用地规划许可", D(2021, 9, 1))
    assessment_record(
        actor=world["users"]["approval"],
        project=project,
        kind="地震安全性评价",
        completed_on=D(2021, 9, 3),
        reference="x",
    )
    with pytest.raises(ServiceError) as error:
        _approve_stage(world, "工程建设许可", D(2021, 9, 6))  # 350 households need 70 m² (C12)
    assert error.value.field == "elderly_room_m2" and "70.00" in error.value.message
    Project.objects.filter(pk=project.pk).update(
        elderly_room_m2=Decimal("70"), completion_filed_on=D(2022, 2, 28)
    )
    assert [p.pk for p in elderly_room_handover_overdue(on=D(2022, 5, 28))] == []
    assert [p.pk for p in elderly_room_handover_overdue(on=D(2022, 5, 29))] == [project.pk]
