"""Governed policy hooks of accident response (core.programs.Program.policy_impact / policy_locks).

No lock: an incident's stored figures keep the level and the readings they were computed under (CasualtyFigures
.policy_basis); a change applies to figures recorded from its date on. The impact preview lists the open incidents
whose level (E1) or written reports' recipients (E2) would differ under the proposal. Pure reads.
"""

from __future__ import annotations

from django.utils import timezone

from countyhall.core.policy.governed import governed_as

LIMIT = 200


def policy_locks(*, kind: str, key: str) -> list:
    return []


def policy_impact(*, change, proposal) -> list[dict]:
    if change.kind != "reading" or change.key not in ("E1", "E2"):
        return []
    return {"E1": _e1, "E2": _e2}[change.key](change=change, proposal=proposal)


def _open_incidents(change):
    from countyhall.emergency.models import Incident

    return (
        Incident.objects.exclude(status=Incident.Status.ENDED)
        .filter(occurred_at__date__gte=change.valid_from)
        .select_related("enterprise__organisation", "enterprise__division")
        .order_by("occurred_at")[:LIMIT]
    )


def _town(incident) -> str:
    from countyhall.emergency.services import town_offices

    offices = town_offices(incident.enterprise)
    if offices:
        return "、".join(str(o) for o in offices)
    division = incident.enterprise.division
    while division.parent is not None and division.kind not in ("town", "street", "development_zone"):
        division = division.parent
    return division.name


def _e1(*, change, proposal) -> list[dict]:
    from countyhall.emergency.rules import LEVEL_LABELS, response_level_terms

    rows = []
    for incident in _open_incidents(change):
        current = incident.figures.order_by("-version").first()
        if current is None or not current.missing:
            continue
        args = {
            "deaths": current.deaths,
            "missing": current.missing,
            "injured": current.injured,
            "especially_major_impact": current.especially_major_impact,
            "on": timezone.localdate(incident.occurred_at),
        }
        now = response_level_terms(**args).data["level"]
        with governed_as(proposal):
            then = response_level_terms(**args).data["level"]
        if now != then:
            rows.append(
                [
                    str(incident),
                    _town(incident),
                    f"{current.deaths}/{current.missing}/{current.injured}",
                    LEVEL_LABELS[now],
                    LEVEL_LABELS[then],
                ]
            )
    return [
        {
            "title": "未结束事故的响应等级（34号 4.1）",
            "columns": ["事故", "所在镇（办）、开发区", "死亡/失踪/中毒重伤", "现行等级", "变更后等级"],
            "rows": rows,
            "note": "等级按最新一版伤亡情况重算；已记录的各版伤亡情况保留其计算时适用的理解。升级须由指挥部另行决定响应。"
            if rows
            else "没有等级会变化的未结束事故（只涉及有失踪人员的事故）。",
        }
    ]


def _e2(*, change, proposal) -> list[dict]:
    from countyhall.emergency.rules import report_deadlines_terms

    rows = []
    for incident in _open_incidents(change):
        pending = {d.kind for d in incident.deadlines.filter(done_at__isnull=True)}
        now = {
            d["kind"]: d for d in report_deadlines_terms(occurred_at=incident.occurred_at).data["deadlines"]
        }
        with governed_as(proposal):
            then = {
                d["kind"]: d
                for d in report_deadlines_terms(occurred_at=incident.occurred_at).data["deadlines"]
            }
        for kind in ("written_initial", "written_accident"):
            if kind in pending and now[kind]["recipients"] != then[kind]["recipients"]:
                rows.append(
                    [
                        str(incident),
                        _town(incident),
                        now[kind]["label"],
                        "、".join(now[kind]["recipients"]),
                        "、".join(then[kind]["recipients"]),
                    ]
                )
    return [
        {
            "title": "未完成书面报告的报送对象（34号 3.3、4.2.2）",
            "columns": ["事故", "所在镇（办）、开发区", "报告", "现行报送对象", "变更后报送对象"],
            "rows": rows,
            "note": "已完成的报告不受影响；变更批准后新接报的事故按新的对象生成报告时限。"
            if rows
            else "没有尚未完成的书面报告受影响。",
        }
    ]
