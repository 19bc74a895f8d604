"""Clauses of 高政办发〔2021〕2号 that the canteen system cites outside the parameter files.

Every entry is checked by tests/canteens/test_citations.py against the ingested gazette.
"""

from countyhall.core.policy import Citation

DOC = "高政办发〔2021〕2号"

FOOD_LICENCE = Citation(DOC, "四、（二）1", 1130)
HEALTH_CERTIFICATE = Citation(DOC, "四、（二）1", 1138)
MEAL_SUPPLIER = Citation(DOC, "三、（二）4", 1062)
WEEKLY_MENU = Citation(DOC, "四、（二）3", 1169)
OFFICIAL_NAME = Citation(DOC, "三、（三）", 1078)
SYSTEM_USE = Citation(DOC, "四、（二）5", 1191)
MONTHLY_CARE_FUND = Citation(DOC, "五、（三）1", 1281)
YEARLY_SUBSIDY = Citation(DOC, "五、（三）1", 1282)
COMMUNITY_ADVANCE = Citation(DOC, "五、（三）2", 1286)
EVALUATION_FAILED = Citation(DOC, "六、（四）", 1374)
REVOKE_TWO_YEARS = Citation(DOC, "六、（四）", 1376)
IN_FORCE = Citation(DOC, "施行和有效期", 1380)  # the closing sentence, no part of 六、（四）

ALL = [
    FOOD_LICENCE,
    HEALTH_CERTIFICATE,
    MEAL_SUPPLIER,
    WEEKLY_MENU,
    OFFICIAL_NAME,
    SYSTEM_USE,
    MONTHLY_CARE_FUND,
    YEARLY_SUBSIDY,
    COMMUNITY_ADVANCE,
    EVALUATION_FAILED,
    REVOKE_TWO_YEARS,
    IN_FORCE,
]

# 四、（二）4 and 5: the duties tracked by services/duties.py.
FIVE_PUBLIC = Citation(DOC, "四、（二）4", 1183)
SEPARATE_ACCOUNTS = Citation(DOC, "四、（二）5", 1197)
FUND_USE_REPORT = Citation(DOC, "四、（二）5", 1199)
TOWN_SUPERVISION = Citation(DOC, "六、（三）", 1332)

ALL += [FIVE_PUBLIC, SEPARATE_ACCOUNTS, FUND_USE_REPORT, TOWN_SUPERVISION]
