"""Demo data for `make demo`: the county, its towns, a few sample villages, one user per role, sample people.

Everything goes through the write services, so the demo is audited like real data.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from countyhall.core.identity import check_digit
from countyhall.core.models import Division, Person, RoleGrant, User
from countyhall.core.roles import Role
from countyhall.core.services.divisions import division_upsert, organisation_upsert
from countyhall.core.services.people import person_register

DATA = Path(__file__).parent / "data" / "divisions.yaml"

DEPARTMENTS = [
    ("高青县人民政府办公室", "县政府办公室", "government"),
    ("高青县民政局", "县民政局", "department"),
    ("高青县财政局", "县财政局", "department"),
    ("高青县住房和城乡建设局", "县住建局", "department"),
    ("高青县行政审批服务局", "县行政审批服务局", "department"),
    ("高青县大数据局", "县大数据局", "department"),
    ("高青县发展和改革局", "县发改局", "department"),
    ("高青县应急管理局", "县应急局", "department"),
    ("淄博市自然资源局高青分局", "县自然资源局", "department"),
    ("高青县市场监督管理局", "县市场监管局", "department"),
    ("高青县审计局", "县审计局", "department"),
    ("淄博金捷天然气公司", "金捷天然气", "gas_company"),
    ("高青县人民防空办公室", "县人防办", "department"),
    ("高青示例置业有限公司（示例）", "示例置业", "enterprise"),
    ("高青示例新材料有限公司（示例）", "示例新材料", "enterprise"),
    ("高青示例热电有限公司（示例）", "示例热电", "enterprise"),
    ("青城示例生物质发电有限公司（示例）", "示例生物质发电", "enterprise"),
]

# username, display name, organisation, role, scope division code (None = the organisation's)
USERS = [
    ("admin", "系统管理员", "高青县大数据局", Role.SYSTEM_ADMIN, None),
    # A second administrator: a change of a reading or an administered figure is approved by another one (four eyes).
    ("admin2", "系统管理员（复核）", "高青县大数据局", Role.SYSTEM_ADMIN, None),
    ("auditor", "审计员", "高青县审计局", Role.AUDITOR, None),
    ("minzheng", "民政局工作人员", "高青县民政局", Role.CIVIL_AFFAIRS, None),
    ("caizheng", "财政局工作人员", "高青县财政局", Role.FINANCE, None),
    ("zhujian", "住建局工作人员", "高青县住房和城乡建设局", Role.HOUSING, None),
    ("shenpi", "行政审批服务局工作人员", "高青县行政审批服务局", Role.APPROVAL, None),
    ("dashuju", "大数据局工作人员", "高青县大数据局", Role.BIG_DATA, None),
    ("fagai", "发改局工作人员", "高青县发展和改革局", Role.DEVELOPMENT, None),
    ("yingji", "应急局工作人员", "高青县应急管理局", Role.EMERGENCY, None),
    ("ziran", "自然资源局工作人员", "淄博市自然资源局高青分局", Role.NATURAL_RESOURCES, None),
    ("shichang", "市场监管局工作人员", "高青县市场监督管理局", Role.MARKET_REGULATION, None),
    ("tianzhen", "田镇街道工作人员", "田镇街道办事处", Role.TOWN_OFFICER, None),
    ("qingcheng", "青城镇工作人员", "青城镇人民政府", Role.TOWN_OFFICER, None),
    ("shitang", "长者食堂运营方（示例）", "河口村长者食堂运营方（示例）", Role.CANTEEN_OPERATOR, None),
    ("renfang", "人防办工作人员", "高青县人民防空办公室", Role.PERMIT_REVIEWER, None),
    ("qiye", "建设单位经办人（示例）", "高青示例新材料有限公司（示例）", Role.APPLICANT_FIRM, None),
    ("dianchang", "热电公司值班长（示例）", "高青示例热电有限公司（示例）", Role.POWER_ENTERPRISE, None),
]

# Demo residents: names and numbers are made up; the check digit is computed, not invented.
PEOPLE = [
    ("张秀英（示例）", "370322194805120", "370322001201001"),
    ("王德明（示例）", "370322194011030", "370322001201002"),
    ("李桂兰（示例）", "370322195609280", "370322001001"),
    ("刘建国（示例）", "370322196102150", "370322101201001"),
    ("陈玉珍（示例）", "370322193807070", "370322101202001"),
    ("赵长顺（示例）", "370322195012310", "370322106201001"),
]


def demo_password(username: str) -> str:
    return f"gq-demo-{username}"


def demo_id_number(first15: str, serial: int) -> str:
    """A valid 18-digit number from a 15-digit stem (region + birth date + 1 digit) and a sequence digit pair."""
    first17 = first15 + f"{serial:02d}"
    return first17 + check_digit(first17)


@transaction.atomic
def demo_load(*, actor: str = "demo") -> list[tuple[str, str, str]]:
    """Load (or refresh) the demo; returns (username, password, role) for printing."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    county = division_upsert(
        actor=actor, code=data["county"]["code"], name=data["county"]["name"], kind="county", parent=None
    )
    towns = {}
    for town in data["towns"]:
        towns[town["code"]] = division_upsert(
            actor=actor, code=town["code"], name=town["name"], kind=town["kind"], parent=county
        )
    for village in data["villages"]:
        parent = towns[village["parent"]]
        division = division_upsert(
            actor=actor, code=village["code"], name=village["name"], kind=village["kind"], parent=parent
        )
        for natural in village.get("natural", []):
            division_upsert(
                actor=actor,
                code=natural["code"],
                name=natural["name"],
                kind="natural_village",
                parent=division,
            )
    organisations = {}
    for name, short, kind in DEPARTMENTS:
        organisations[name] = organisation_upsert(
            actor=actor, name=name, short_name=short, kind=kind, division=county
        )
    for town in towns.values():
        office = f"{town.name}{'人民政府' if town.kind == 'town' else ('办事处' if town.kind == 'street' else '管委会')}"
        organisations[office] = organisation_upsert(
            actor=actor, name=office, kind="town_office", division=town
        )
    operator_village = Division.objects.get(code="370322101201")
    organisations["河口村长者食堂运营方（示例）"] = organisation_upsert(
        actor=actor, name="河口村长者食堂运营方（示例）", kind="care_organisation", division=operator_village
    )

    accounts = []
    for username, display, organisation_name, role, scope_code in USERS:
        user, created = User.objects.get_or_create(username=username)
        user.display_name = display
        user.organisation = organisations[organisation_name]
        user.division = Division.objects.get(code=scope_code) if scope_code else None
        user.is_staff = user.is_superuser = role == Role.SYSTEM_ADMIN
        user.set_password(demo_password(username))
        user.save()
        RoleGrant.objects.get_or_create(user=user, role=role)
        accounts.append((username, demo_password(username), Role(role).label))

    for serial, (name, stem, division_code) in enumerate(PEOPLE, start=11):
        id_number = demo_id_number(stem, serial)
        if not Person.objects.filter(id_number=id_number).exists():
            person_register(
                actor=actor,
                id_number=id_number,
                name=name,
                division=Division.objects.get(code=division_code),
                address="（示例地址）",
            )
    return accounts
