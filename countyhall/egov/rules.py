"""Rules of 高政办发〔2021〕1号 (e-government projects, SPEC-egov-1hao.md section 9): review mode, consulting firm,
supervision, the yearly cycle's deadlines and timeliness, review admissibility, the 20-working-day acceptance clock,
the trial run, acceptance, the money gates, sanctions and the next-year flag.

Pure over dated parameters (egov.yaml) and, for the acceptance clock, the platform's working-day calendar (调休
included); money is a decimal string (floats refused), dates ISO. Every result carries its citations and the
readings it applied; reason codes are stable snake_case names in the SPEC's order.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from decimal import Decimal

from rest_framework import serializers

from countyhall.core.clock import chinese_date
from countyhall.core.policy import Citation, NoPolicyInForce, parameters
from countyhall.core.rules.fields import MoneyField
from countyhall.core.rules.registry import RuleInputError, RuleResult, StrictInput, rule
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.selectors.calendar import DatabaseCalendar

DOCUMENT = "高政办发〔2021〕1号"
# Clauses cited outside the parameter file (each line verified against the gazette by tests/policy).
COUNTY_DECIDED = Citation(DOCUMENT, "三、（一）", 445)  # 3.2 县委、县政府研究确定的项目适时申报
BUDGET_NEXT_YEAR = Citation(DOCUMENT, "三、（二）3", 669)  # 4.8 列入下一年度财政预算
MONEY_GATE = Citation(
    DOCUMENT, "三、（二）3", 673
)  # 4.9 未列入年度建设计划、部门自行新建或改扩建 → 不予安排资金
PROCUREMENT_GATE = Citation(DOCUMENT, "三、（三）1", 697)  # 5.1 未经县电子政务主管部门审核，不得批准政府采购
OVERRUN = Citation(DOCUMENT, "三、（三）2", 735)  # 5.2c 导致投资超预算的，不再批准追加投资
SUPERVISION_FILING = Citation(DOCUMENT, "三、（三）3", 745)  # 5.3 开工建设前确定监理单位并备案
SANCTIONS = Citation(DOCUMENT, "三、（三）4", 769)  # 5.6 如有重大问题，报县政府批准后
PRELIMINARY_FIRST = Citation(DOCUMENT, "三、（四）2", 805)  # 6.4 完成初步验收后申请竣工验收
FAIL_CONDITIONS = Citation(DOCUMENT, "三、（四）2", 825)  # 6.6 技术参数不一致或目录未纳入 → 不得通过验收
NOT_IN_USE = Citation(DOCUMENT, "三、（四）2", 839)  # 6.8 未经验收或验收不合格的项目，不得投入使用
NEXT_YEAR_ACCEPTANCE = Citation(DOCUMENT, "三、（四）2", 843)  # 6.9 未按期验收或验收不合格 → 压缩或不予安排
SETTLEMENT_REVIEW = Citation(DOCUMENT, "三、（四）2", 847)  # 6.10 结算评审作为后续拨款依据
NEXT_YEAR_PERFORMANCE = Citation(DOCUMENT, "四、", 891)  # 7.5 整改后仍达不到应有绩效 → 压缩或不予安排

PAYMENT_KINDS = {
    "budget_allocation": "列入预算安排资金",
    "progress": "进度款",
    "post_acceptance": "验收后拨款",
    "additional_investment": "追加投资",
}
COMPONENTS = {"engineering": "信息化工程项目", "service": "信息化服务项目"}
SANCTION_CHOICES = {
    "通报批评": "通报批评",
    "暂缓拨付": "暂缓拨付建设资金",
    "暂停": "暂停项目建设",
    "终止": "终止项目",
}
RESTRICTED_KINDS = range(1, 9)  # 三、（一）（1）—（8）


def document_start() -> dt.date:
    """The day 1号 was issued (reading D03: in force from then); rules without a date of their own read there."""
    return parameters().get("egov.first_plan_year").values[0].valid_from


def _trace_on(day: dt.date, field: str) -> ParameterTrace:
    """A trace on `day`, refusing a day before 1号 existed with the field named."""
    try:
        parameters().at("egov.first_plan_year", day)
    except NoPolicyInForce as exc:
        raise RuleInputError(
            field,
            f"{chinese_date(day)} 早于高政办发〔2021〕1号的印发日期（{chinese_date(document_start())}），"
            "该细则尚未施行。",
        ) from exc
    return ParameterTrace(day)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, or that month's last day when it has none (31 Nov → 30 Nov)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


# ---- 4.4 review mode, 3.4 consulting firm, 5.3 supervision ---------------------------------------------------


def review_mode_terms(*, total_investment: Decimal) -> RuleResult:
    trace = ParameterTrace(document_start())
    onsite = total_investment >= trace.get("egov.review.onsite_threshold")
    trace.answer("D34b")  # one investment figure for 3.4, 4.4 and 5.3
    # D44: below the threshold written review is the default; whether the e-gov department may still convene an
    # on-site review (adopted) or review is always written (alternative) binds the review service, not this result.
    trace.answer("D44")
    return trace.result(
        {
            "onsite_required": onsite,
            "written_allowed": not onsite,
            "default_mode": "onsite" if onsite else "written",
        }
    )


def consulting_firm_required_terms(*, planned_investment: Decimal, technically_complex: bool) -> RuleResult:
    trace = ParameterTrace(document_start())
    because = []
    if planned_investment >= trace.get("egov.consulting.threshold"):
        because.append("investment_threshold")
    trace.answer("D34b")
    if technically_complex:
        trace.answer("D34c")  # who decides "技术设计较为复杂"
        because.append("technically_complex")
    return trace.result({"required": bool(because), "because": because})


def supervision_required_terms(*, total_investment: Decimal, component: str) -> RuleResult:
    trace = ParameterTrace(document_start())
    threshold = trace.get("egov.supervision.threshold")
    trace.answer(
        "D53a"
    )  # the threshold measures the whole project; supervision attaches to its engineering part
    trace.answer("D34b")
    required = component == "engineering" and total_investment >= threshold
    # D53b "原则上": required by default with an exemption possible (adopted) or strictly compulsory (alternative).
    in_principle = required and trace.adopted("D53b")
    if required:
        trace.citations.append(SUPERVISION_FILING)
    return trace.result({"required": required, "in_principle": in_principle, "file_before_start": required})


# ---- 3.1, 4.1, 4.7, 4.8 the yearly cycle ---------------------------------------------------------------------


def _month_day(value: str, year: int) -> dt.date:
    month, day = (int(part) for part in value.split("-"))
    return dt.date(year, month, day)


def cycle_deadlines_terms(*, plan_year: int) -> RuleResult:
    """The three deadlines of plan year P fall in P−1 (applications 9月底, joint review 11月底, annual plan 12月底);
    its money is in the P budget (reading D47)."""
    start = document_start()
    trace = ParameterTrace(max(start, dt.date(plan_year - 1, 1, 1)))
    first = trace.get("egov.first_plan_year")
    if plan_year < first:
        raise RuleInputError(
            "plan_year",
            f"计划年度须不早于{first}年：高政办发〔2021〕1号于{start.year}年{start.month}月"
            f"{start.day}日印发，首个完整的年度周期是{first}计划年度（上一年9月30日前申报）。",
        )
    year = plan_year - 1
    due = {
        key: _month_day(trace.get(f"egov.{name}.due"), year)
        for key, name in (
            ("application_due", "application"),
            ("joint_review_due", "joint_review"),
            ("annual_plan_due", "annual_plan"),
        )
    }
    if not trace.adopted("D31"):
        # Alternative: a deadline that is not a working day moves back to the last working day before it.
        calendar = DatabaseCalendar()
        for key, day in due.items():
            while not calendar.is_workday(day):
                day -= dt.timedelta(days=1)
            due[key] = day
    trace.citations.append(BUDGET_NEXT_YEAR)
    budget_year = plan_year if trace.adopted("D47") else plan_year + 1
    return trace.result({**due, "budget_year": budget_year})


def application_timely_terms(*, plan_year: int, submitted_on: dt.date, county_decided: bool) -> RuleResult:
    result = cycle_deadlines_terms(plan_year=plan_year)
    due_on = result.data["application_due"]
    if county_decided:
        result.citations.append(COUNTY_DECIDED)
    timely = county_decided or submitted_on <= due_on
    return RuleResult(
        data={"timely": timely, "due_on": due_on, "exempt": county_decided},
        citations=result.citations,
        readings=result.readings,
        answers=result.answers,
        changes=result.changes,
    )


# ---- 3.9, 4.3 review admissibility ---------------------------------------------------------------------------

SHARING_GATES = [
    # (reason, input, the value that fails) — 4.3a then 4.3b, in the SPEC's order
    ("migration_incomplete", "migration_completed_as_required", False),
    ("violates_sharing_rules", "violates_sharing_rules", True),
    ("no_sharing_platform_support", "supports_sharing_platform", False),
    ("no_information_supplied", "provides_info_per_rules", False),
    ("sharing_needs_unspecified", "sharing_needs_specified", False),
]


def review_admissible_terms(
    *, restricted_kind: int | None, special_circumstance: bool, legal_exception: bool, **gates: bool
) -> RuleResult:
    trace = ParameterTrace(document_start())
    trace.answer("D43a")  # the migration status is administered; the gate reads a boolean
    reasons = (
        [] if legal_exception else [reason for reason, name, fails in SHARING_GATES if gates[name] is fails]
    )
    if restricted_kind is not None:
        # D43b: the eight kinds admit a recorded special circumstance (adopted) or only the statutory exception.
        excepted = special_circumstance if trace.adopted("D43b") else legal_exception
        trace.citations.append(Citation(DOCUMENT, "三、（一）", 513))
        if not excepted:
            reasons.append("restricted_kind")
    return trace.result({"admissible": not reasons, "reasons": reasons})


# ---- 6.5 the acceptance clock, 6.3 trial run, 6.4–6.8 acceptance ---------------------------------------------


def acceptance_due_terms(
    *, materials_complete_on: dt.date, report_issued_on: dt.date | None = None
) -> RuleResult:
    """The 20th working day after the day the materials were complete and the conditions met (reading D65: that
    day not counted), on the platform's calendar: public holidays do not count, 调休 make-up days do."""
    trace = _trace_on(materials_complete_on, "materials_complete_on")
    days = trace.get("egov.acceptance.working_days")
    calendar = DatabaseCalendar()
    if not trace.adopted("D65") and calendar.is_workday(materials_complete_on):
        days -= 1  # alternative: the completion day is day 1
    due_on = calendar.add_working_days(materials_complete_on, days)
    if report_issued_on is not None and report_issued_on < materials_complete_on:
        raise RuleInputError("report_issued_on", "竣工验收报告的出具日期不能早于收齐验收材料之日。")
    on_time = None if report_issued_on is None else report_issued_on <= due_on
    return trace.result({"due_on": due_on, "on_time": on_time})


def trial_run_satisfied_terms(
    *,
    trial_start_on: dt.date,
    preliminary_acceptance_on: dt.date,
    new_software: bool,
    exemption_recorded: bool,
) -> RuleResult:
    if preliminary_acceptance_on < trial_start_on:
        raise RuleInputError("preliminary_acceptance_on", "初步验收日期不能早于试运行开始日期。")
    trace = _trace_on(trial_start_on, "trial_start_on")
    applies = new_software and not exemption_recorded
    earliest_on = None
    if applies:
        earliest_on = add_months(trial_start_on, trace.get("egov.trial_run.min_months"))
        if not trace.adopted("D63"):
            earliest_on += dt.timedelta(
                days=1
            )  # alternative: the three months complete before the acceptance day
    else:
        trace.answer("D63")  # "原则上" and "新开发的应用软件": the requirement does not apply
    satisfied = not applies or preliminary_acceptance_on >= earliest_on
    return trace.result({"applies": applies, "earliest_on": earliest_on, "satisfied": satisfied})


def acceptance_passes_terms(
    *, preliminary_done: bool, key_params_match_plan: bool, catalogue_on_sharing_platform: bool
) -> RuleResult:
    trace = ParameterTrace(document_start())
    trace.citations += [PRELIMINARY_FIRST, FAIL_CONDITIONS, NOT_IN_USE]
    reasons = [
        reason
        for reason, ok in (
            ("preliminary_not_done", preliminary_done),
            ("key_parameters_differ", key_params_match_plan),
            ("catalogue_not_on_platform", catalogue_on_sharing_platform),
        )
        if not ok
    ]
    return trace.result({"passes": not reasons, "may_be_used": not reasons, "reasons": reasons})


# ---- 4.9, 5.1, 5.2c, 5.6, 6.10 money; 5.6 sanctions; 6.9, 7.5 next year ---------------------------------------


def funding_allowed_terms(
    *,
    payment_kind: str,
    in_annual_plan: bool,
    self_built: bool,
    procurement_file_reviewed: bool,
    accepted: bool,
    settlement_review_done: bool,
    suspended: bool,
    terminated: bool,
    unapproved_major_change_overrun: bool,
) -> RuleResult:
    trace = ParameterTrace(document_start())
    trace.citations.append(MONEY_GATE)
    reasons = []
    if not in_annual_plan:
        reasons.append("not_in_annual_plan")
    if self_built:
        reasons.append("self_built")
    if suspended or terminated:
        trace.citations.append(SANCTIONS)
    if suspended:
        reasons.append("payments_suspended")
    if terminated:
        reasons.append("terminated")
    if payment_kind in ("progress", "post_acceptance"):
        trace.citations.append(PROCUREMENT_GATE)
        if not procurement_file_reviewed:
            reasons.append("procurement_not_reviewed")
        # D610: progress payments before acceptance are allowed (adopted); the alternative holds every payment
        # beyond an advance until acceptance and the settlement review.
        needs_settlement = payment_kind == "post_acceptance" or not trace.adopted("D610")
        if needs_settlement:
            trace.citations.append(SETTLEMENT_REVIEW)
            if not accepted:
                reasons.append("not_accepted")
            if not settlement_review_done:
                reasons.append("settlement_review_missing")
    if payment_kind == "additional_investment":
        trace.citations.append(OVERRUN)
        if unapproved_major_change_overrun:
            reasons.append("unapproved_major_change_overrun")
    return trace.result({"allowed": not reasons, "reasons": reasons})


def sanction_allowed_terms(*, sanction: str, major_problem: bool, county_gov_approved: bool) -> RuleResult:
    trace = ParameterTrace(document_start())
    available = trace.get("egov.sanctions")
    if sanction not in available:
        raise RuleInputError("sanction", f"处理方式须为：{'、'.join(available)}。")
    trace.citations.append(SANCTIONS)
    trace.answer("D56")  # any of the four, each with a 重大问题 and the county government's approval
    return trace.result({"allowed": major_problem and county_gov_approved})


def next_year_flag_terms(
    *, acceptance_overdue: bool, acceptance_failed: bool, poor_performance_after_rectification: bool
) -> RuleResult:
    trace = ParameterTrace(document_start())
    trace.citations += [NEXT_YEAR_ACCEPTANCE, NEXT_YEAR_PERFORMANCE]
    trace.answer("D69")  # "按期": the date in the approved plan, per project; people choose 压缩 or 不予安排
    reasons = [
        reason
        for reason, on in (
            ("acceptance_overdue", acceptance_overdue),
            ("acceptance_failed", acceptance_failed),
            ("poor_performance", poor_performance_after_rectification),
        )
        if on
    ]
    return trace.result({"flag": "reduce_or_refuse" if reasons else None, "reasons": reasons})


# ---- the calc interface --------------------------------------------------------------------------------------


def _money(help_text: str) -> MoneyField:
    return MoneyField(help_text=help_text)


class ReviewModeInput(StrictInput):
    total_investment = _money('项目总投资（元，字符串，如 "1000000.00"）')


@rule(
    name="egov.review_mode",
    title="电子政务项目评审方式（书面/现场）",
    input=ReviewModeInput,
    example={"total_investment": "1000000.00"},
    description="总投资100万元以下的项目可书面评审，100万元（含）以上的须现场评审（高政办发〔2021〕1号三、（二）1）。",
    output_labels={"onsite_required": "须现场评审", "written_allowed": "可书面评审"},
)
def review_mode_rule(*, total_investment: Decimal) -> RuleResult:
    return review_mode_terms(total_investment=total_investment)


class ConsultingFirmInput(StrictInput):
    planned_investment = _money("计划投资（元）")
    technically_complex = serializers.BooleanField(help_text="经县电子政务主管部门认定技术设计较为复杂")


@rule(
    name="egov.consulting_firm_required",
    title="是否须委托工程咨询单位编制建设方案",
    input=ConsultingFirmInput,
    example={"planned_investment": "999999.99", "technically_complex": False},
    description="计划投资100万元（含）以上或技术设计较为复杂的项目，需提前委托具有相关资质的工程咨询单位编制项目建设方案"
    "（高政办发〔2021〕1号三、（一））。",
    output_labels={"required": "须委托工程咨询单位"},
)
def consulting_firm_required_rule(*, planned_investment: Decimal, technically_complex: bool) -> RuleResult:
    return consulting_firm_required_terms(
        planned_investment=planned_investment, technically_complex=technically_complex
    )


class SupervisionInput(StrictInput):
    total_investment = _money("项目总投资（元）")
    component = serializers.ChoiceField(
        choices=list(COMPONENTS.items()), help_text="项目组成：信息化工程项目或信息化服务项目"
    )


@rule(
    name="egov.supervision_required",
    title="是否实行项目监理制",
    input=SupervisionInput,
    example={"total_investment": "2000000.00", "component": "engineering"},
    description="投资200万元（含）以上的电子政务建设项目中的信息化工程项目原则上实行项目监理制，开工建设前确定监理单位并"
    "备案（高政办发〔2021〕1号三、（三）3）。",
    output_labels={
        "required": "须实行监理",
        "in_principle": "原则上（可记录理由免于监理）",
        "file_before_start": "开工前须备案监理单位",
    },
)
def supervision_required_rule(*, total_investment: Decimal, component: str) -> RuleResult:
    return supervision_required_terms(total_investment=total_investment, component=component)


def _plan_year_field() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1901, max_value=2100, help_text="计划年度（如 2022）")


class CycleDeadlinesInput(StrictInput):
    plan_year = _plan_year_field()


@rule(
    name="egov.cycle_deadlines",
    title="电子政务项目年度周期的截止日",
    input=CycleDeadlinesInput,
    example={"plan_year": 2022},
    description="计划年度的项目：上一年9月底前申报、11月底前联合评审、12月底前编制年度建设计划报县政府审定；资金列入"
    "计划年度的财政预算（高政办发〔2021〕1号三、（一），三、（二）1、3）。",
    output_labels={
        "application_due": "申报截止日",
        "joint_review_due": "联合评审截止日",
        "annual_plan_due": "年度建设计划编制截止日",
        "budget_year": "列入财政预算的年度",
    },
)
def cycle_deadlines_rule(*, plan_year: int) -> RuleResult:
    return cycle_deadlines_terms(plan_year=plan_year)


class ApplicationTimelyInput(StrictInput):
    plan_year = _plan_year_field()
    submitted_on = serializers.DateField(help_text="申报日期")
    county_decided = serializers.BooleanField(default=False, help_text="经县委、县政府研究确定的项目")


@rule(
    name="egov.application_timely",
    title="项目申报是否按时",
    input=ApplicationTimelyInput,
    example={"plan_year": 2022, "submitted_on": "2021-09-30", "county_decided": False},
    description="每年9月底前申报下一年度项目；经县委、县政府研究确定的项目根据工作进度适时申报（高政办发〔2021〕1号三、（一））。",
    output_labels={
        "timely": "按时申报",
        "due_on": "申报截止日",
        "exempt": "县委、县政府确定的项目（不受截止日限制）",
    },
)
def application_timely_rule(*, plan_year: int, submitted_on: dt.date, county_decided: bool) -> RuleResult:
    return application_timely_terms(
        plan_year=plan_year, submitted_on=submitted_on, county_decided=county_decided
    )


class ReviewAdmissibleInput(StrictInput):
    migration_completed_as_required = serializers.BooleanField(
        help_text="已按时、按要求完成基础设施和应用系统迁移整合"
    )
    violates_sharing_rules = serializers.BooleanField(help_text="违反政务信息资源共享管理规定")
    supports_sharing_platform = serializers.BooleanField(help_text="支持政务信息资源共享交换平台")
    provides_info_per_rules = serializers.BooleanField(help_text="按规定向平台提供信息")
    sharing_needs_specified = serializers.BooleanField(help_text="已明确部门间信息共享需求")
    legal_exception = serializers.BooleanField(default=False, help_text="法律法规明确规定的例外")
    restricted_kind = serializers.IntegerField(
        min_value=1,
        max_value=8,
        allow_null=True,
        default=None,
        help_text="属于不再批准单独建设的第几类项目（1—8），不属于则为空",
    )
    special_circumstance = serializers.BooleanField(
        default=False, help_text="县电子政务主管部门记录的特殊情况（附理由）"
    )


@rule(
    name="egov.review_admissible",
    title="项目是否准予评审审批",
    input=ReviewAdmissibleInput,
    example={
        "migration_completed_as_required": True,
        "violates_sharing_rules": False,
        "supports_sharing_platform": True,
        "provides_info_per_rules": True,
        "sharing_needs_specified": True,
        "legal_exception": False,
        "restricted_kind": None,
        "special_circumstance": False,
    },
    description="未按要求完成迁移整合、违反共享规定、不支持共享交换平台、不提供信息或未明确共享需求的，除法律法规明确规定外一概"
    "不予审批；八类项目无特殊情况不再批准单独建设（高政办发〔2021〕1号三、（一），三、（二）1）。",
    output_labels={"admissible": "准予审批"},
)
def review_admissible_rule(**inputs) -> RuleResult:
    return review_admissible_terms(**inputs)


class AcceptanceDueInput(StrictInput):
    materials_complete_on = serializers.DateField(help_text="收齐验收材料并符合验收条件之日")
    report_issued_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="竣工验收报告出具日期（可空）"
    )


@rule(
    name="egov.acceptance_due",
    title="竣工验收的完成期限（20个工作日）",
    input=AcceptanceDueInput,
    example={"materials_complete_on": "2021-09-29"},
    description="县电子政务主管部门自收齐验收材料并符合验收条件之日起20个工作日内完成验收，按国家法定节假日与调休安排计算"
    "（高政办发〔2021〕1号三、（四）2）。",
    output_labels={"due_on": "验收完成期限", "on_time": "按期完成验收"},
)
def acceptance_due_rule(
    *, materials_complete_on: dt.date, report_issued_on: dt.date | None = None
) -> RuleResult:
    return acceptance_due_terms(
        materials_complete_on=materials_complete_on, report_issued_on=report_issued_on
    )


class TrialRunInput(StrictInput):
    trial_start_on = serializers.DateField(help_text="试运行开始日期")
    preliminary_acceptance_on = serializers.DateField(help_text="初步验收日期")
    new_software = serializers.BooleanField(help_text="含新开发的应用软件")
    exemption_recorded = serializers.BooleanField(default=False, help_text="已记录不满3个月的理由（原则上）")


@rule(
    name="egov.trial_run_satisfied",
    title="试运行期是否满3个月",
    input=TrialRunInput,
    example={
        "trial_start_on": "2021-11-30",
        "preliminary_acceptance_on": "2022-02-28",
        "new_software": True,
        "exemption_recorded": False,
    },
    description="新开发的应用软件试运行期原则上不少于3个月（高政办发〔2021〕1号三、（四）1）；对应日不存在的取月末。",
    output_labels={
        "applies": "适用试运行期要求",
        "earliest_on": "最早可初步验收日期",
        "satisfied": "满足试运行期要求",
    },
)
def trial_run_satisfied_rule(
    *,
    trial_start_on: dt.date,
    preliminary_acceptance_on: dt.date,
    new_software: bool,
    exemption_recorded: bool,
) -> RuleResult:
    return trial_run_satisfied_terms(
        trial_start_on=trial_start_on,
        preliminary_acceptance_on=preliminary_acceptance_on,
        new_software=new_software,
        exemption_recorded=exemption_recorded,
    )


class AcceptancePassesInput(StrictInput):
    preliminary_done = serializers.BooleanField(help_text="已完成初步验收")
    key_params_match_plan = serializers.BooleanField(help_text="主要技术参数指标与审核意见确定的建设方案一致")
    catalogue_on_sharing_platform = serializers.BooleanField(
        help_text="项目信息资源目录已纳入共享交换平台目录管理系统"
    )


@rule(
    name="egov.acceptance_passes",
    title="竣工验收能否通过",
    input=AcceptancePassesInput,
    example={"preliminary_done": True, "key_params_match_plan": True, "catalogue_on_sharing_platform": True},
    description="技术参数与审核意见不一致或目录未纳入共享交换平台的，不得通过验收；未经验收或验收不合格的不得投入使用"
    "（高政办发〔2021〕1号三、（四）2）。",
    output_labels={"passes": "通过竣工验收", "may_be_used": "可投入使用"},
)
def acceptance_passes_rule(**inputs) -> RuleResult:
    return acceptance_passes_terms(**inputs)


class FundingAllowedInput(StrictInput):
    payment_kind = serializers.ChoiceField(choices=list(PAYMENT_KINDS.items()), help_text="资金类别")
    in_annual_plan = serializers.BooleanField(help_text="已列入年度建设计划")
    self_built = serializers.BooleanField(default=False, help_text="部门自行新建或改扩建")
    procurement_file_reviewed = serializers.BooleanField(
        default=False, help_text="采购文件已经县电子政务主管部门审核"
    )
    accepted = serializers.BooleanField(default=False, help_text="已通过竣工验收")
    settlement_review_done = serializers.BooleanField(default=False, help_text="已完成结算评审")
    suspended = serializers.BooleanField(default=False, help_text="经县政府批准暂缓拨付建设资金（未解除）")
    terminated = serializers.BooleanField(default=False, help_text="项目已终止")
    unapproved_major_change_overrun = serializers.BooleanField(
        default=False, help_text="未经批准的重大设计变更导致投资超预算"
    )


@rule(
    name="egov.funding_allowed",
    title="能否安排或拨付资金",
    input=FundingAllowedInput,
    example={
        "payment_kind": "progress",
        "in_annual_plan": True,
        "self_built": False,
        "procurement_file_reviewed": True,
        "accepted": False,
        "settlement_review_done": False,
        "suspended": False,
        "terminated": False,
        "unapproved_major_change_overrun": False,
    },
    description="未列入年度建设计划或部门自行建设的不予安排资金；未经采购审核不得采购；暂缓拨付、终止期间不拨付；验收后拨款以"
    "结算评审为依据；擅自重大设计变更导致超预算的不再批准追加投资（高政办发〔2021〕1号三、（二）3，三、（三），"
    "三、（四）2）。",
    output_labels={"allowed": "可以安排或拨付"},
)
def funding_allowed_rule(**inputs) -> RuleResult:
    return funding_allowed_terms(**inputs)


class SanctionAllowedInput(StrictInput):
    sanction = serializers.ChoiceField(choices=list(SANCTION_CHOICES.items()), help_text="处理方式")
    major_problem = serializers.BooleanField(help_text="监督检查认定为重大问题")
    county_gov_approved = serializers.BooleanField(help_text="已报县政府批准")


@rule(
    name="egov.sanction_allowed",
    title="能否对项目建设单位予以处理",
    input=SanctionAllowedInput,
    example={"sanction": "暂缓拨付", "major_problem": True, "county_gov_approved": True},
    description="如有重大问题，报县政府批准后，可予通报批评、暂缓拨付建设资金、暂停项目建设，直至终止项目"
    "（高政办发〔2021〕1号三、（三）4）。",
    output_labels={"allowed": "可以予以处理"},
)
def sanction_allowed_rule(*, sanction: str, major_problem: bool, county_gov_approved: bool) -> RuleResult:
    return sanction_allowed_terms(
        sanction=sanction, major_problem=major_problem, county_gov_approved=county_gov_approved
    )


class NextYearFlagInput(StrictInput):
    acceptance_overdue = serializers.BooleanField(help_text="未按期验收")
    acceptance_failed = serializers.BooleanField(help_text="验收不合格")
    poor_performance_after_rectification = serializers.BooleanField(help_text="整改后仍达不到应有绩效")


@rule(
    name="egov.next_year_flag",
    title="是否提示压缩或不予安排下一年度项目",
    input=NextYearFlagInput,
    example={
        "acceptance_overdue": True,
        "acceptance_failed": False,
        "poor_performance_after_rectification": False,
    },
    description="未按期验收或验收不合格的单位，及整改后仍达不到应有绩效的，压缩或不予安排下一年度电子政务建设项目；"
    "平台只作提示，由人确认（高政办发〔2021〕1号三、（四）2，四、）。",
)
def next_year_flag_rule(**inputs) -> RuleResult:
    return next_year_flag_terms(**inputs)
