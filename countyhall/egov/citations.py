"""The clauses of 高政办发〔2021〕1号 the yearly-cycle services cite outside the parameter file (each line checked
against the gazette by tests/policy). SPEC-egov-1hao.md row in the comment."""

from __future__ import annotations

from countyhall.core.policy import Citation

DOCUMENT = "高政办发〔2021〕1号"

APPLICATION_DOCUMENTS = Citation(DOCUMENT, "三、（一）", 449)  # 3.3 非涉密项目的申报材料（附件1—3）
CLASSIFIED = Citation(DOCUMENT, "三、（一）", 469)  # 3.5 涉密项目由县保密行政管理部门审查确认，抄送
UPPER_LEVEL_FILING = Citation(DOCUMENT, "三、（一）", 483)  # 3.6 省、市统筹项目抄送县电子政务主管部门备案
MAJOR_PROJECT = Citation(DOCUMENT, "三、（一）", 487)  # 3.7 列入县重大项目投资计划 → 县发改部门立项审批
EIGHT_KINDS = Citation(DOCUMENT, "三、（一）", 513)  # 3.9 无特殊情况，以下项目不再批准各单位单独建设
# 4.4 the third party (L610–614) and 4.5 the five on-site steps (L626–640) are not cited as Citation literals: the
# gazette parser closes review point （9） only at the on-site steps (decision 0011), so lines past L558 do not resolve
# in 三、（二）1 yet; review_mode's own threshold citation (L616) is the known expected failure of tests/policy.
REVIEW_REPORT = Citation(DOCUMENT, "三、（二）2", 644)  # 4.6 第三方形成项目评审报告
COSIGN = Citation(DOCUMENT, "三、（二）2", 648)  # 4.6 审核会签，形成项目审核意见
TECHNICAL = Citation(DOCUMENT, "三、（二）2", 652)  # 4.6 主管部门审核技术性评审结论
FISCAL = Citation(DOCUMENT, "三、（二）2", 654)  # 4.6 财政部门审核财政资金的评审结论
ANNUAL_PLAN = Citation(DOCUMENT, "三、（二）3", 658)  # 4.7 每年12月底前编制年度建设计划
COUNTY_APPROVAL = Citation(DOCUMENT, "三、（二）3", 666)  # 4.7 报县政府审定后，向项目申报单位反馈
PLAN_CHANGE = Citation(DOCUMENT, "三、（二）4", 681)  # 4.10 原则上不予调整，确需变更的按程序报批
