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

# Construction and acceptance (三、（三）—（四）, SPEC sections 5–6); the gates' own clauses are in rules.py.
PROCUREMENT_FILE = Citation(DOCUMENT, "三、（三）1", 689)  # 5.1 采购文件报县电子政务主管部门审核
CLOUD_FORMS = Citation(DOCUMENT, "三、（三）2", 711)  # 5.2a 《政务云资源需求审批表》（附件4），报主管部门审批
CLOUD_CHANGE = Citation(DOCUMENT, "三、（三）2", 717)  # 5.2a 资源变更填写（附件6）
INSPECTION = Citation(DOCUMENT, "三、（三）4", 755)  # 5.4 会同财政、审计部门及技术支撑单位监督检查
RECTIFY = Citation(DOCUMENT, "三、（三）4", 767)  # 5.5 发现的问题，项目建设单位应及时整改
PRELIMINARY = Citation(DOCUMENT, "三、（四）1", 787)  # 6.2 评测评估机构测试、信息安全风险评估、初步验收
TRIAL_RUN = Citation(DOCUMENT, "三、（四）1", 801)  # 6.3 新开发的应用软件试运行期原则上不少于3个月
FINAL_APPLY = Citation(DOCUMENT, "三、（四）2", 809)  # 6.4 按照《验收工作大纲》（附件7）提报相关材料
ACCEPTANCE_LIMIT = Citation(DOCUMENT, "三、（四）2", 819)  # 6.5 收齐材料并符合条件之日起20个工作日内完成验收
REAPPLY = Citation(DOCUMENT, "三、（四）2", 835)  # 6.7 制定整改方案，限期整改，重新提交竣工验收申请
