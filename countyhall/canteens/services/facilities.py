"""Facilities: registration, the requirements of A2/A5, the filing workflow of A4, menus, revocation."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from countyhall.canteens import access
from countyhall.canteens import citations as cite
from countyhall.canteens.models import Facility, FacilityStaff, FilingStep, WeeklyMenu
from countyhall.core.access import require
from countyhall.core.actors import actor_label, actor_user, as_actor
from countyhall.core.clock import business_date
from countyhall.core.errors import ServiceError
from countyhall.core.figures import model_decimal, model_integer
from countyhall.core.models import AuditEntry, Division, Organisation
from countyhall.core.policy import NoPolicyInForce, parameters
from countyhall.core.services.audit import audit_record, model_snapshot

# A4 (L1072–1086): "xxx镇（街道办）xxx村（社区）长者食堂" or "…长者助餐服务点".
NAME_RE = re.compile(
    r"^(?P<town>[\u4e00-\u9fff]{1,10}(?:镇|街道办|街道|经济开发区))"
    r"(?P<village>[\u4e00-\u9fff]{1,12}(?:村|社区))(?P<suffix>长者食堂|长者助餐服务点)$"
)
SUFFIX_FOR_KIND = {Facility.Kind.CANTEEN: "长者食堂", Facility.Kind.SERVICE_POINT: "长者助餐服务点"}
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def facility_name_problem(*, name: str, kind: str, division: Division | None) -> str:
    """Why `name` is not a valid official name (A4), or "" when it is."""
    match = NAME_RE.match(name)
    if not match:
        return f"名称应为“xxx镇（街道办）xxx村（社区）{SUFFIX_FOR_KIND.get(kind, '长者食堂')}”的格式。"
    if match.group("suffix") != SUFFIX_FOR_KIND.get(kind):
        return f"{Facility.Kind(kind).label}的名称应以“{SUFFIX_FOR_KIND[kind]}”结尾。"
    if division is not None:
        town = division
        while town.parent_id and town.kind not in (
            Division.Kind.TOWN,
            Division.Kind.STREET,
            Division.Kind.DEVELOPMENT_ZONE,
        ):
            town = town.parent
        town_stem = town.name.removesuffix("街道").removesuffix("镇")
        if town_stem and town_stem not in match.group("town"):
            return f"名称中的镇（街道）应为“{town.name}”。"
    return ""


@dataclass(frozen=True)
class Requirement:
    code: str
    ok: bool
    message: str
    citation: dict


def facility_requirements(facility: Facility, *, on: dt.date | None = None) -> list[Requirement]:
    """Check A2 (area, seats) and A5 (licence, health certificates, menu) and say what is missing."""
    on = on or business_date()
    registry = parameters()
    checks: list[Requirement] = []
    try:
        area = registry.at("canteen.facility.min_area_m2", on)
        seats = registry.at("canteen.facility.min_seats", on)
    except NoPolicyInForce as exc:
        return [
            Requirement(
                "policy",
                False,
                f"{exc}没有可依据的建设运营标准，请管理员录入现行政策。",
                cite.IN_FORCE.as_dict(),
            )
        ]
    if facility.kind == Facility.Kind.CANTEEN:
        checks.append(
            Requirement(
                "area",
                facility.area_m2 is not None and facility.area_m2 >= Decimal(area.value),
                f"建筑面积不少于 {area.value} 平方米（现为 {facility.area_m2 or '未填写'}）",
                area.citation.as_dict(),
            )
        )
        checks.append(
            Requirement(
                "seats",
                facility.seats is not None and facility.seats >= seats.value,
                f"可容纳不少于 {seats.value} 人同时就餐（现为 {facility.seats or '未填写'}）",
                seats.citation.as_dict(),
            )
        )
    if facility.kind == Facility.Kind.CANTEEN:
        licence_ok = bool(facility.food_licence_no) and (
            facility.food_licence_expiry is None or facility.food_licence_expiry >= on
        )
        checks.append(
            Requirement(
                "licence",
                licence_ok,
                "持有有效的《食品经营许可证》" + ("" if licence_ok else "（缺失或已过期）"),
                cite.FOOD_LICENCE.as_dict(),
            )
        )
    else:
        checks.append(
            Requirement(
                "supplier",
                bool(facility.meal_supplier),
                "登记提供配餐的集体用餐配送单位",
                cite.MEAL_SUPPLIER.as_dict(),
            )
        )
    staff = list(facility.staff.all())
    food_staff = [s for s in staff if s.handles_food]
    checks.append(
        Requirement(
            "staff", bool(food_staff), "登记直接接触食品的工作人员", cite.HEALTH_CERTIFICATE.as_dict()
        )
    )
    missing = [
        s.name
        for s in food_staff
        if not s.health_certificate_no or (s.health_certificate_expiry and s.health_certificate_expiry < on)
    ]
    checks.append(
        Requirement(
            "health",
            not missing,
            "工作人员均持有有效健康证明" + (f"（缺失或过期：{'、'.join(missing)}）" if missing else ""),
            cite.HEALTH_CERTIFICATE.as_dict(),
        )
    )
    week = on - dt.timedelta(days=on.weekday())
    checks.append(
        Requirement(
            "menu",
            facility.menus.filter(week_start__gte=week).exists(),
            "提前公开本周或下周食谱",
            cite.WEEKLY_MENU.as_dict(),
        )
    )
    problem = facility_name_problem(name=facility.name, kind=facility.kind, division=facility.division)
    checks.append(
        Requirement("name", not problem, problem or "名称符合备案格式", cite.OFFICIAL_NAME.as_dict())
    )
    return checks


FACILITY_FIELDS = [
    "name",
    "kind",
    "model",
    "setting",
    "operator_kind",
    "address",
    "area_m2",
    "seats",
    "food_licence_no",
    "food_licence_expiry",
    "meal_supplier",
    "lunch_price",
    "service_start",
]


def _validate_facility(*, kind, model, setting, operator_kind, division, lunch_price, seats, area_m2) -> None:
    if kind not in Facility.Kind.values:
        raise ServiceError("kind", "类别应为长者食堂或长者助餐服务点。")
    if model not in Facility.Model.values:
        raise ServiceError("model", "请选择五种建设模式之一。")
    if setting not in Facility.Setting.values:
        raise ServiceError("setting", "请选择农村或城市社区。")
    if operator_kind not in Facility.OperatorKind.values:
        raise ServiceError("operator_kind", "请选择运营方类型。")
    if (kind == Facility.Kind.SERVICE_POINT) != (model == Facility.Model.SERVICE_POINT):
        raise ServiceError("model", "无厨房、只提供就餐场所的才是长者助餐服务点（三、（二）4）。")
    if setting == Facility.Setting.RURAL and division.kind != Division.Kind.NATURAL_VILLAGE:
        raise ServiceError(
            "division", "农村长者食堂应登记到所在自然村（场所提供村），以便确定本村老人的优惠。"
        )
    if lunch_price is None:
        raise ServiceError("lunch_price", "午餐价格不能为空或为负数。")
    if seats is not None and seats < 0:
        raise ServiceError("seats", "座位数不能为负数。")
    if area_m2 is not None and area_m2 < 0:
        raise ServiceError("area_m2", "面积不能为负数。")
    # What the columns hold (10^12 seats or a price of NaN failed the save with a 500).
    model_decimal(Facility, "lunch_price", lunch_price)
    model_decimal(Facility, "area_m2", area_m2)
    model_integer(Facility, "seats", seats)


@transaction.atomic
def facility_register(*, actor, operator: Organisation, division: Division, **fields) -> Facility:
    """Register a canteen or service point as a draft; the name format is checked again at filing."""
    unknown = set(fields) - set(FACILITY_FIELDS)
    if unknown:
        raise ServiceError(sorted(unknown)[0], "未知字段。")
    actor = as_actor(actor)
    require(
        access.can_register_facility(actor, division, operator),
        "只有镇（街道）、民政局或运营方可以登记本人数据范围内的长者食堂。",
        field="division",
    )
    _validate_facility(
        kind=fields.get("kind"),
        model=fields.get("model"),
        setting=fields.get("setting"),
        operator_kind=fields.get("operator_kind"),
        division=division,
        lunch_price=fields.get("lunch_price"),
        seats=fields.get("seats"),
        area_m2=fields.get("area_m2"),
    )
    name = (fields.get("name") or "").strip()
    if not name:
        raise ServiceError("name", "名称不能为空。")
    if Facility.objects.filter(name=name).exists():
        raise ServiceError("name", "同名的长者助餐服务机构已存在。")
    facility = Facility.objects.create(operator=operator, division=division, **{**fields, "name": name})
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=facility, after=model_snapshot(facility)
    )
    # Check-ins price lunches from the dated price list only: the registered price opens it.
    from countyhall.canteens.services.prices import price_list_open

    price_list_open(actor=actor, facility=facility)
    return facility


@transaction.atomic
def facility_update(*, actor, facility: Facility, **fields) -> Facility:
    actor = as_actor(actor)
    unknown = set(fields) - set(FACILITY_FIELDS)
    if unknown:
        raise ServiceError(sorted(unknown)[0], "未知字段。")
    if facility.status in (Facility.Status.REVOKED,):
        raise ServiceError("status", "已取消资质的机构不能修改。")
    require(access.can_edit_facility(actor, facility), "只能修改本镇（街道）或本单位运营的长者食堂。")
    before = model_snapshot(facility)
    for key, value in fields.items():
        setattr(facility, key, value)
    _validate_facility(
        kind=facility.kind,
        model=facility.model,
        setting=facility.setting,
        operator_kind=facility.operator_kind,
        division=facility.division,
        lunch_price=facility.lunch_price,
        seats=facility.seats,
        area_m2=facility.area_m2,
    )
    facility.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=facility,
        before=before,
        after=model_snapshot(facility),
    )
    return facility


@transaction.atomic
def facility_staff_add(
    *,
    actor,
    facility: Facility,
    name: str,
    handles_food: bool = True,
    health_certificate_no: str = "",
    health_certificate_expiry: dt.date | None = None,
) -> FacilityStaff:
    actor = as_actor(actor)
    require(
        access.can_manage_staff(actor, facility), "只能为本镇（街道）或本单位运营的长者食堂登记从业人员。"
    )
    if not name.strip():
        raise ServiceError("name", "姓名不能为空。")
    staff = FacilityStaff.objects.create(
        facility=facility,
        name=name.strip(),
        handles_food=handles_food,
        health_certificate_no=health_certificate_no,
        health_certificate_expiry=health_certificate_expiry,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=staff,
        after=model_snapshot(staff),
        object_repr=f"{facility.name} 从业人员",
    )
    return staff


@transaction.atomic
def menu_publish(*, actor, facility: Facility, week_start: dt.date, items: dict[str, str]) -> WeeklyMenu:
    actor = as_actor(actor)
    require(access.can_publish_menu(actor, facility), "只能为本镇（街道）或本单位运营的长者食堂公布食谱。")
    if week_start.weekday() != 0:
        raise ServiceError("week_start", "食谱按周公布，起始日期应为周一。")
    unknown = set(items) - set(WEEKDAYS)
    if unknown:
        raise ServiceError("items", f"未知的星期：{', '.join(sorted(unknown))}。")
    if not any(v.strip() for v in items.values()):
        raise ServiceError("items", "食谱不能为空。")
    menu, created = WeeklyMenu.objects.update_or_create(
        facility=facility, week_start=week_start, defaults={"items": items}
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=menu,
        after={"week_start": week_start, "items": items},
        object_repr=f"{facility.name} 食谱",
    )
    return menu


@transaction.atomic
def _step(
    facility: Facility, *, actor, step: str, decision: str, note: str = "", on: dt.date | None = None
) -> FilingStep:
    user = actor_user(actor)
    label = actor_label(actor) if user is None else f"{user}（{user.organisation or ''}）"
    filing_step = FilingStep.objects.create(
        facility=facility,
        step=step,
        decision=decision,
        decided_by=user,
        decided_by_label=label[:64],
        decided_on=on or business_date(),
        note=note,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=filing_step,
        after=model_snapshot(filing_step),
        object_repr=f"{facility.name} {filing_step}",
    )
    return filing_step


@transaction.atomic
def _transition(facility: Facility, *, actor, status: str, note: str) -> None:
    before = model_snapshot(facility)
    facility.status = status
    facility.save(update_fields=["status", "filed_on", "revoked_on", "revoke_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=facility,
        before=before,
        after=model_snapshot(facility),
        note=note,
    )


@transaction.atomic
def facility_submit(*, actor, facility: Facility) -> Facility:
    """Operator or town submits for filing; every requirement of A2/A5 must already hold."""
    actor = as_actor(actor)
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if facility.status not in (Facility.Status.DRAFT, Facility.Status.REJECTED):
        raise ServiceError("status", f"当前状态为“{facility.get_status_display()}”，不能提交备案。")
    require(
        access.can_submit_facility(actor, facility), "只有运营方、所在镇（街道）或县民政局可以提交备案申请。"
    )
    missing = [r.message for r in facility_requirements(facility) if not r.ok]
    if missing:
        raise ServiceError("requirements", "尚不符合建设运营标准：" + "；".join(missing))
    _step(facility, actor=actor, step=FilingStep.Step.SUBMIT, decision=FilingStep.Decision.SUBMITTED)
    _transition(facility, actor=actor, status=Facility.Status.TOWN_REVIEW, note="提交备案申请")
    return facility


@transaction.atomic
def facility_town_review(*, actor, facility: Facility, approve: bool, note: str = "") -> Facility:
    """A4: the town office reviews first."""
    actor = as_actor(actor)
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if facility.status != Facility.Status.TOWN_REVIEW:
        raise ServiceError("status", f"当前状态为“{facility.get_status_display()}”，不在镇（街道）审核环节。")
    require(access.can_town_review(actor, facility), "镇（街道）审核须由本镇（街道）工作人员办理。")
    if not approve and not note.strip():
        raise ServiceError("note", "不同意时请写明理由。")
    _step(
        facility,
        actor=actor,
        step=FilingStep.Step.TOWN_REVIEW,
        decision=FilingStep.Decision.APPROVED if approve else FilingStep.Decision.REJECTED,
        note=note,
    )
    _transition(
        facility,
        actor=actor,
        status=Facility.Status.COUNTY_EVALUATION if approve else Facility.Status.REJECTED,
        note="镇（街道）审核" + ("同意" if approve else "不同意"),
    )
    return facility


@transaction.atomic
def facility_county_evaluate(*, actor, facility: Facility, approve: bool, note: str = "") -> Facility:
    """A4: county 民政 and 市场监管 each evaluate; when both agree the facility is filed."""
    actor = as_actor(actor)
    require(access.county_evaluation_step(actor) is not None, "县级评估须由民政局或市场监管局工作人员办理。")
    step = access.county_evaluation_step(actor)
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if facility.status != Facility.Status.COUNTY_EVALUATION:
        raise ServiceError("status", f"当前状态为“{facility.get_status_display()}”，不在县级评估环节。")
    if facility.filing_steps.filter(step=step, created_at__gte=_round_started(facility)).exists():
        raise ServiceError("actor", f"{FilingStep.Step(step).label}已完成，不能重复评估。")
    if not approve and not note.strip():
        raise ServiceError("note", "不同意时请写明理由。")
    _step(
        facility,
        actor=actor,
        step=step,
        decision=FilingStep.Decision.APPROVED if approve else FilingStep.Decision.REJECTED,
        note=note,
    )
    if not approve:
        _transition(
            facility,
            actor=actor,
            status=Facility.Status.REJECTED,
            note=f"{FilingStep.Step(step).label}不同意",
        )
        return facility
    approvals = set(
        facility.filing_steps.filter(
            created_at__gte=_round_started(facility),
            decision=FilingStep.Decision.APPROVED,
            step__in=[FilingStep.Step.CIVIL_AFFAIRS, FilingStep.Step.MARKET_REGULATION],
        ).values_list("step", flat=True)
    )
    if approvals == {FilingStep.Step.CIVIL_AFFAIRS, FilingStep.Step.MARKET_REGULATION}:
        problem = facility_name_problem(name=facility.name, kind=facility.kind, division=facility.division)
        if problem:
            raise ServiceError("name", problem)
        facility.filed_on = business_date()
        if facility.service_start is None:
            facility.service_start = facility.filed_on
            facility.save(update_fields=["service_start"])
        _step(
            facility,
            actor=actor,
            step=FilingStep.Step.FILED,
            decision=FilingStep.Decision.APPROVED,
            note="备案为“高青县长者助餐服务机构”",
        )
        _transition(facility, actor=actor, status=Facility.Status.FILED, note="备案")
    return facility


def _round_started(facility: Facility):
    """The latest submission: evaluations before a rejection and resubmission do not count."""
    last = facility.filing_steps.filter(step=FilingStep.Step.SUBMIT).order_by("-created_at", "-id").first()
    return last.created_at if last else facility.created_at


@transaction.atomic
def facility_revoke(*, actor, facility: Facility, reason: str, on: dt.date | None = None) -> Facility:
    actor = as_actor(actor)
    require(access.can_revoke_facility(actor, facility), "只有县民政局可以取消运营资质。")
    if not reason.strip():
        raise ServiceError("reason", "请写明取消资质的原因。")
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if facility.status == Facility.Status.REVOKED:
        return facility
    facility.revoked_on = on or business_date()
    facility.revoke_reason = reason
    _step(
        facility,
        actor=actor,
        step=FilingStep.Step.REVOKED,
        decision=FilingStep.Decision.APPROVED,
        note=reason,
        on=facility.revoked_on,
    )
    _transition(facility, actor=actor, status=Facility.Status.REVOKED, note=reason)
    return facility
