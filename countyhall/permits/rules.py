"""Rules of 高政办发〔2021〕3号 (construction-project approval) and 35号 item C12 (elderly-care rooms)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rest_framework import serializers

from countyhall.core.policy import Citation, parameters
from countyhall.core.rules.registry import RuleInputError, RuleResult, StrictInput, rule
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.selectors.calendar import DatabaseCalendar

DOCUMENT = "高政办发〔2021〕3号"
CATEGORIES = ["social_industrial", "social_civil", "land_with_scheme", "gov_investment", "gov_renovation"]
STAGES = ["立项用地规划许可", "工程建设许可", "施工许可", "竣工验收"]
FOUR_STAGES = Citation(DOCUMENT, "二、（三）", 1675)
# Land sold with a design scheme: 工程建设许可 and 施工许可 merge into one stage ("拿地即开工").
MERGED_STAGES = Citation(DOCUMENT, "二、（四）", 1732)
# C6: in a stage the lead department collects every department's opinion and issues one decision (并联审批);
# the basis printed on the decision document.
PARALLEL_APPROVAL = Citation(DOCUMENT, "二、（五）", 1758)
SOLD_WITH_SCHEME = "land_with_scheme"
MERGED_STAGE = "工程建设许可和施工许可"
GOV_CATEGORIES = ("gov_investment", "gov_renovation")


def merges_stages(
    *, category: str, industrial: bool = True, elected: bool = True, answer: str = "adopted"
) -> bool:
    """Reading C3b (二、（四）, L1728–1736). The text merges 工程建设许可 and 施工许可 "可" (may) for *industrial*
    projects on land sold with a scheme. Adopted: every project of the category merges. Alternative: only an
    industrial one whose 建设单位 elects it; the others keep four stages and their design-scheme review."""
    if category != SOLD_WITH_SCHEME:
        return False
    return answer == "adopted" or (industrial and elected)


def stages_for(category: str, *, merged: bool | None = None) -> list[str]:
    """The stages of a project; `merged` None: as the adopted reading C3b has it (the category decides)."""
    if merged is None:
        merged = category == SOLD_WITH_SCHEME
    if merged:
        return [STAGES[0], MERGED_STAGE, STAGES[3]]
    return list(STAGES)


def possible_stages(category: str) -> list[str]:
    """Every stage a project of the category may go through under either answer of C3b (configuration, lists)."""
    if category == SOLD_WITH_SCHEME:
        return [STAGES[0], STAGES[1], STAGES[2], MERGED_STAGE, STAGES[3]]
    return list(STAGES)


def stage_plan_terms(*, category: str, industrial: bool, elected: bool, on: dt.date) -> RuleResult:
    """C3b: the stages of one project, with the reading's answer in force on `on` recorded."""
    trace = ParameterTrace(on)
    answer = trace.answer("C3b") if category == SOLD_WITH_SCHEME else "adopted"
    merged = merges_stages(category=category, industrial=industrial, elected=elected, answer=answer)
    trace.citations.append(MERGED_STAGES if merged else FOUR_STAGES)
    return trace.result(
        {"category": category, "merged": merged, "stages": stages_for(category, merged=merged)}
    )


STAGE_KEYS = {
    "立项用地规划许可": "land_use_planning",
    "工程建设许可": "works_permit",
    "施工许可": "construction_permit",
    "竣工验收": "completion",
}
MERGED_KEYS = ["land_use", "works_planning", "construction_permit", "completion", "municipal"]
DESIGN_SCHEME_REVIEW = "设计方案审查"


def stages_terms(*, category: str, on: dt.date, merged: bool | None = None) -> RuleResult:
    """C2/C4: the stages of a category with the items each covers and its lead departments as printed, and the
    items merged into one application each. Land sold with a scheme merges 工程建设许可 and 施工许可 and drops
    the design-scheme review (二、（四）; reading C3b for which projects)."""
    trace = ParameterTrace(on)
    stages = []
    for name in stages_for(category, merged=merged):
        if name in STAGE_KEYS:
            key = STAGE_KEYS[name]
            items, leads = trace.get(f"permit.stage.{key}.items"), trace.get(f"permit.stage.{key}.leads")
        else:
            works, permit = STAGE_KEYS["工程建设许可"], STAGE_KEYS["施工许可"]
            items = [i for i in trace.get(f"permit.stage.{works}.items") if i != DESIGN_SCHEME_REVIEW]
            items += trace.get(f"permit.stage.{permit}.items")
            leads = list(
                dict.fromkeys(
                    trace.get(f"permit.stage.{works}.leads") + trace.get(f"permit.stage.{permit}.leads")
                )
            )
            trace.citations.append(MERGED_STAGES)
        stages.append({"name": name, "items": list(items), "leads": list(leads)})
    merged = [
        {
            "label": parameters().get(f"permit.merged.{key}").label,
            "items": list(trace.get(f"permit.merged.{key}")),
        }
        for key in MERGED_KEYS
    ]
    return trace.result({"category": category, "stages": stages, "merged_items": merged})


def counts_working_days(on: dt.date, trace: ParameterTrace | None = None) -> bool:
    """Reading C3: limits count working days (adopted) or calendar days (alternative) for a clock started on `on`."""
    if trace is not None:
        return trace.adopted("C3", on=on)
    return parameters().answer("C3", on) == "adopted"


def time_limit_terms(*, category: str, on: dt.date) -> RuleResult:
    trace = ParameterTrace(on)
    working_days = trace.get(f"permit.total_working_days.{category}")
    trace.citations.append(MERGED_STAGES if category == SOLD_WITH_SCHEME else FOUR_STAGES)
    return trace.result(
        {
            "category": category,
            "working_days": working_days,
            "stages": stages_for(category),
            "day_basis": "working_days" if counts_working_days(on, trace) else "calendar_days",
        }
    )


def due_date_terms(
    *, category: str, accepted_on: dt.date, suspensions: list[tuple[dt.date, dt.date]]
) -> RuleResult:
    """The day the total limit runs out: the N-th working day after acceptance (calendar day under C3's
    alternative), not counting the days inside a suspension (补正, both ends included) — reading C3."""
    result = time_limit_terms(category=category, on=accepted_on)
    limit = result.data["working_days"]
    working = result.data["day_basis"] == "working_days"
    calendar = DatabaseCalendar()
    counted = suspended = 0
    day = accepted_on
    while counted < limit:
        day += dt.timedelta(days=1)
        if working and not calendar.is_workday(day):
            continue
        if any(start <= day <= end for start, end in suspensions):
            suspended += 1
            continue
        counted += 1
    result.data.update(
        {
            "accepted_on": accepted_on,
            "due": day,
            "suspended_working_days": suspended,
            "calendar_days": (day - accepted_on).days,
        }
    )
    return result


def elderly_rooms_terms(*, households: int, completed_before_2014_06: bool, on: dt.date) -> RuleResult:
    """C12: community elderly-care rooms of at least 20 m² per 100 households (15 m² for areas completed
    before June 2014), pro rata."""
    trace = ParameterTrace(on)
    name = "permit.elderly_rooms.m2_per_100_households" + (
        "_before_2014_06" if completed_before_2014_06 else ""
    )
    per_hundred = Decimal(trace.get(name))
    required = (Decimal(households) * per_hundred / 100).quantize(Decimal("0.01"))
    return trace.result(
        {"households": households, "m2_per_100_households": per_hundred, "required_m2": str(required)}
    )


def document_start() -> dt.date:
    """The day 3号 took effect, as the parameter file has it (the default date of the calculators)."""
    return parameters().get("permit.total_working_days.social_civil").values[0].valid_from


class TimeLimitInput(StrictInput):
    category = serializers.ChoiceField(choices=CATEGORIES, help_text="项目类别")
    on = serializers.DateField(required=False, help_text="适用日期，缺省为文件施行之日")


class SuspensionInput(StrictInput):
    """One period the clock stops: {"from": date, "to": date}, both days inclusive."""

    def get_fields(self):
        # "from" is a Python keyword, so the fields cannot be declared as class attributes.
        return {
            "from": serializers.DateField(help_text="停止计时的第一天"),
            "to": serializers.DateField(help_text="停止计时的最后一天"),
        }


class DueDateInput(StrictInput):
    category = serializers.ChoiceField(choices=CATEGORIES)
    accepted_on = serializers.DateField(help_text="受理日期（不计入）")
    suspensions = SuspensionInput(
        many=True,
        required=False,
        default=list,
        help_text='补正等停止计时的期间：[{"from": 日期, "to": 日期}]，首尾两日都不计',
    )


class ElderlyRoomsInput(StrictInput):
    households = serializers.IntegerField(min_value=0)
    area_completed_before_2014_06 = serializers.BooleanField(default=False)


def _suspensions(raw: list[dict]) -> list[tuple[dt.date, dt.date]]:
    periods = []
    for index, item in enumerate(raw):
        unknown = set(item) - {"from", "to"}
        if unknown:
            raise RuleInputError(
                f"suspensions.{index}.{sorted(unknown)[0]}", "未知字段（本规则不接受该输入）。"
            )
        try:
            start, end = dt.date.fromisoformat(str(item["from"])), dt.date.fromisoformat(str(item["to"]))
        except (KeyError, ValueError):
            raise RuleInputError(
                f"suspensions.{index}", '每段应写成 {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}。'
            ) from None
        if end < start:
            raise RuleInputError(f"suspensions.{index}.to", "结束日期不能早于开始日期。")
        periods.append((start, end))
    return periods


@rule(
    name="permit.time_limit",
    title="工程建设项目审批总时限",
    input=TimeLimitInput,
    example={"category": "gov_investment"},
    description="按项目类别给出审批总时限（工作日）和审批阶段；带方案出让土地类工程建设许可与施工许可合并为一个阶段。",
)
def time_limit_rule(*, category: str, on: dt.date | None = None) -> RuleResult:
    return time_limit_terms(category=category, on=on or document_start())


@rule(
    name="permit.due_date",
    title="审批时限到期日",
    input=DueDateInput,
    example={"category": "social_civil", "accepted_on": "2021-09-29", "suspensions": []},
    description="自受理日次日起按工作日（含调休上班日）计算总时限的到期日；补正期间（首尾两日都算在内）停止计时。",
)
def due_date_rule(*, category: str, accepted_on: dt.date, suspensions: list[dict]) -> RuleResult:
    return due_date_terms(category=category, accepted_on=accepted_on, suspensions=_suspensions(suspensions))


class StagesInput(StrictInput):
    category = serializers.ChoiceField(choices=CATEGORIES, help_text="项目类别")
    industrial = serializers.BooleanField(default=True, help_text="工业建筑工程项目（带方案出让土地类适用）")
    merge_elected = serializers.BooleanField(default=True, help_text="建设单位选择合并工程建设许可和施工许可")


@rule(
    name="permit.stages",
    title="审批阶段、办理事项与牵头部门",
    input=StagesInput,
    example={"category": "land_with_scheme"},
    description="按项目类别给出各审批阶段的主要办理事项和牵头部门（二、（三）），以及合并办理的事项（二、（一）2）；"
    "带方案出让土地类是否合并工程建设许可和施工许可两个阶段，见政策解读。",
)
def stages_rule(*, category: str, industrial: bool = True, merge_elected: bool = True) -> RuleResult:
    on = document_start()
    plan = stage_plan_terms(category=category, industrial=industrial, elected=merge_elected, on=on)
    result = stages_terms(category=category, on=on, merged=plan.data["merged"])
    result.citations += plan.citations
    result.readings += plan.readings
    result.answers.update(plan.answers)
    return result


@rule(
    name="permit.elderly_rooms",
    title="住宅项目社区养老服务用房面积",
    input=ElderlyRoomsInput,
    example={"households": 350, "area_completed_before_2014_06": False},
    description="新建居住区每百户不低于20平方米，2014年6月前竣工的住宅小区每百户不低于15平方米，按户数折算。",
)
def elderly_rooms_rule(*, households: int, area_completed_before_2014_06: bool) -> RuleResult:
    return elderly_rooms_terms(
        households=households, completed_before_2014_06=area_completed_before_2014_06, on=document_start()
    )


# C5 (二、（一）3–4): assessments are not conditions for project approval; the seismic assessment is due
# before design, the environmental, heritage and energy assessments and the soil-and-water plan before
# works start. C7 (二、（六）): inside a regionally assessed zone these are covered by the zone's assessment.
NOT_FOR_APPROVAL = Citation(DOCUMENT, "二、（一）3", 1556)
ASSESSMENT_TIMING = Citation(DOCUMENT, "二、（一）4", 1578)
REGIONAL_ASSESSMENT = Citation(DOCUMENT, "二、（六）", 1824)
# Which list of permit.yaml applies before which stage: the energy review of a government-invested project is due
# before its feasibility study (L1585–1589), which is approved in 立项用地规划许可.
ASSESSMENTS_BEFORE = (
    ("立项用地规划许可", GOV_CATEGORIES, "permit.assessments.before_feasibility_study_gov"),
    ("工程建设许可", None, "permit.assessments.before_design"),
    ("施工许可", None, "permit.assessments.before_works"),
)


def regionally_assessed(on: dt.date) -> list[str]:
    return regionally_assessed_terms(on)[0]


def regionally_assessed_terms(on: dt.date) -> tuple[list[str], Citation]:
    """The assessments a regional assessment covers (二、（六）), with their citation."""
    trace = ParameterTrace(on)
    return list(trace.get("permit.assessments.regional")), trace.citations[0]


def assessments_terms(*, stage: str, in_assessed_zone: bool, category: str, on: dt.date) -> RuleResult:
    """The assessments that must be done before an application for `stage` of a project of `category` is
    accepted (二、（一）3–4), less those a regional assessment covers (二、（六））."""
    trace = ParameterTrace(on)
    trace.citations.append(NOT_FOR_APPROVAL)
    due: list[str] = []
    for name, categories, parameter in ASSESSMENTS_BEFORE:
        if name in stage and (categories is None or category in categories):
            due.extend(a for a in trace.get(parameter) if a not in due)
    regional = set(trace.get("permit.assessments.regional")) if in_assessed_zone else set()
    skipped = sorted(a for a in due if a in regional)
    return trace.result(
        {
            "stage": stage,
            "category": category,
            "required": [a for a in due if a not in skipped],
            "covered_by_regional_assessment": skipped,
        }
    )


class AssessmentsInput(StrictInput):
    stage = serializers.ChoiceField(choices=[*STAGES, MERGED_STAGE])
    category = serializers.ChoiceField(
        choices=CATEGORIES, help_text="项目类别（政府投资项目报送可研前须取得节能审查意见）"
    )
    in_assessed_zone = serializers.BooleanField(default=False)
    on = serializers.DateField(required=False, help_text="适用日期，缺省为文件施行之日")


@rule(
    name="permit.assessments",
    title="各阶段前须完成的评估评价",
    input=AssessmentsInput,
    example={"stage": "施工许可", "category": "social_industrial", "in_assessed_zone": False},
    description="评估评价不作为项目核准条件；政府投资项目取得节能审查意见后方可报送可行性研究报告；地震安全性评价在工程设计前完成，"
    "环评、文物、节能评价和水土保持方案在开工前完成；已实施区域评估的区域内不再单独评估。",
)
def assessments_rule(
    *, stage: str, category: str, in_assessed_zone: bool, on: dt.date | None = None
) -> RuleResult:
    return assessments_terms(
        stage=stage, in_assessed_zone=in_assessed_zone, category=category, on=on or document_start()
    )
