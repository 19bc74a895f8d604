from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from countyhall.core.roles import Capability, Role
from countyhall.gazette.models import Document

ROLE_HOME_TEXT = {
    Role.SYSTEM_ADMIN: "维护行政区划、机构、用户与工作日历，导入政府公报。",
    Role.AUDITOR: "查阅所有写操作和人员信息查阅记录。",
    Role.CIVIL_AFFAIRS: "长者食堂、助餐补贴、养老服务：人员登记与资格核查。",
    Role.FINANCE: "补贴资金的分担、结算与拨付。",
    Role.HOUSING: "清洁取暖改造与工程建设项目。",
    Role.APPROVAL: "工程建设项目审批：阶段、时限、并联审批。",
    Role.BIG_DATA: "电子政务建设项目的申报、评审与验收。",
    Role.DEVELOPMENT: "发电企业生产安全事故应急指挥部办公室。",
    Role.EMERGENCY: "生产安全事故报告与应急响应。",
    Role.NATURAL_RESOURCES: "规划与用地审批。",
    Role.MARKET_REGULATION: "长者食堂食品安全监管。",
    Role.TOWN_OFFICER: "本镇（街道）的人员登记、长者食堂与清洁取暖台账。",
    Role.CANTEEN_OPERATOR: "本食堂的午餐登记与结算。",
    Role.PERMIT_REVIEWER: "工程建设项目并联审批：出具本部门审查意见，关注本部门时限。",
    Role.APPLICANT_FIRM: "本单位工程建设项目的申报、材料提交、补正和办理进度。",
    Role.POWER_ENTERPRISE: "本企业生产安全事故的报告、报告时限、重大危险源与应急演练。",
}


@login_required
def home(request):
    user = request.user
    cards = [{"role": Role(code).label, "text": ROLE_HOME_TEXT[code]} for code in sorted(user.role_codes)]
    return render(
        request,
        "core/home.html",
        {
            "cards": cards,
            "scope": user.scope_division,
            "documents": Document.objects.order_by("order")[:13],
            "can_people": user.can(Capability.PERSON_VIEW),
            "can_audit": user.can(Capability.AUDIT_VIEW),
        },
    )
