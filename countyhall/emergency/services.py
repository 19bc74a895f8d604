"""Write services of the accident module: registers, intake, figures and level, reporting clocks, the
response, warnings and drills. Each write is audited in its transaction; notifications go to the outbox
in the same transaction, so a rolled-back decision notifies no one."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from countyhall.core.access import require
from countyhall.core.actors import as_actor
from countyhall.core.clock import business_date, business_now, format_local
from countyhall.core.errors import ServiceError
from countyhall.core.figures import model_integer
from countyhall.core.models import AuditEntry, Division, Organisation
from countyhall.core.notifications import notify
from countyhall.core.policy.basis import basis_of
from countyhall.core.rules.trace import ParameterTrace
from countyhall.core.services.audit import actor_user, audit_record, model_snapshot
from countyhall.emergency import access
from countyhall.emergency.models import (
    CasualtyFigures,
    CommandPost,
    Drill,
    DutyOffice,
    Expert,
    GroupActivation,
    HazardSource,
    Incident,
    PowerEnterprise,
    ReportDeadline,
    TimelineEntry,
    Warning,
    WorkingGroup,
)
from countyhall.emergency.rules import (
    LEVEL_LABELS,
    level_rank,
    report_deadlines_terms,
    response_level_terms,
    verification_deadline_terms,
    warning_colour_terms,
)

KEEPERS_ONLY = "由应急救援指挥部办公室（县发展改革局）、县应急局或系统管理员维护。"
COMMAND_DATA = Path(__file__).parent / "data" / "command.yaml"
DOCUMENT = "高政办字〔2021〕34号"
# E3 (3.3): what a report must contain before the written report can go.
REPORT_CONTENT = [
    ("unit_overview", "事故发生单位概况"),
    ("occurred_at", "事故发生的时间"),
    ("place", "事故地点"),
    ("scene", "事故现场情况"),
    ("course", "事故的简要经过"),
    ("figures", "伤亡人数（含下落不明）"),
    ("direct_loss", "初步估计的直接经济损失"),
    ("measures", "已经采取的措施"),
]
WRITTEN = {
    ReportDeadline.Kind.WRITTEN_INITIAL,
    ReportDeadline.Kind.WRITTEN_ACCIDENT,
    ReportDeadline.Kind.VERIFY_WRITTEN,
}


def _now(at: dt.datetime | None) -> dt.datetime:
    # The business clock: a demo pinned to 2022-06-15 reports, counts down and marks done on that day, not on
    # the real one (a pinned demo showed "已超时 … 期限 2026-…" minutes after it started).
    at = at or business_now()
    if timezone.is_naive(at):
        raise ServiceError("at", "时间须带时区。")
    return at


def _log(
    incident: Incident, kind: str, text: str, *, actor, at: dt.datetime, group: WorkingGroup | None = None
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        incident=incident, kind=kind, text=text, at=at, group=group, author=actor_user(actor)
    )


# ---------------------------------------------------------------- registers


@transaction.atomic
def enterprise_register(
    *,
    actor,
    organisation: Organisation,
    division: Division,
    address: str = "",
    capacity_mw: Decimal | None = None,
    principal: str = "",
    duty_phone: str = "",
) -> PowerEnterprise:
    actor = as_actor(actor)
    require(access.can_keep_registers(actor), KEEPERS_ONLY)
    if organisation.kind != Organisation.Kind.ENTERPRISE:
        raise ServiceError("organisation", "发电企业应登记为“企业”类型的机构。")
    if PowerEnterprise.objects.filter(organisation=organisation).exists():
        raise ServiceError("organisation", "该企业已登记。")
    enterprise = PowerEnterprise.objects.create(
        organisation=organisation,
        division=division,
        address=address.strip(),
        capacity_mw=capacity_mw,
        principal=principal.strip(),
        duty_phone=duty_phone.strip(),
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=enterprise, after=model_snapshot(enterprise)
    )
    return enterprise


@transaction.atomic
def hazard_add(
    *,
    actor,
    enterprise: PowerEnterprise,
    name: str,
    grade: str = "",
    measures: str = "",
    assessed_on: dt.date | None = None,
) -> HazardSource:
    actor = as_actor(actor)
    require(access.can_add_hazard(actor, enterprise), "只能登记本企业的重大危险源。", field="enterprise")
    if not name.strip():
        raise ServiceError("name", "请填写危险源名称。")
    hazard = HazardSource.objects.create(
        enterprise=enterprise,
        name=name.strip(),
        grade=grade.strip(),
        measures=measures.strip(),
        assessed_on=assessed_on,
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=hazard, after=model_snapshot(hazard))
    return hazard


@transaction.atomic
def duty_office_set(
    *, actor, name: str, tier: str, phone: str = "", fax: str = "", email: str = "", mobile: str = ""
) -> DutyOffice:
    actor = as_actor(actor)
    require(access.can_keep_registers(actor), KEEPERS_ONLY)
    if not name.strip():
        raise ServiceError("name", "请填写名称。")
    if tier not in DutyOffice.Tier.values:
        raise ServiceError("tier", "层级应为县级、市级或其他。")
    office, created = DutyOffice.objects.update_or_create(
        name=name.strip(),
        defaults={
            "tier": tier,
            "phone": phone.strip(),
            "fax": fax.strip(),
            "email": email.strip(),
            "mobile": mobile.strip(),
        },
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        instance=office,
        after=model_snapshot(office),
    )
    return office


@transaction.atomic
def expert_add(*, actor, name: str, speciality: str, employer: str = "", phone: str = "") -> Expert:
    """4.3: the experts the headquarters consults."""
    actor = as_actor(actor)
    require(access.can_keep_registers(actor), KEEPERS_ONLY)
    if not name.strip():
        raise ServiceError("name", "请填写姓名。")
    if not speciality.strip():
        raise ServiceError("speciality", "请填写专业。")
    expert = Expert.objects.create(
        name=name.strip(), speciality=speciality.strip(), employer=employer.strip(), phone=phone.strip()
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=expert, after=model_snapshot(expert))
    return expert


@transaction.atomic
def command_structure_load(*, actor) -> dict[str, int]:
    """Load the posts, working groups and duty offices printed in 2.1–2.2 and 4.2.2; idempotent, and it
    never overwrites a holder or a phone number an administrator has entered."""
    actor = as_actor(actor)
    require(access.can_load_command_structure(actor), KEEPERS_ONLY)
    data = yaml.safe_load(COMMAND_DATA.read_text(encoding="utf-8"))
    counts = {"posts": 0, "groups": 0, "duty_offices": 0}
    for order, post in enumerate(data["posts"]):
        _, created = CommandPost.objects.get_or_create(
            kind=post["kind"],
            title=post["title"],
            defaults={"duties": post.get("duties", ""), "citation_line": post["line"], "order": order},
        )
        counts["posts"] += created
    for order, group in enumerate(data["groups"]):
        _, created = WorkingGroup.objects.get_or_create(
            name=group["name"],
            defaults={
                "lead_units": group["lead"],
                "member_units": group["members"],
                "duties": group["duties"],
                "citation_line": group["line"],
                "order": order,
            },
        )
        counts["groups"] += created
    for office in data["duty_offices"]:
        _, created = DutyOffice.objects.get_or_create(name=office["name"], defaults={"tier": office["tier"]})
        counts["duty_offices"] += created
    if any(counts.values()):
        audit_record(
            actor=actor,
            action=AuditEntry.Action.SEED,
            object_type="emergency.CommandPost",
            object_repr="应急指挥体系（34号 2.1–2.2）",
            after=counts,
        )
    return counts


@transaction.atomic
def command_post_assign(*, actor, post: CommandPost, holder: str) -> CommandPost:
    actor = as_actor(actor)
    require(access.can_keep_registers(actor), KEEPERS_ONLY)
    before = model_snapshot(post)
    post.holder = holder.strip()
    post.save(update_fields=["holder"])
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, instance=post, before=before, after=model_snapshot(post)
    )
    return post


# ---------------------------------------------------------------- notifications


def town_offices(enterprise: PowerEnterprise) -> list[Organisation]:
    """The office of the town (镇), street (街道) or development zone (经济开发区) where the enterprise lies."""
    town = enterprise.division
    while town is not None and town.kind not in ("town", "street", "development_zone"):
        town = town.parent
    if town is None:
        return []
    return list(Organisation.objects.filter(division=town, kind=Organisation.Kind.TOWN_OFFICE))


def _involved(incident: Incident, level: str) -> list[str]:
    """Who a level involves (4.1, emergency.yaml): the enterprise, its town or zone office and the units every level
    tells; from III the county headquarters and its posts; from II the city."""
    trace = ParameterTrace(timezone.localdate(incident.occurred_at))
    names = [incident.enterprise.organisation.name]  # the enterprise itself, in-app
    names += [o.name for o in town_offices(incident.enterprise)]
    names += trace.get("emergency.involved.all_levels")
    if level_rank(level) >= level_rank("III"):
        names += trace.get("emergency.involved.from_level_iii")
        names += [p.title for p in CommandPost.objects.filter(kind__in=["commander", "deputy", "member"])]
    if level_rank(level) >= level_rank("II"):
        names += trace.get("emergency.involved.from_level_ii")
    return list(dict.fromkeys(names))


# 2.1.3: the headquarters' office (应急救援指挥部办公室) sits in 县发展改革局: its in-app notices go to that
# department's organisation, whatever the organisation register calls it.
HQ_OFFICE = "应急救援指挥部办公室"


def _hq_office_host() -> Organisation | None:
    return (
        Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT)
        .filter(Q(name__contains="发展和改革局") | Q(name__contains="发展改革局") | Q(short_name="县发改局"))
        .order_by("pk")
        .first()
    )


def _notify_names(names: list[str], *, subject: str, body: str, source) -> int:
    sent = 0
    offices = {o.name: o for o in DutyOffice.objects.filter(name__in=names)}
    organisations = {}
    for organisation in Organisation.objects.filter(Q(name__in=names) | Q(short_name__in=names)):
        organisations.setdefault(organisation.name, organisation)
        if organisation.short_name:
            organisations.setdefault(organisation.short_name, organisation)
    if HQ_OFFICE in names and HQ_OFFICE not in organisations:
        host = _hq_office_host()
        if host is not None:
            organisations[HQ_OFFICE] = host
    told = set()
    for name in names:
        if name in organisations and organisations[name].pk not in told:
            # One in-app notice per organisation, even when two of the names are the same unit.
            told.add(organisations[name].pk)
            notify(
                channel="in_app",
                recipient=name,
                organisation=organisations[name],
                subject=subject,
                body=body,
                source=source,
            )
            sent += 1
        office = offices.get(name)
        if office and office.mobile:
            notify(
                channel="sms",
                recipient=name,
                address=office.mobile,
                subject=subject,
                body=body,
                source=source,
            )
            sent += 1
        if office and office.email:
            notify(
                channel="email",
                recipient=name,
                address=office.email,
                subject=subject,
                body=body,
                source=source,
            )
            sent += 1
        if not (name in organisations or (office and (office.mobile or office.email))):
            # Still recorded: the outbox shows who should have been told and that no address is known.
            notify(channel="sms", recipient=name, subject=subject, body=body, source=source)
            sent += 1
    return sent


# ---------------------------------------------------------------- incidents


# Far above any accident (E1's top threshold is 30 deaths / 100 injured) and inside the PositiveIntegerField
# columns on every database: 2,147,483,648 was a 500 on PostgreSQL.
MAX_PERSONS = 1_000_000


def _figures(
    *,
    incident: Incident,
    version: int,
    deaths: int,
    missing: int,
    injured: int,
    impact: bool,
    direct_loss_yuan: Decimal | None,
    at: dt.datetime,
    actor,
) -> CasualtyFigures:
    for field, value in (("deaths", deaths), ("missing", missing), ("injured", injured)):
        if value is None or value < 0 or value > MAX_PERSONS:
            raise ServiceError(field, f"人数应为 0 至 {MAX_PERSONS:,} 的整数。")
    if direct_loss_yuan is not None and direct_loss_yuan < 0:
        raise ServiceError("direct_loss_yuan", "直接经济损失不能为负数。")
    result = response_level_terms(
        deaths=deaths,
        missing=missing,
        injured=injured,
        especially_major_impact=impact,
        on=timezone.localdate(incident.occurred_at),
    )
    return CasualtyFigures.objects.create(
        incident=incident,
        version=version,
        deaths=deaths,
        missing=missing,
        injured=injured,
        especially_major_impact=impact,
        direct_loss_yuan=direct_loss_yuan,
        level=result.data["level"],
        citations=[c.as_dict() for c in result.citations],
        readings=result.readings,
        policy_basis=basis_of(result),
        recorded_at=at,
        recorded_by=actor_user(actor),
    )


@transaction.atomic
def incident_report(
    *,
    actor,
    enterprise: PowerEnterprise,
    kind: str,
    occurred_at: dt.datetime,
    place: str,
    deaths: int = 0,
    missing: int = 0,
    injured: int = 0,
    especially_major_impact: bool = False,
    direct_loss_yuan: Decimal | None = None,
    unit_overview: str = "",
    scene: str = "",
    course: str = "",
    measures: str = "",
    other: str = "",
    reported_at: dt.datetime | None = None,
) -> Incident:
    """接报: the incident, its first figures and level, and the E2 reporting clock from the moment of the accident."""
    actor = as_actor(actor)
    require(
        access.can_report_incident(actor, enterprise),
        "只能报告本企业或本辖区企业的事故。",
        field="enterprise",
    )
    if kind not in Incident.Kind.values:
        raise ServiceError("kind", "事故类型应为预案3.1所列七类之一。")
    if not place.strip():
        raise ServiceError("place", "请填写事故地点。")
    reported_at = _now(reported_at)
    if timezone.is_naive(occurred_at):
        raise ServiceError("occurred_at", "事故发生时间须带时区。")
    if occurred_at > reported_at:
        raise ServiceError("occurred_at", "事故发生时间不能晚于接报时间。")
    user = actor_user(actor)
    reporter = user.organisation if user and user.organisation_id else enterprise.organisation
    incident = Incident.objects.create(
        enterprise=enterprise,
        kind=kind,
        occurred_at=occurred_at,
        place=place.strip(),
        unit_overview=unit_overview,
        scene=scene,
        course=course,
        measures=measures,
        other=other,
        reported_by=reporter,
        reported_at=reported_at,
        level="IV",
    )
    figures = _figures(
        incident=incident,
        version=1,
        deaths=deaths,
        missing=missing,
        injured=injured,
        impact=especially_major_impact,
        direct_loss_yuan=direct_loss_yuan,
        at=reported_at,
        actor=actor,
    )
    incident.level = figures.level
    incident.save(update_fields=["level"])
    terms = report_deadlines_terms(occurred_at=occurred_at)
    for item in terms.data["deadlines"]:
        ReportDeadline.objects.create(
            incident=incident,
            kind=item["kind"],
            due_at=item["due"],
            recipients=item["recipients"],
            citation=item["citation"],
            policy_basis=basis_of(terms),
        )
    _log(
        incident,
        TimelineEntry.Kind.REPORT,
        f"{reporter} 报告：{incident.get_kind_display()}，{place.strip()}。"
        f"{figures}；响应等级 {LEVEL_LABELS[figures.level]}。",
        actor=actor,
        at=reported_at,
    )
    _notify_names(
        _involved(incident, incident.level),
        subject=f"{LEVEL_LABELS[incident.level]}事故报告",
        body=f"{incident}：{figures}。",
        source=incident,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=incident,
        after={**model_snapshot(incident), "figures": model_snapshot(figures)},
    )
    return incident


@transaction.atomic
def incident_figures_update(
    *,
    actor,
    incident: Incident,
    deaths: int,
    missing: int,
    injured: int,
    especially_major_impact: bool = False,
    direct_loss_yuan: Decimal | None = None,
    at: dt.datetime | None = None,
) -> CasualtyFigures:
    """A new version of the figures; the level is recomputed. A rise notifies everyone the new level involves.
    The response level never falls by itself: standing a response down is the commander's decision (4.6)."""
    actor = as_actor(actor)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    require(access.can_update_incident(actor, incident), "无权更新该事故。", field="incident")
    if incident.status == Incident.Status.ENDED:
        raise ServiceError("status", "应急已结束，伤亡情况请在评估报告中说明。")
    at = _now(at)
    last = incident.figures.order_by("-version").first()
    version = (last.version if last else 0) + 1
    figures = _figures(
        incident=incident,
        version=version,
        deaths=deaths,
        missing=missing,
        injured=injured,
        impact=especially_major_impact,
        direct_loss_yuan=direct_loss_yuan,
        at=at,
        actor=actor,
    )
    _log(incident, TimelineEntry.Kind.FIGURES, f"伤亡情况更新为{figures}。", actor=actor, at=at)
    # A rise: the new figures call for a higher level than the incident has, and than the figures before them
    # did — so a level the headquarters lowered with a reason stands until the figures get worse.
    if level_rank(figures.level) > level_rank(incident.level) and (
        last is None or level_rank(figures.level) > level_rank(last.level)
    ):
        previous = incident.level
        incident.level = figures.level
        incident.save(update_fields=["level"])
        _log(
            incident,
            TimelineEntry.Kind.LEVEL,
            f"响应等级由{LEVEL_LABELS[previous]}升为{LEVEL_LABELS[figures.level]}。",
            actor=actor,
            at=at,
        )
        _notify_names(
            _involved(incident, figures.level),
            subject=f"事故响应等级升为{LEVEL_LABELS[figures.level]}",
            body=f"{incident}：{figures}，响应等级由{LEVEL_LABELS[previous]}升为"
            f"{LEVEL_LABELS[figures.level]}。",
            source=incident,
        )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=figures, after=model_snapshot(figures)
    )
    return figures


@transaction.atomic
def response_level_lower(
    *, actor, incident: Incident, level: str, reason: str, decided_by: str, at: dt.datetime | None = None
) -> Incident:
    """The headquarters lowers the response level with a reason (the level never falls by itself: 4.6 makes
    standing down the commander's decision). Kept on the timeline, audited, and told to every unit the old
    and the new level involve, in-app and by the outbox."""
    actor = as_actor(actor)
    require(
        access.can_lower_level(actor, incident),
        "调低响应等级由应急救援指挥部（办公室设在县发展改革局）或县应急局决定。",
    )
    incident = (
        Incident.objects.select_for_update()
        .select_related("enterprise__organisation", "enterprise__division")
        .get(pk=incident.pk)
    )
    if incident.status == Incident.Status.ENDED:
        raise ServiceError("status", "应急已结束，不能调整响应等级。")
    if level not in LEVEL_LABELS:
        raise ServiceError("level", "响应等级应为I、II、III或IV级。")
    if level_rank(level) >= level_rank(incident.level):
        raise ServiceError("level", f"调低后的等级应低于当前的{LEVEL_LABELS[incident.level]}。")
    reason, decided_by = reason.strip(), decided_by.strip()
    if not reason:
        raise ServiceError("reason", "调低响应等级须写明理由。")
    if not decided_by:
        raise ServiceError("decided_by", "请填写决定调低等级的领导。")
    at = _now(at)
    before = model_snapshot(incident)
    previous = incident.level
    incident.level = level
    if incident.status == Incident.Status.RESPONDING:
        incident.response_level = level
    incident.save(update_fields=["level", "response_level"])
    _log(
        incident,
        TimelineEntry.Kind.LEVEL,
        f"{decided_by}决定响应等级由{LEVEL_LABELS[previous]}调低为{LEVEL_LABELS[level]}，理由：{reason}。",
        actor=actor,
        at=at,
    )
    names = list(dict.fromkeys(_involved(incident, previous) + _involved(incident, level)))
    _notify_names(
        names,
        subject=f"事故响应等级调低为{LEVEL_LABELS[level]}",
        body=f"{incident}：响应等级由{LEVEL_LABELS[previous]}调低为{LEVEL_LABELS[level]}"
        f"（{format_local(at)}，{decided_by}决定），理由：{reason}。",
        source=incident,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=incident,
        before=before,
        after=model_snapshot(incident),
        note=f"调低响应等级：{reason}",
    )
    return incident


CONTENT_FIELDS = ("unit_overview", "scene", "course", "measures", "other", "place")


@transaction.atomic
def incident_content_update(*, actor, incident: Incident, **fields: str) -> Incident:
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise ServiceError(sorted(unknown)[0], "不能修改该项。")
    actor = as_actor(actor)
    require(access.can_update_incident(actor, incident), "无权更新该事故。", field="incident")
    before = model_snapshot(incident)
    for name, value in fields.items():
        setattr(incident, name, value.strip())
    if not incident.place:
        raise ServiceError("place", "请填写事故地点。")
    incident.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=incident,
        before=before,
        after=model_snapshot(incident),
    )
    return incident


def report_content_missing(incident: Incident) -> list[str]:
    """E3: the items still missing before a written report can be sent."""
    figures = incident.figures.order_by("-version").first()
    missing = []
    for field, label in REPORT_CONTENT:
        if field == "figures":
            ok = figures is not None
        elif field == "direct_loss":
            ok = figures is not None and figures.direct_loss_yuan is not None
        else:
            ok = bool(getattr(incident, field))
        if not ok:
            missing.append(label)
    return missing


@transaction.atomic
def deadline_done(
    *, actor, deadline: ReportDeadline, reported_to: str, done_at: dt.datetime | None = None, note: str = ""
) -> ReportDeadline:
    """Mark a report made: who reported to whom and when. A late one stays visibly late."""
    deadline = (
        ReportDeadline.objects.select_for_update().select_related("incident__enterprise").get(pk=deadline.pk)
    )
    incident = deadline.incident
    require(access.can_mark_deadline_done(as_actor(actor), deadline), "无权办理该报告。", field="deadline")
    actor = as_actor(actor)
    if deadline.done_at is not None:
        raise ServiceError("deadline", "该报告已办结。")
    if not reported_to.strip():
        raise ServiceError("reported_to", "请填写报告给谁（接报单位和接报人）。")
    done_at = _now(done_at)
    if done_at < incident.occurred_at:
        raise ServiceError("done_at", "报告时间不能早于事故发生时间。")
    # A report is marked done when it has gone: a time in the future (beyond a few minutes of clock skew
    # between desks) would make a late report look on time or a clock run backwards.
    if done_at > business_now() + dt.timedelta(minutes=5):
        raise ServiceError("done_at", "报告时间不能晚于现在。")
    if deadline.kind in WRITTEN:
        missing = report_content_missing(incident)
        if missing:
            raise ServiceError("content", "书面报告须包含：" + "、".join(missing) + "（预案3.3）。")
    deadline.done_at, deadline.done_by, deadline.reported_to, deadline.note = (
        done_at,
        actor_user(actor),
        reported_to.strip(),
        note.strip(),
    )
    deadline.save()
    lateness = (
        f"，超时 {int((done_at - deadline.due_at).total_seconds() // 60)} 分钟" if deadline.late else ""
    )
    _log(
        incident,
        TimelineEntry.Kind.DEADLINE,
        f"{deadline.get_kind_display()}：已报 {reported_to.strip()}{lateness}。",
        actor=actor,
        at=done_at,
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, instance=deadline, after=model_snapshot(deadline)
    )
    return deadline


@transaction.atomic
def verification_request(
    *,
    actor,
    incident: Incident,
    requested_by: str,
    mode: str,
    text: str,
    requested_at: dt.datetime | None = None,
) -> ReportDeadline:
    """核报: a superior asks to verify; the answer is due by phone in 15 minutes or in writing in 40 (E2)."""
    actor = as_actor(actor)
    require(access.can_request_verification(actor, incident), "无权登记该事故的核报要求。", field="incident")
    if mode not in ("phone", "written"):
        raise ServiceError("mode", "反馈方式应为电话或书面。")
    if not requested_by.strip():
        raise ServiceError("requested_by", "请填写核报要求方。")
    if not text.strip():
        raise ServiceError("text", "请填写核报内容。")
    requested_at = _now(requested_at)
    terms = verification_deadline_terms(requested_at=requested_at, mode=mode)
    deadline = ReportDeadline.objects.create(
        incident=incident,
        kind=f"verify_{mode}",
        due_at=terms.data["due"],
        recipients=[requested_by.strip()],
        requested_by=requested_by.strip(),
        request_text=text.strip(),
        requested_at=requested_at,
        citation=terms.citations[0].as_dict(),
        policy_basis=basis_of(terms),
    )
    _log(
        incident,
        TimelineEntry.Kind.DEADLINE,
        f"{requested_by.strip()}要求核报（{'电话' if mode == 'phone' else '书面'}，"
        f"{terms.data['minutes']}分钟内）：{text.strip()}",
        actor=actor,
        at=requested_at,
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=deadline, after=model_snapshot(deadline)
    )
    return deadline


LOCAL_RESPONSE = "一般（IV级）响应由事故发生地镇（办）、经济开发区启动和实施（预案4.1）"


def _hq_only(actor, what: str, incident: Incident | None = None, *, starting: bool = False) -> None:
    if incident is not None:
        # Who may act depends on the level: decide on the stored one, not on the caller's possibly older copy.
        incident.refresh_from_db(fields=["level", "response_level"])
    allowed = (
        access.can_start_response(as_actor(actor), incident)
        if starting
        else access.can_command(as_actor(actor), incident)
    )
    require(allowed, f"{what}由应急救援指挥部（办公室设在县发展改革局）或县应急局办理；{LOCAL_RESPONSE}。")


def _leader_title(incident: Incident) -> str:
    """Who approves the end: the commander of the county headquarters, or the town's leader for Level IV."""
    return "事故发生地镇（办）、经济开发区负责人" if access.locally_led(incident) else "总指挥"


@transaction.atomic
def response_start(*, actor, incident: Incident, decided_by: str, at: dt.datetime | None = None) -> Incident:
    """启动响应: records who decided (2.1.1(2): the headquarters decides by the level)."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _hq_only(actor, "启动应急响应", incident, starting=True)
    escalating = incident.status == Incident.Status.RESPONDING and incident.response_level != incident.level
    if incident.status != Incident.Status.REPORTED and not escalating:
        raise ServiceError(
            "status", f"当前状态为“{incident.get_status_display()}”，已按{LEVEL_LABELS[incident.level]}响应。"
        )
    if not decided_by.strip():
        raise ServiceError("decided_by", "请填写决定启动响应的领导。")
    at = _now(at)
    if not escalating:
        incident.response_started_at, incident.response_started_by = at, decided_by.strip()
    incident.status, incident.response_level = Incident.Status.RESPONDING, incident.level
    incident.save()
    _log(
        incident,
        TimelineEntry.Kind.RESPONSE,
        f"{decided_by.strip()}决定{'提升为' if escalating else '启动'}{LEVEL_LABELS[incident.level]}响应。",
        actor=actor,
        at=at,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=incident,
        after=model_snapshot(incident),
        note="启动应急响应",
    )
    return incident


def _responding(incident: Incident) -> None:
    incident.refresh_from_db(fields=["status"])  # the caller's copy may predate the decision to respond
    if incident.status != Incident.Status.RESPONDING:
        raise ServiceError(
            "status", "请先启动应急响应。" if incident.status == Incident.Status.REPORTED else "应急已结束。"
        )


@transaction.atomic
def group_activate(
    *, actor, incident: Incident, group: WorkingGroup, at: dt.datetime | None = None
) -> GroupActivation:
    _hq_only(actor, "启动工作组", incident)
    _responding(incident)
    if GroupActivation.objects.filter(incident=incident, group=group).exists():
        raise ServiceError("group", f"{group}已启动。")
    at = _now(at)
    activation = GroupActivation.objects.create(
        incident=incident, group=group, activated_at=at, activated_by=actor_user(actor)
    )
    _log(
        incident,
        TimelineEntry.Kind.GROUP,
        f"启动{group}（牵头：{group.lead_units}）。",
        actor=actor,
        at=at,
        group=group,
    )
    _notify_names(
        [n.strip() for n in group.lead_units.split("、")],
        subject=f"{group}已启动",
        body=f"{incident}：{group}已启动，职责：{group.duties}",
        source=incident,
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=activation, object_repr=f"{incident} {group}"
    )
    return activation


@transaction.atomic
def timeline_add(
    *,
    actor,
    incident: Incident,
    kind: str,
    text: str,
    group: WorkingGroup | None = None,
    at: dt.datetime | None = None,
) -> TimelineEntry:
    """A task for a working group, a situation report (续报), or the on-site headquarters."""
    if kind not in (TimelineEntry.Kind.TASK, TimelineEntry.Kind.SITUATION, TimelineEntry.Kind.ONSITE):
        raise ServiceError("kind", "只能记录任务、续报或现场指挥部。")
    actor = as_actor(actor)
    require(access.can_add_situation(actor, incident), "无权记录该事故。", field="incident")
    if kind != TimelineEntry.Kind.SITUATION:
        _hq_only(actor, "布置任务和设立现场指挥部", incident)
    if kind != TimelineEntry.Kind.SITUATION:
        _responding(incident)
    if not text.strip():
        raise ServiceError("text", "请填写内容。")
    if (
        kind == TimelineEntry.Kind.TASK
        and group is not None
        and not GroupActivation.objects.filter(incident=incident, group=group).exists()
    ):
        raise ServiceError("group", f"{group}尚未启动。")
    at = _now(at)
    entry = _log(incident, kind, text.strip(), actor=actor, at=at, group=group)
    if kind == TimelineEntry.Kind.ONSITE:
        incident.onsite_hq = text.strip()
        incident.save(update_fields=["onsite_hq"])
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=entry, after=model_snapshot(entry))
    return entry


@transaction.atomic
def task_done(*, actor, entry: TimelineEntry, at: dt.datetime | None = None) -> TimelineEntry:
    _hq_only(actor, "任务办结", entry.incident)
    if entry.kind != TimelineEntry.Kind.TASK or entry.task_done_at:
        raise ServiceError("entry", "不是未办结的任务。")
    entry.task_done_at = _now(at)
    entry.save(update_fields=["task_done_at"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=entry, after=model_snapshot(entry))
    return entry


@transaction.atomic
def emergency_end(*, actor, incident: Incident, commander: str, at: dt.datetime | None = None) -> Incident:
    """4.6: with the threat controlled, the commander approves and the headquarters declares the end."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _hq_only(actor, "宣布应急结束", incident)
    _responding(incident)
    leader = _leader_title(incident)
    if not commander.strip():
        raise ServiceError("commander", f"应急结束须经{leader}批准，请填写其姓名。")
    at = _now(at)
    incident.status, incident.ended_at, incident.ended_by = Incident.Status.ENDED, at, commander.strip()
    incident.save()
    _log(
        incident,
        TimelineEntry.Kind.END,
        f"经{leader}{commander.strip()}批准，宣布应急结束。",
        actor=actor,
        at=at,
    )
    _notify_names(
        _involved(incident, incident.level),
        subject="应急结束",
        body=f"{incident}：经{leader}批准，应急结束。",
        source=incident,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=incident,
        after=model_snapshot(incident),
        note="应急结束",
    )
    return incident


EVALUATION_FIELDS = {
    "evaluation_cause": "事件发生原因和经过",
    "evaluation_losses": "直接损失和影响",
    "evaluation_handling": "处置过程",
    "evaluation_lessons": "经验教训",
    "evaluation_suggestions": "改进建议",
}


@transaction.atomic
def evaluation_record(*, actor, incident: Incident, investigation: str = "", **fields: str) -> Incident:
    """6.1: after the response ends, the evaluation report (all five parts); 6.2: the investigation record."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _hq_only(actor, "处置评估", incident)
    if incident.status != Incident.Status.ENDED:
        raise ServiceError("status", "应急响应终止后再形成处置评估报告。")
    missing = [label for name, label in EVALUATION_FIELDS.items() if not fields.get(name, "").strip()]
    if missing:
        raise ServiceError(
            next(n for n, label in EVALUATION_FIELDS.items() if label == missing[0]),
            "评估报告须包括：" + "、".join(missing) + "（预案6.1）。",
        )
    before = model_snapshot(incident)
    for name in EVALUATION_FIELDS:
        setattr(incident, name, fields[name].strip())
    incident.investigation = investigation.strip()
    incident.save()
    _log(
        incident,
        TimelineEntry.Kind.EVALUATION,
        "形成处置评估报告" + ("及事故调查记录" if investigation.strip() else "") + "。",
        actor=actor,
        at=business_now(),
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=incident,
        before=before,
        after=model_snapshot(incident),
        note="处置评估",
    )
    return incident


# ---------------------------------------------------------------- warnings


def _sender(actor) -> str:
    user = actor_user(actor)
    return (
        str(user.organisation)
        if user and user.organisation_id
        else "高青县发电企业生产安全事故应急救援指挥部"
    )


@transaction.atomic
def warning_issue(
    *,
    actor,
    level: str,
    event: str,
    headline: str,
    description: str,
    area: str,
    enterprise: PowerEnterprise | None = None,
    instruction: str = "",
    urgency: str = "Expected",
    certainty: str = "Likely",
    expires_at: dt.datetime | None = None,
    sent_at: dt.datetime | None = None,
    previous: Warning | None = None,
    msg_type: str = Warning.MsgType.ALERT,
) -> Warning:
    """3.2.2: warnings of levels I–IV, shown red, orange, yellow and blue (E4)."""
    actor = as_actor(actor)
    require(
        access.can_issue_warning(actor), "发布预警由应急救援指挥部（办公室设在县发展改革局）或县应急局办理。"
    )
    if level not in ("I", "II", "III", "IV"):
        raise ServiceError("level", "预警等级应为I、II、III或IV级。")
    for field, value in (
        ("event", event),
        ("headline", headline),
        ("description", description),
        ("area", area),
    ):
        if not value.strip():
            raise ServiceError(field, "此项必填。")
    if urgency not in ("Immediate", "Expected", "Future", "Past", "Unknown"):
        raise ServiceError("urgency", "紧急程度应为 CAP 1.2 的取值之一。")
    if certainty not in ("Observed", "Likely", "Possible", "Unlikely", "Unknown"):
        raise ServiceError("certainty", "确定性应为 CAP 1.2 的取值之一。")
    sent_at = _now(sent_at).replace(microsecond=0)
    if expires_at is not None and expires_at <= sent_at:
        raise ServiceError("expires_at", "失效时间应晚于发布时间。")
    colour = warning_colour_terms(level=level, on=timezone.localdate(sent_at)).data["colour"]
    warning = Warning.objects.create(
        identifier=f"cn.gaoqing.countyhall.warning.{uuid.uuid4()}",
        msg_type=msg_type,
        previous=previous,
        enterprise=enterprise,
        level=level,
        colour=colour,
        event=event.strip(),
        headline=headline.strip(),
        description=description.strip(),
        instruction=instruction.strip(),
        area=area.strip(),
        urgency=urgency,
        certainty=certainty,
        sent_at=sent_at,
        expires_at=expires_at,
        sender_name=_sender(actor),
        issued_by=actor_user(actor),
    )
    recipients = ["县应急局", "应急救援指挥部办公室"] + (
        [enterprise.organisation.name]
        if enterprise
        else [e.organisation.name for e in PowerEnterprise.objects.select_related("organisation")]
    )
    _notify_names(
        recipients,
        subject=f"{warning.get_msg_type_display()}{colour}预警：{warning.headline}",
        body=warning.description,
        source=warning,
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, instance=warning, after=model_snapshot(warning)
    )
    return warning


def _current(previous: Warning) -> None:
    if previous.msg_type == Warning.MsgType.CANCEL:
        raise ServiceError("previous", "该预警已解除。")
    if previous.successors.exists():
        raise ServiceError("previous", "该预警已有更新，请在最新一版上操作。")


@transaction.atomic
def warning_update(*, actor, previous: Warning, **fields) -> Warning:
    require(access.can_issue_warning(as_actor(actor)), "更新预警由应急救援指挥部或县应急局办理。")
    _current(previous)
    values = {
        name: fields.get(name, getattr(previous, name))
        for name in (
            "level",
            "event",
            "headline",
            "description",
            "area",
            "instruction",
            "urgency",
            "certainty",
            "expires_at",
        )
    }
    return warning_issue(
        actor=actor,
        enterprise=previous.enterprise,
        previous=previous,
        msg_type=Warning.MsgType.UPDATE,
        sent_at=fields.get("sent_at"),
        **values,
    )


@transaction.atomic
def warning_cancel(*, actor, previous: Warning, reason: str, sent_at: dt.datetime | None = None) -> Warning:
    require(access.can_issue_warning(as_actor(actor)), "解除预警由应急救援指挥部或县应急局办理。")
    _current(previous)
    if not reason.strip():
        raise ServiceError("reason", "请写明解除原因。")
    return warning_issue(
        actor=actor,
        enterprise=previous.enterprise,
        previous=previous,
        msg_type=Warning.MsgType.CANCEL,
        level=previous.level,
        event=previous.event,
        headline=f"解除：{previous.headline}",
        description=reason,
        area=previous.area,
        urgency="Past",
        certainty=previous.certainty,
        sent_at=sent_at,
    )


# ---------------------------------------------------------------- drills


@transaction.atomic
def drill_record(
    *,
    actor,
    enterprise: PowerEnterprise,
    held_on: dt.date,
    scenario: str,
    participants: int | None = None,
    summary: str = "",
) -> Drill:
    actor = as_actor(actor)
    require(access.can_record_drill(actor, enterprise), "只能登记本企业的演练。", field="enterprise")
    if not scenario.strip():
        raise ServiceError("scenario", "请填写演练科目。")
    if held_on > business_date():
        raise ServiceError("held_on", "演练日期不能晚于今天。")
    model_integer(Drill, "participants", participants, high=MAX_PERSONS)
    drill = Drill.objects.create(
        enterprise=enterprise,
        held_on=held_on,
        scenario=scenario.strip(),
        participants=participants,
        summary=summary.strip(),
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=drill, after=model_snapshot(drill))
    return drill
