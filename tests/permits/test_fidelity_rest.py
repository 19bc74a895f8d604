"""Issue 13, the rest (permits): the figures read with their citation, and the C3b fields of the project
correction page (工业建筑工程项目, 拿地即开工), refused once the project's stages are fixed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from countyhall.core.errors import ServiceError
from countyhall.core.models import Organisation
from countyhall.permits.models import Case, ProjectCorrection
from countyhall.permits.rules import regionally_assessed_terms
from countyhall.permits.services import handover_deadline_terms, project_correct, project_register
from countyhall.permits.services.setup import assessment_record

pytestmark = pytest.mark.django_db
D = dt.date


def test_handover_deadline_carries_its_citation():
    due, cited = handover_deadline_terms(D(2021, 11, 30))
    assert due == D(2022, 2, 28)
    assert cited.document == "高政办字〔2021〕35号" and cited.clause.startswith("一、（一）")


def test_regional_assessments_carry_their_citation(world):
    kinds, cited = regionally_assessed_terms(D(2021, 10, 1))
    assert "节能评价" in kinds and cited.clause == "二、（六）"
    with pytest.raises(ServiceError) as error:
        assessment_record(
            actor=world["users"]["approval"],
            project=world["project"],
            kind="不存在的评估",
            completed_on=D(2021, 10, 1),
            reference="x",
        )
    assert "二、（六）" in error.value.message


def _scheme(world, code="2021-370322-26-03-000201"):
    return project_register(
        actor=world["users"]["approval"],
        code=code,
        name="带方案出让工业项目",
        category="land_with_scheme",
        land_supply="transfer_with_scheme",
        site=world["project"].site,
        applicant=Organisation.objects.get(name="示例置业公司"),
        industrial=False,
        merge_elected=True,
    )


def test_industrial_and_merge_corrected_with_reason_and_history(world):
    project = _scheme(world)
    project_correct(
        actor=world["users"]["approval"],
        project=project,
        reason="建设单位提交了工业项目批复",
        industrial=True,
        merge_elected=False,
    )
    rows = {c.field: (c.old, c.new, c.reason) for c in ProjectCorrection.objects.filter(project=project)}
    assert rows["industrial"] == ("否", "是", "建设单位提交了工业项目批复")
    assert rows["merge_elected"][:2] == ("是", "否")


def test_merge_change_refused_once_a_later_stage_started(world):
    project = _scheme(world)
    Case.objects.create(
        project=project,
        stage="工程建设许可和施工许可",
        stage_order=1,
        lead=world["orgs"]["approval"],
        working_days=10,
    )
    with pytest.raises(ServiceError) as error:
        project_correct(
            actor=world["users"]["approval"], project=project, reason="改为分开办理", merge_elected=False
        )
    assert error.value.field == "merge_elected" and "审批阶段已确定" in error.value.message
    # The same value posted again (the form sends every field) is no change and is not refused.
    project_correct(
        actor=world["users"]["approval"],
        project=project,
        reason="更正名称",
        name="新名称",
        industrial=False,
        merge_elected=True,
    )


def test_correction_page_shows_the_c3b_fields_for_land_sold_with_a_scheme_only(world, client):
    project = _scheme(world)
    client.force_login(world["users"]["approval"])
    page = client.get(reverse("permits:project-edit", args=[project.pk])).content.decode()
    assert "工业建筑工程项目" in page and "拿地即开工" in page
    other = client.get(reverse("permits:project-edit", args=[world["project"].pk])).content.decode()
    assert "工业建筑工程项目" not in other
    Case.objects.create(
        project=project,
        stage="工程建设许可和施工许可",
        stage_order=1,
        lead=world["orgs"]["approval"],
        working_days=10,
    )
    data = {
        "name": project.name,
        "land_supply": project.land_supply,
        "site": project.site_id,
        "applicant": project.applicant_id,
        "industrial": "on",
        "merge_elected": "on",
        "reason": "改为工业项目",
    }
    response = client.post(reverse("permits:project-edit", args=[project.pk]), data)
    assert response.status_code == 400
    assert "不能再更改“工业建筑工程项目”" in response.content.decode()


def test_consultation_todo_until_both_are_recorded(world):
    from countyhall.permits.models import ElderlyCareStep
    from countyhall.permits.todos import todos_for

    project = world["project"]
    project.households = 120
    project.save(update_fields=["households"])
    Case.objects.create(
        project=project,
        stage="工程建设许可",
        stage_order=1,
        lead=world["orgs"]["approval"],
        working_days=15,
        status=Case.Status.SUBMITTED,
        applied_on=D(2021, 10, 8),
    )
    window = world["users"]["approval"]

    def due():
        return [t for t in todos_for(window) if "征求县民政部门、镇办意见" in t.label]

    [todo] = due()
    assert "高政办字〔2021〕35号 一、（一）1" in todo.label and todo.url.endswith("#elderly-care")
    town = Organisation.objects.create(name="青城镇人民政府", kind="town_office", division=project.site)
    for party in ElderlyCareStep.Party.values:
        ElderlyCareStep.objects.create(
            project=project,
            kind="scheme_consultation",
            party=party,
            organisation=town,
            sent_on=D(2021, 10, 9),
            reference="函",
        )
    assert due() == []
