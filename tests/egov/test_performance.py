"""Operation and performance on the database (1号 三、（五）, 四、; SPEC section 7): the O&M arrangement, evaluations on
the administered scale (none without it), rectification and the re-evaluation, the assessment of the units and their
ranking (formula, minimum count, as-of date), and the next-year flag as a recommendation a person decides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, OutboxMessage
from countyhall.egov import performance, portfolio
from countyhall.egov.models import (
    NextYearDecision,
    OperationArrangement,
    PerformanceEvaluation,
    SupplierRating,
)

pytestmark = pytest.mark.django_db
D = dt.date
ASPECTS = {"progress": "按计划", "funds": "规范", "operation": "平稳", "effect": "良好"}


def _evaluate(actor, application, **values):
    fields = {"evaluated_on": D(2022, 6, 1), "score": "80", "verdict": "adequate", **ASPECTS, **values}
    return performance.evaluation_record(actor=actor, application=application, **fields)


def test_no_score_before_the_scale_is_entered(egov_users, in_plan):
    with pytest.raises(ServiceError) as caught:
        _evaluate(egov_users["bigdata"], in_plan["own"])
    assert caught.value.field == "score" and "评分量表" in caught.value.message
    assert not PerformanceEvaluation.objects.exists()
    assert portfolio.scale_max(D(2022, 6, 15)) is None


def test_an_evaluation_keeps_the_scale_and_its_clause(egov_users, in_plan, figures):
    evaluation = _evaluate(egov_users["bigdata"], in_plan["own"], score="88.5")
    assert evaluation.scale_max == 100 and evaluation.score == Decimal("88.50")
    assert {"document": "高政办发〔2021〕1号", "clause": "四、", "line": 873} in evaluation.citations
    assert evaluation.policy_basis["parameters"]["egov.performance.scale_max"] == "2021-07-20"
    assert AuditEntry.objects.filter(
        object_type="egov.PerformanceEvaluation", object_id=str(evaluation.pk)
    ).exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"score": "100.01"}, "score", "0到100分"),
        ({"score": "-1"}, "score", "0到100分"),
        ({"score": 80.5}, "score", "浮点数"),
        ({"score": "八十"}, "score", "应为数字"),
        ({"score": "80.123"}, "score", "两位小数"),
        ({"progress": " "}, "progress", "建设进度"),
        ({"evaluated_on": D(2022, 6, 16)}, "evaluated_on", "不能晚于今天"),
        ({"verdict": "poor"}, "rectification_due", "整改期限"),
        ({"verdict": "poor", "rectification_due": D(2022, 6, 1)}, "rectification_due", "晚于评估日期"),
        ({"rectification_due": D(2022, 7, 1)}, "rectification_due", "无需整改期限"),
        ({"round": "after_rectification"}, "round", "绩效低下"),
        ({"verdict": "bad"}, "verdict", "评估结论"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(egov_users, in_plan, figures, values, field, message):
    with pytest.raises(ServiceError) as caught:
        _evaluate(egov_users["bigdata"], in_plan["own"], **values)
    assert caught.value.field == field and message in caught.value.message
    assert not PerformanceEvaluation.objects.exists()


def test_only_big_data_evaluates_and_only_projects_in_the_plan(egov_users, in_plan, figures, draft):
    for role in ("unit", "finance", "government"):
        with pytest.raises(AccessDenied):
            _evaluate(egov_users[role], in_plan["own"])
    with pytest.raises(ServiceError) as caught:
        _evaluate(egov_users["bigdata"], draft(name="草稿项目"))
    assert caught.value.field == "application"


def test_poor_then_rectified_and_still_poor_raises_the_next_year_flag_a_person_decides(
    egov_users, in_plan, figures
):
    own, bigdata = in_plan["own"], egov_users["bigdata"]
    _evaluate(
        bigdata, own, evaluated_on=D(2022, 3, 1), score="50", verdict="poor", rectification_due=D(2022, 5, 31)
    )
    assert OutboxMessage.objects.filter(organisation=own.unit, subject__contains="绩效评估").exists()
    assert portfolio.next_year_recommendations() == []  # poor once: rectify first (7.5)
    again = _evaluate(bigdata, own, round="after_rectification", score="55", verdict="poor")
    assert {"document": "高政办发〔2021〕1号", "clause": "四、", "line": 891} in again.citations
    [recommendation] = portfolio.next_year_recommendations()
    assert recommendation["application"] == own and recommendation["reasons"] == ["poor_performance"]
    assert recommendation["target_year"] == 2023
    with pytest.raises(AccessDenied):
        performance.next_year_decide(
            actor=egov_users["finance"], application=own, decision="reduce", note="压缩项目"
        )
    with pytest.raises(ServiceError) as caught:
        performance.next_year_decide(actor=bigdata, application=own, decision="reduce", note="")
    assert caught.value.field == "note"
    decision = performance.next_year_decide(
        actor=bigdata, application=own, decision="reduce", note="整改后仍未达到应有绩效"
    )
    assert decision.target_year == 2023 and decision.unit == own.unit
    assert decision.rule_result["flag"] == "reduce_or_refuse" and decision.reasons == ["poor_performance"]
    assert portfolio.next_year_recommendations() == []
    with pytest.raises(ServiceError) as caught:
        performance.next_year_decide(
            actor=bigdata, application=own, decision="refuse", note="再次决定不予安排"
        )
    assert "已经处理" in caught.value.message
    assert NextYearDecision.objects.count() == 1


def test_an_adequate_re_evaluation_clears_the_flag_and_nothing_is_decided_without_one(
    egov_users, in_plan, figures
):
    own, bigdata = in_plan["own"], egov_users["bigdata"]
    _evaluate(
        bigdata, own, evaluated_on=D(2022, 3, 1), score="50", verdict="poor", rectification_due=D(2022, 5, 31)
    )
    _evaluate(bigdata, own, round="after_rectification", score="75", verdict="adequate")
    assert portfolio.next_year_recommendations() == []
    with pytest.raises(ServiceError) as caught:
        performance.next_year_decide(actor=bigdata, application=own, decision="reduce", note="压缩下一年度")
    assert caught.value.field == "application"


def test_the_operation_arrangement_by_mode_with_history(egov_users, in_plan):
    own = in_plan["own"]
    with pytest.raises(ServiceError) as caught:
        performance.operation_record(
            actor=egov_users["bigdata"],
            application=own,
            mode="cloud",
            provider="某运维公司",
            start_on=D(2022, 3, 1),
        )
    assert caught.value.field == "contract_reference"
    with pytest.raises(AccessDenied):
        performance.operation_record(
            actor=egov_users["other_unit"],
            application=own,
            mode="unit",
            provider="本单位",
            start_on=D(2022, 3, 1),
        )
    first = performance.operation_record(
        actor=egov_users["unit"], application=own, mode="unit", provider="本单位", start_on=D(2022, 3, 1)
    )
    assert first.citations == [{"document": "高政办发〔2021〕1号", "clause": "三、（五）", "line": 861}]
    performance.operation_record(
        actor=egov_users["bigdata"],
        application=own,
        mode="cloud",
        provider="某运维公司",
        contract_reference="政务云运维合同",
        start_on=D(2022, 4, 1),
    )
    assert OperationArrangement.objects.get().mode == "cloud"
    assert AuditEntry.objects.filter(object_type="egov.OperationArrangement").count() == 2


def _rate(actor, application, supplier, score, *, kind="contractor", rated_on=None):
    return performance.supplier_rate(
        actor=actor,
        application=application,
        kind=kind,
        supplier=supplier,
        score=score,
        rated_on=rated_on or D(2022, 6, 1),
        note="按合同履约",
    )


def test_the_ranking_shows_the_formula_a_minimum_count_and_an_as_of_date(egov_users, in_plan, figures):
    own, other, bigdata = in_plan["own"], in_plan["other"], egov_users["bigdata"]
    _rate(bigdata, own, "甲公司", "90", rated_on=D(2022, 5, 1))
    _rate(bigdata, other, "甲公司", "70", rated_on=D(2022, 6, 1))
    _rate(bigdata, other, "乙公司", "95", rated_on=D(2022, 6, 1))
    with pytest.raises(ServiceError) as caught:
        _rate(bigdata, own, "甲公司", "80")
    assert caught.value.field == "supplier"
    ranking = portfolio.ratings_as_of(D(2022, 6, 15))
    rows = {r.supplier: r for r in ranking["rows"]}
    assert (
        rows["甲公司"].average == Decimal("80.00")
        and rows["甲公司"].rank == 1
        and rows["甲公司"].projects == 2
    )
    assert rows["乙公司"].rank is None  # one project: below the minimum of 2, listed unranked
    assert ranking["min_projects"] == 2 and "÷" in ranking["formula"]
    assert {"document": "高政办发〔2021〕1号", "clause": "四、", "line": 883} in ranking["citations"]
    earlier = portfolio.ratings_as_of(D(2022, 5, 15))
    assert [(r.supplier, r.projects, r.rank) for r in earlier["rows"]] == [("甲公司", 1, None)]


def test_ranking_without_the_minimum_entered_ranks_nobody():
    class R:
        def __init__(self, supplier, score, scale=100, kind="contractor"):
            self.supplier, self.score, self.scale_max, self.kind = supplier, Decimal(score), scale, kind

    rows = portfolio.rank_suppliers([R("甲", "80"), R("甲", "40", 50), R("乙", "90")], min_projects=None)
    assert [(r.supplier, r.average, r.rank) for r in rows] == [
        ("乙", Decimal("90.00"), None),
        ("甲", Decimal("80.00"), None),
    ]
    ranked = portfolio.rank_suppliers([R("甲", "80"), R("乙", "80"), R("丙", "70")], min_projects=1)
    assert [(r.supplier, r.rank) for r in ranked] == [("乙", 1), ("甲", 1), ("丙", 3)]  # ties share a rank


def test_ratings_need_the_scale_and_big_data(egov_users, in_plan):
    with pytest.raises(ServiceError) as caught:
        _rate(egov_users["bigdata"], in_plan["own"], "甲公司", "90")
    assert caught.value.field == "score"
    with pytest.raises(AccessDenied):
        _rate(egov_users["finance"], in_plan["own"], "甲公司", "90")
    assert not SupplierRating.objects.exists()
