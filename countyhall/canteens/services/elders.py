"""Elders: registration by 身份证号 (once per person), 特困 status, death and moving away, Excel import."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field

from django.db import transaction

from countyhall.canteens import access
from countyhall.canteens.models import Elder, ElderCorrection, TekunStatus
from countyhall.core.access import AccessDenied, require
from countyhall.core.actors import as_actor
from countyhall.core.clock import business_date, chinese_date
from countyhall.core.errors import ServiceError
from countyhall.core.excel import ImportReport, ImportRowError, cell_date, cell_text, sheet_rows
from countyhall.core.identity import (
    IdNumber,
    IdNumberError,
    check_digit,
    full_years,
    mask_id_number,
    mask_name,
    parse_id_number,
)
from countyhall.core.models import AuditEntry, Division, Person
from countyhall.core.reports import workbook_bytes
from countyhall.core.services.audit import (
    audit_personal_read,
    audit_record,
    history_text,
    model_snapshot,
)
from countyhall.core.services.people import person_register


def _person_snapshot(person: Person) -> dict:
    """A Person for the audit log, masked: the auditor reads names and ID numbers only masked (core Person
    declares no AUDIT_MASKED_FIELDS, so the elder services mask the fields they put into a snapshot)."""
    data = model_snapshot(person)
    data["name"] = mask_name(person.name)
    data["id_number"] = mask_id_number(person.id_number)
    for key in ("address", "phone"):
        if data.get(key):
            data[key] = "（已脱敏）"
    return data


# A mobile number (11 digits from 13–19) or a landline with or without its area code (0533-6912345).
PHONE_PATTERN = re.compile(r"1[3-9]\d{9}|(0\d{2,3}-?)?[2-9]\d{6,7}")


def phone_problem(phone: str) -> str | None:
    """Why a phone number cannot be right, or None (empty is allowed: the field is optional)."""
    value = (phone or "").strip().replace(" ", "")
    if not value or PHONE_PATTERN.fullmatch(value):
        return None
    return "联系电话格式不正确：手机号为 11 位数字（以 1 开头），固定电话如 0533-6912345。"


def age_warning(birth_date: dt.date, on: dt.date | None = None) -> str | None:
    """A1 (L975): the lunch subsidy is for elders aged 60 or more (周岁 on the meal date). Registering a younger
    person is allowed (the record is ready when they turn 60) but flagged: until then the counter refuses."""
    on = on or business_date()
    age = full_years(birth_date, on)
    if age >= 60:
        return None
    turns = (
        birth_date.replace(year=birth_date.year + 60)
        if not (birth_date.month == 2 and birth_date.day == 29)
        else dt.date(birth_date.year + 60, 3, 1)
    )
    return f"该老人现年 {age} 周岁，未满 60 周岁；{chinese_date(turns)} 满 60 周岁前就餐不享受助餐补贴。"


def _out_of_scope_message(actor) -> str:
    scope = getattr(actor, "scope_division", None)
    where = scope.name if scope is not None else "您的数据范围"
    return f"该身份证号登记的人员不在您的数据范围内（居住在{where}以外），不能通过导入修改"


@transaction.atomic
def elder_register(
    *,
    actor,
    id_number: str,
    name: str,
    division: Division,
    gaoqing_hukou: bool,
    address: str = "",
    phone: str = "",
    card_number: str = "",
) -> Elder:
    """Register an elder; the person is created once by 身份证号 and reused if already known.

    A known person is reused only when they live in the actor's scope: otherwise a town could attach (and
    then see) a resident of another town by typing their 身份证号."""
    actor = as_actor(actor)
    require(
        access.can_register_elder(actor, division), "只能登记居住在本人数据范围内的老人。", field="division"
    )
    problem = phone_problem(phone)
    if problem:
        raise ServiceError("phone", problem)
    try:
        parsed = parse_id_number(id_number)
    except IdNumberError as exc:
        raise ServiceError("id_number", str(exc)) from None
    person = Person.objects.select_related("division").filter(id_number=parsed.value).first()
    if person is not None and not access.can_register_elder(actor, person.division):
        raise AccessDenied(
            "该身份证号登记的人员不在您的数据范围内，不能登记为本辖区的助餐老人。", field="id_number"
        )
    if person is None:
        person = person_register(
            actor=actor, id_number=parsed.value, name=name, division=division, address=address, phone=phone
        )
    elif Elder.objects.filter(person=person).exists():
        raise ServiceError("id_number", "该老人已登记，同一人只能登记一次。")
    card = card_number.strip() or None
    if card and Elder.objects.filter(card_number=card).exists():
        raise ServiceError("card_number", f"就餐卡号 {card} 已被其他老人使用。")
    elder = Elder.objects.create(person=person, gaoqing_hukou=gaoqing_hukou, card_number=card)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=elder, after=model_snapshot(elder))
    return elder


@transaction.atomic
def tekun_status_add(
    *,
    actor,
    elder: Elder,
    source: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    support: str = TekunStatus.Support.DISPERSED,
) -> TekunStatus:
    """Record a 特困 status with its 供养方式: only 分散供养 get the rural free lunch (五、（一）2, L1219)."""
    actor = as_actor(actor)
    if support not in TekunStatus.Support.values:
        raise ServiceError("support", "请选择供养方式（分散供养或集中供养）。")
    require(access.can_edit_elder(actor, elder), "只能为居住在本人数据范围内的老人登记特困认定。")
    if not source.strip():
        raise ServiceError("source", "请填写特困人员认定依据。")
    if valid_to is not None and valid_to < valid_from:
        raise ServiceError("valid_to", "终止日期不能早于起始日期。")
    overlapping = elder.tekun_periods.filter(valid_from__lte=valid_to or dt.date.max).exclude(
        valid_to__lt=valid_from
    )
    if overlapping.exists():
        raise ServiceError("valid_from", "与已有的特困认定期间重叠。")
    status = TekunStatus.objects.create(
        elder=elder, source=source.strip(), valid_from=valid_from, valid_to=valid_to, support=support
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=status,
        after=model_snapshot(status),
        object_repr=f"老人 #{elder.pk} 特困认定",
    )
    return status


@transaction.atomic
def elder_mark_left(
    *,
    actor,
    elder: Elder,
    died_on: dt.date | None = None,
    moved_away_on: dt.date | None = None,
    reason: str = "",
) -> Elder:
    """Record a death or a move away; lunches after that day are refused and reported as suspicious.

    The history on the elder's page keeps the entry (and an undo, should it be wrong)."""
    actor = as_actor(actor)
    require(access.can_edit_elder(actor, elder), "只能为居住在本人数据范围内的老人登记死亡或迁出。")
    if died_on is None and moved_away_on is None:
        raise ServiceError("died_on", "请填写死亡日期或迁出日期。")
    if (died_on and died_on > business_date()) or (moved_away_on and moved_away_on > business_date()):
        raise ServiceError(
            "died_on" if died_on and died_on > business_date() else "moved_away_on", "日期不能晚于今天。"
        )
    before = model_snapshot(elder)
    changes = []
    if died_on is not None:
        changes.append(["死亡日期", history_text(elder.died_on), died_on.isoformat()])
        elder.died_on = died_on
    if moved_away_on is not None:
        changes.append(["迁出日期", history_text(elder.moved_away_on), moved_away_on.isoformat()])
        elder.moved_away_on = moved_away_on
    elder.save()
    _correction(actor, elder, ElderCorrection.Kind.MARK_LEFT, changes, reason.strip() or "登记死亡或迁出")
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=elder,
        before=before,
        after=model_snapshot(elder),
        note=reason.strip()[:200],
    )
    return elder


def _correction(actor, elder: Elder, kind: str, changes: list, reason: str) -> ElderCorrection:
    user = actor if not getattr(actor, "is_system", False) else None
    return ElderCorrection.objects.create(
        elder=elder,
        kind=kind,
        changes=changes,
        reason=reason[:300],
        made_by=user,
        made_by_label=str(actor)[:64],
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "请写明更正原因（保留在修改记录中）。")
    if len(reason) > 300:
        raise ServiceError("reason", "更正原因不能超过 300 个字符。")
    return reason


def _masked_changes(changes: list) -> list:
    """The audit log names no one in full: names, phones and addresses masked, the rest as entered."""
    masked = []
    for label, old, new in changes:
        if label == "姓名":
            old, new = mask_name(old), mask_name(new)
        elif label in ("联系电话", "住址"):
            old, new = ("（已脱敏）" if old else ""), ("（已脱敏）" if new else "")
        masked.append([label, old, new])
    return masked


@transaction.atomic
def elder_update(
    *,
    actor,
    elder: Elder,
    reason: str,
    name: str,
    division: Division,
    gaoqing_hukou: bool,
    address: str = "",
    phone: str = "",
    card_number: str = "",
    tekun_support: str = "",
) -> Elder:
    """Correct an elder's record: each changed field is kept (old → new) with the reason, never overwritten away.
    `tekun_support`: the 供养方式 of the elder's latest 特困 period ("" leaves it as it is; L1219).

    The 身份证号 is not edited here: a wrong one is a different person (register anew)."""
    actor = as_actor(actor)
    elder = Elder.objects.select_for_update().select_related("person__division").get(pk=elder.pk)
    require(access.can_correct_elder(actor, elder), "只能修改居住在本人数据范围内的老人。")
    require(access.can_register_elder(actor, division), "新的居住地不在您的数据范围内。", field="division")
    reason = _reason(reason)
    name = (name or "").strip()
    if not name:
        raise ServiceError("name", "请填写姓名。")
    problem = phone_problem(phone)
    if problem:
        raise ServiceError("phone", problem)
    card = (card_number or "").strip() or None
    if card and Elder.objects.filter(card_number=card).exclude(pk=elder.pk).exists():
        raise ServiceError("card_number", f"就餐卡号 {card} 已被其他老人使用。")
    person = elder.person
    changes = []
    for label, old, new in (
        ("姓名", person.name, name),
        ("住址", person.address, address.strip()),
        ("联系电话", person.phone, phone.strip()),
    ):
        if (old or "") != (new or ""):
            changes.append([label, old or "", new or ""])
    if person.division_id != division.pk:
        changes.append(["居住地", person.division.full_name(), division.full_name()])
    if elder.gaoqing_hukou != gaoqing_hukou:
        changes.append(["高青县户籍", history_text(elder.gaoqing_hukou), history_text(gaoqing_hukou)])
    if (elder.card_number or "") != (card or ""):
        changes.append(["就餐卡号", elder.card_number or "", card or ""])
    period = None
    if tekun_support:
        if tekun_support not in TekunStatus.Support.values:
            raise ServiceError("tekun_support", "特困供养方式只能是分散供养或集中供养。")
        period = elder.tekun_periods.order_by("-valid_from").first()
        if period is None:
            raise ServiceError("tekun_support", "该老人没有特困认定，不能修改特困供养方式。")
        if period.support != tekun_support:
            changes.append(
                ["特困供养方式", period.get_support_display(), TekunStatus.Support(tekun_support).label]
            )
        else:
            period = None
    if not changes:
        raise ServiceError("reason", "没有修改任何信息。")
    snapshot = {"person": _person_snapshot(person), "elder": model_snapshot(elder)}
    person.name, person.division, person.address, person.phone = (
        name,
        division,
        address.strip(),
        phone.strip(),
    )
    person.save()
    elder.gaoqing_hukou, elder.card_number = gaoqing_hukou, card
    elder.save()
    if period is not None:
        period_before = model_snapshot(period)
        period.support = tekun_support
        period.save(update_fields=["support"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=period,
            before=period_before,
            after=model_snapshot(period),
            object_repr=f"老人 #{elder.pk} 特困认定",
            note=f"修改供养方式：{reason}"[:200],
        )
    _correction(actor, elder, ElderCorrection.Kind.EDIT, changes, reason)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=elder,
        before=snapshot,
        after={
            "person": _person_snapshot(person),
            "elder": model_snapshot(elder),
            "changes": _masked_changes(changes),
        },
        note=f"修改：{reason}"[:200],
    )
    return elder


@transaction.atomic
def elder_left_undo(*, actor, elder: Elder, what: str, reason: str) -> Elder:
    """Undo a death or a move recorded by mistake (what = "death" | "move"), with a reason; the entry and its
    undoing both stay in the history. Lunches refused meanwhile stay refused: the counter books them late."""
    actor = as_actor(actor)
    elder = Elder.objects.select_for_update().select_related("person__division").get(pk=elder.pk)
    require(access.can_correct_elder(actor, elder), "只能更正居住在本人数据范围内的老人。")
    reason = _reason(reason)
    if what == "death":
        label, old, kind = "死亡日期", elder.died_on, ElderCorrection.Kind.UNDO_DEATH
    elif what == "move":
        label, old, kind = "迁出日期", elder.moved_away_on, ElderCorrection.Kind.UNDO_MOVE
    else:
        raise ServiceError("what", "应撤销死亡登记（death）或迁出登记（move）。")
    if old is None:
        raise ServiceError("what", f"该老人没有{label}，无需撤销。")
    before = model_snapshot(elder)
    if what == "death":
        elder.died_on = None
    else:
        elder.moved_away_on = None
    elder.save()
    _correction(actor, elder, kind, [[label, old.isoformat(), ""]], reason)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=elder,
        before=before,
        after=model_snapshot(elder),
        note=f"{ElderCorrection.Kind(kind).label}：{reason}"[:200],
    )
    return elder


# --- Excel import ---------------------------------------------------------------------------

IMPORT_COLUMNS = [
    ("id_number", "身份证号", True),
    ("name", "姓名", True),
    ("gaoqing_hukou", "高青县户籍（是/否）", True),
    ("division_code", "居住地区划代码（自然村/社区）", True),
    ("address", "住址", False),
    ("phone", "联系电话", False),
    ("card_number", "就餐卡号", False),
    ("tekun_source", "特困认定依据", False),
    ("tekun_from", "特困认定起始日期", False),
    ("tekun_support", "特困供养方式（分散/集中）", False),
]
# 供养方式 as a clerk writes it: only 分散供养 特困人员 get the rural free lunch (五、（一）2, L1219).
SUPPORT_WORDS = {
    "分散": TekunStatus.Support.DISPERSED,
    "分散供养": TekunStatus.Support.DISPERSED,
    "集中": TekunStatus.Support.CENTRALISED,
    "集中供养": TekunStatus.Support.CENTRALISED,
}
SUPPORT_COLUMN = "特困供养方式（分散/集中）"
# 户籍 takes only 是/否 (issue 12): a "1", "Y" or "TRUE" is a clerk's guess the office cannot read back.
IMPORT_LABELS = {key: label for key, label, _ in IMPORT_COLUMNS} | {
    "division": "居住地区划代码（自然村/社区）"
}
YES = {"是"}
NO = {"否"}


_EXAMPLE_ID = "37032219480512001" + check_digit("37032219480512001")


def elder_import_template() -> bytes:
    # The example row must itself import: a valid 身份证号 (GB 11643 check digit) of someone over 60, the
    # demo county's 河口村 code, a well-formed mobile number.
    example = [
        _EXAMPLE_ID,
        "张某某",
        "是",
        "370322101201001",
        "青城镇河口村",
        "13800000000",
        "A0001",
        "",
        "",
        "",
    ]
    return workbook_bytes(sheet_title="助餐老人", headers=[c[1] for c in IMPORT_COLUMNS], rows=[example])


# Overlong text would otherwise reach the database as a DataError (a 500 on PostgreSQL, silently stored on
# SQLite); each is a row error naming the column, with the limit taken from the model field itself.
LENGTH_LIMITS = {
    "name": Person._meta.get_field("name").max_length,
    "address": Person._meta.get_field("address").max_length,
    "phone": Person._meta.get_field("phone").max_length,
    "card_number": Elder._meta.get_field("card_number").max_length,
    "tekun_source": TekunStatus._meta.get_field("source").max_length,
}
IMPORT_MODES = {
    "all_or_nothing": "有错误时全部不导入",
    "valid_only": "只导入有效行，报告错误行",
    "update": "更新已登记老人（先预览变更，确认后导入）",
}


@dataclass
class RowChange:
    """What a row would change (or changed) for a person already known: (field label, old, new)."""

    row: int
    id_number: str  # masked: the list is shown on a page and the full number is in the importer's own file
    name: str
    changes: list[tuple[str, str, str]]
    applied: bool = False


@dataclass
class ElderImportReport(ImportReport):
    """ImportReport plus the rows of elders already registered: left as they are (`existing`) in the default
    modes, or listed with their changes (a preview, nothing stored) and applied on confirmation in mode update."""

    existing: int = 0
    preview: bool = False
    changes: list[RowChange] = field(default_factory=list)
    warnings: list[ImportRowError] = field(default_factory=list)  # imported, but worth a look (age under 60)


@dataclass
class _Row:
    number: int
    id_number: str
    name: str
    gaoqing_hukou: bool
    division: Division
    address: str
    phone: str
    card_number: str
    tekun_source: str
    tekun_from: dt.date | None
    tekun_support: str = TekunStatus.Support.DISPERSED
    parsed: IdNumber | None = (
        None  # the 身份证号 as parsed once (birth date, sex), for the checks and the rows
    )


def _parsed_id(row: _Row) -> IdNumber:
    return row.parsed if row.parsed is not None else parse_id_number(row.id_number)


def _age_warnings(rows: list[_Row]) -> list[ImportRowError]:
    """Rows of people under 60 import, flagged (A1: the subsidy starts at 60 周岁; see age_warning)."""
    warnings = []
    today = business_date()
    for row in rows:
        message = age_warning(_parsed_id(row).birth_date, today)
        if message:
            warnings.append(ImportRowError(row.number, "身份证号", message))
    return warnings


def _parse_rows(content: bytes, actor, progress=None) -> tuple[list[_Row], list[ImportRowError], int, dict]:
    """The rows that passed every check, the errors, how many rows the file has, and the persons already known
    by the rows' 身份证号 (loaded once: the import reuses them)."""
    rows = sheet_rows(content, [c[1] for c in IMPORT_COLUMNS])
    labels = {key: label for key, label, _ in IMPORT_COLUMNS}
    divisions = {d.code: d for d in Division.objects.all()}
    parsed: list[_Row] = []
    errors: list[ImportRowError] = []
    seen_ids: dict[str, int] = {}
    seen_cards: dict[str, int] = {}
    count = 0
    keys = [key for key, _, _ in IMPORT_COLUMNS]
    tekun_from_at = keys.index("tekun_from")
    required_columns = [(key, label) for key, label, required in IMPORT_COLUMNS if required]
    # The scope test per division, once per division rather than once per row (same predicate).
    allowed: dict[int, bool] = {}
    for number, values in rows:
        # Each cell's text once: the checks below read it several times (50,000 rows × 9 cells).
        text = {key: cell_text(values[i]) for i, key in enumerate(keys)}
        count += 1
        if progress is not None and count % 500 == 0:
            progress(count)
        row_errors = []
        for key, label in required_columns:
            if text[key] == "":
                row_errors.append(ImportRowError(number, label, "必填"))
        for key, limit in LENGTH_LIMITS.items():
            length = len(text[key])
            if length > limit:
                row_errors.append(
                    ImportRowError(number, labels[key], f"超过 {limit} 个字符（现为 {length} 个）")
                )
        id_number = text["id_number"].upper()
        parsed_id = None
        if id_number:
            try:
                parsed_id = parse_id_number(id_number)
                id_number = parsed_id.value
            except IdNumberError as exc:
                row_errors.append(ImportRowError(number, "身份证号", str(exc)))
            if id_number in seen_ids:
                row_errors.append(ImportRowError(number, "身份证号", f"与第 {seen_ids[id_number]} 行重复"))
            seen_ids.setdefault(id_number, number)
        hukou_text = text["gaoqing_hukou"]
        if hukou_text and hukou_text not in YES | NO:
            row_errors.append(
                ImportRowError(number, "高青县户籍（是/否）", f"只能填“是”或“否”（收到“{hukou_text[:10]}”）")
            )
        problem = phone_problem(text["phone"])
        if problem and len(text["phone"]) <= LENGTH_LIMITS["phone"]:  # an overlong one is named above
            row_errors.append(ImportRowError(number, "联系电话", problem))
        division = divisions.get(text["division_code"])
        if text["division_code"] and division is None:
            row_errors.append(ImportRowError(number, "居住地区划代码（自然村/社区）", "未知的区划代码"))
        elif division is not None:
            if division.pk not in allowed:
                allowed[division.pk] = access.can_register_elder(actor, division)
            if not allowed[division.pk]:
                row_errors.append(
                    ImportRowError(number, "居住地区划代码（自然村/社区）", "不在您的数据范围内")
                )
        card = text["card_number"]
        if card:
            if card in seen_cards:
                row_errors.append(ImportRowError(number, "就餐卡号", f"与第 {seen_cards[card]} 行重复"))
            seen_cards.setdefault(card, number)
        try:
            tekun_from = cell_date(values[tekun_from_at])
        except ValueError:
            row_errors.append(ImportRowError(number, "特困认定起始日期", "日期格式应为 YYYY-MM-DD"))
            tekun_from = None
        if bool(text["tekun_source"]) != bool(tekun_from):
            row_errors.append(ImportRowError(number, "特困认定依据", "特困认定依据与起始日期须同时填写"))
        support_text = text["tekun_support"]
        support = SUPPORT_WORDS.get(support_text)
        if support_text and support is None:
            row_errors.append(
                ImportRowError(number, SUPPORT_COLUMN, f"只能填“分散”或“集中”（收到“{support_text[:10]}”）")
            )
        elif text["tekun_source"] and support is None:
            row_errors.append(
                ImportRowError(
                    number,
                    SUPPORT_COLUMN,
                    "特困人员须填写供养方式：分散或集中（只有分散供养特困人员在农村长者食堂免费就餐）",
                )
            )
        elif support is not None and not text["tekun_source"] and not tekun_from:
            row_errors.append(ImportRowError(number, SUPPORT_COLUMN, "未填写特困认定时不填供养方式"))
        if row_errors:
            errors.extend(row_errors)
            continue
        parsed.append(
            _Row(
                number=number,
                id_number=id_number,
                name=text["name"],
                gaoqing_hukou=hukou_text in YES,
                division=division,
                address=text["address"],
                phone=text["phone"],
                card_number=card,
                tekun_source=text["tekun_source"],
                tekun_from=tekun_from,
                tekun_support=support or TekunStatus.Support.DISPERSED,
                parsed=parsed_id,
            )
        )
    # A 身份证号 already registered for someone living outside the importer's scope is refused outright, Elder or
    # not: otherwise a town's file would rewrite a resident of another town and move them into the town.
    known = {
        p.id_number: p
        for p in Person.objects.filter(id_number__in=[r.id_number for r in parsed]).select_related("division")
    }
    in_scope: list[_Row] = []
    for row in parsed:
        person = known.get(row.id_number)
        if person is not None and not access.can_register_elder(actor, person.division):
            errors.append(ImportRowError(row.number, "身份证号", _out_of_scope_message(actor)))
        else:
            in_scope.append(row)
    errors.sort(key=lambda e: e.row)
    return in_scope, errors, count, known


def _row_changes(
    person: Person, elder: Elder | None, row: _Row, tekun_dates: dict[tuple[int, dt.date], str] | None = None
) -> list[tuple[str, str, str]]:
    """(field, old → new) between the stored person/elder and the row, in the importer's words.

    `tekun_dates` ((elder id, valid_from) → support of the stored 特困 periods, loaded once for the whole file)
    saves the query per row; without it the elder's periods are asked. A period of the row's date with another
    供养方式 is a change too (only 分散供养 eat free in rural canteens, L1219)."""
    changes = []
    pairs = [
        ("姓名", person.name, row.name),
        ("住址", person.address, row.address),
        ("联系电话", person.phone, row.phone),
    ]
    if person.division_id != row.division.pk:
        changes.append(("居住地", person.division.full_name(), row.division.full_name()))
    if elder is not None:
        pairs += [
            ("高青县户籍", "是" if elder.gaoqing_hukou else "否", "是" if row.gaoqing_hukou else "否"),
            ("就餐卡号", elder.card_number or "", row.card_number),
        ]
        stored = None
        if row.tekun_from:
            stored = (
                tekun_dates.get((elder.pk, row.tekun_from))
                if tekun_dates is not None
                else elder.tekun_periods.filter(valid_from=row.tekun_from)
                .values_list("support", flat=True)
                .first()
            )
        if row.tekun_from and stored is None:
            changes.append(
                (
                    "特困认定",
                    "",
                    f"{row.tekun_from} 起：{row.tekun_source}"
                    f"（{TekunStatus.Support(row.tekun_support).label}）",
                )
            )
        elif row.tekun_from and stored != row.tekun_support:
            changes.append(
                (
                    "特困供养方式",
                    TekunStatus.Support(stored).label,
                    TekunStatus.Support(row.tekun_support).label,
                )
            )
    changes[0:0] = [(label, old or "", new or "") for label, old, new in pairs if (old or "") != (new or "")]
    return changes


# Rows of new elders are written in batches of this many (Person, Elder, 特困 and audit rows: one INSERT each).
IMPORT_BATCH = 1000


def _new_elder_problem(actor, row: _Row, person: Person | None, checked: dict) -> ServiceError | None:
    """What elder_register (and person_register for someone not yet known) would refuse for a new elder whose
    row passed _parse_rows, or None: the checks the bulk path cannot leave to the per-row services.

    What parsing already checked (the division in scope, the phone, the 身份证号, a known person in scope) and
    what the import loop checks (a card already used) cannot fail again here; the person checks depend only on
    the actor and the division, so they are asked once per division (`checked`)."""
    if person is not None or getattr(actor, "is_system", False):
        return (
            None  # a known person is reused as is; system actors register without a scope (person_register)
        )
    key = row.division.pk
    if key not in checked:
        from countyhall.core.permissions import can_register_person
        from countyhall.core.roles import Capability

        if not actor.can(Capability.PERSON_EDIT):
            checked[key] = AccessDenied("当前角色无权登记人员信息。")
        elif not can_register_person(actor, row.division):
            checked[key] = AccessDenied("只能登记本人数据范围内的人员。", field="division")
        else:
            checked[key] = None
    return checked[key]


def _create_elders(actor, new: list[tuple[_Row, Person | None]], progress=None) -> None:
    """Write the new elders in batches: the rows and audit rows elder_register / person_register /
    tekun_status_add write one by one (same content, same order per elder: person, elder, 特困;
    tests/canteens/test_import_speed.py compares them), from plain tuples instead of model instances: COPY on
    PostgreSQL (the ids taken from the tables' sequences first, so each audit row names its object), one
    executemany INSERT per table elsewhere (the ids read back by the unique person and elder columns). Must run
    inside the import's transaction; every row was checked before."""
    from types import SimpleNamespace

    from django.utils import timezone

    from countyhall.core.actors import actor_label, actor_user
    from countyhall.core.db import allocate_ids, insert_rows

    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("_create_elders must run inside the import's transaction")
    sequences = connection.vendor == "postgresql"
    user = actor_user(actor)
    actor_id, label = (user.pk if user is not None else None), actor_label(actor)
    create = AuditEntry.Action.CREATE
    person_type, elder_type, tekun_type = Person._meta.label, Elder._meta.label, TekunStatus._meta.label
    if sequences:
        person_ids = iter(allocate_ids(Person, sum(1 for _, person in new if person is None)))
        elder_ids = iter(allocate_ids(Elder, len(new)))
        tekun_ids = iter(allocate_ids(TekunStatus, sum(1 for row, _ in new if row.tekun_from)))
    person_columns, elder_columns, tekun_columns = _columns(Person), _columns(Elder), _columns(TekunStatus)
    if not sequences:
        person_columns, elder_columns, tekun_columns = (
            person_columns[1:],
            elder_columns[1:],
            tekun_columns[1:],
        )
    # The audit tuples below, in this order (named: the INSERT fails loudly should the table gain a column).
    audit_columns = [
        "at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "note",
    ]
    dumps = json.dumps
    done = 0
    for start in range(0, len(new), IMPORT_BATCH):
        batch = new[start : start + IMPORT_BATCH]
        now = timezone.now()  # auto_now_add / auto_now, one instant per batch
        persons = {}  # row number → the new person's values
        for row, person in batch:
            if person is None:
                parsed = _parsed_id(row)
                persons[row.number] = {
                    "id": next(person_ids) if sequences else None,
                    "id_number": parsed.value,
                    "name": row.name.strip(),
                    "sex": parsed.sex,
                    "birth_date": parsed.birth_date,
                    "division_id": row.division.pk,
                    "address": row.address.strip(),
                    "phone": row.phone.strip(),
                    "created_at": now,
                    "updated_at": now,
                }
        insert_rows(Person, person_columns, [tuple(v[c] for c in person_columns) for v in persons.values()])
        if not sequences and persons:
            _read_ids(Person, "id_number", persons.values())
        elders = {}
        for row, person in batch:
            elders[row.number] = {
                "id": next(elder_ids) if sequences else None,
                "person_id": persons[row.number]["id"] if person is None else person.pk,
                "gaoqing_hukou": row.gaoqing_hukou,
                "card_number": row.card_number.strip() or None,
                "died_on": None,
                "moved_away_on": None,
                "registered_at": now,
                "updated_at": now,
            }
        insert_rows(Elder, elder_columns, [tuple(v[c] for c in elder_columns) for v in elders.values()])
        if not sequences:
            _read_ids(Elder, "person_id", elders.values())
        statuses = {}
        for row, _person in batch:
            if row.tekun_from:
                statuses[row.number] = {
                    "id": next(tekun_ids) if sequences else None,
                    "elder_id": elders[row.number]["id"],
                    "source": row.tekun_source.strip(),
                    "valid_from": row.tekun_from,
                    "valid_to": None,
                    "support": row.tekun_support,
                }
        insert_rows(
            TekunStatus, tekun_columns, [tuple(v[c] for c in tekun_columns) for v in statuses.values()]
        )
        if not sequences and statuses:
            _read_ids(TekunStatus, "elder_id", statuses.values())  # a new elder has one period
        entries = []
        head = (now, actor_id, label, create)  # the columns every row of the batch shares

        def created(object_type: str, model, values: dict, shown: str, head=head, entries=entries) -> None:
            # One "create" audit row in audit_columns' order: the same content audit_record writes per row.
            entries.append(
                (
                    *head,
                    object_type,
                    str(values["id"]),
                    shown[:200],
                    None,
                    dumps(_snapshot(model, values)),
                    "",
                )
            )

        for row, person in batch:
            values = persons.get(row.number)
            if values is not None:
                # The person's own audit_repr and snapshot, as person_register writes them.
                created(
                    person_type,
                    Person,
                    values,
                    Person.audit_repr(SimpleNamespace(pk=values["id"], name=values["name"])),
                )
                name, id_number = values["name"], values["id_number"]
            else:
                name, id_number = person.name, person.id_number
            elder = elders[row.number]
            created(
                elder_type,
                Elder,
                elder,
                Elder.audit_repr(SimpleNamespace(person=SimpleNamespace(name=name, id_number=id_number))),
            )
            status = statuses.get(row.number)
            if status is not None:
                created(tekun_type, TekunStatus, status, f"老人 #{elder['id']} 特困认定")
        if sequences:
            # Ids in the entries' order: the audit log lists an elder's rows as the services wrote them.
            ids = allocate_ids(AuditEntry, len(entries))
            insert_rows(
                AuditEntry,
                ["id", *audit_columns],
                [(pk, *entry) for pk, entry in zip(ids, entries, strict=True)],
            )
        else:
            insert_rows(AuditEntry, audit_columns, entries)
        done += len(batch)
        if progress is not None:
            progress(done)


def _read_ids(model, key: str, rows) -> None:
    """Set "id" in each of `rows` (dicts just inserted without one) from the table, by the unique column `key`."""
    rows = list(rows)
    found: dict = {}
    for start in range(0, len(rows), 500):  # within SQLite's bound on a statement's parameters
        chunk = [r[key] for r in rows[start : start + 500]]
        found.update(
            (value, pk) for pk, value in model.objects.filter(**{f"{key}__in": chunk}).values_list("pk", key)
        )
    for row in rows:
        row["id"] = found[row[key]]


def _snapshot(model, values: dict) -> dict:
    """model_snapshot of a row given as {attname: value} (the bulk path builds no model instances): the same
    fields in the same order, masked by the model's AUDIT_MASKED_FIELDS, JSON-safe (the values here are text,
    numbers, booleans, None, dates and datetimes: json_safe's cases for them, without its recursion)."""
    data = {}
    for attname, mask in _snapshot_fields(model):
        value = values[attname]
        if mask is not None and value:
            value = mask(str(value))
        elif isinstance(value, dt.date):  # datetime too
            value = value.isoformat()
        data[attname] = value
    return data


@functools.cache
def _snapshot_fields(model) -> tuple:
    masked = getattr(model, "AUDIT_MASKED_FIELDS", {})
    return tuple((f.attname, masked.get(f.name)) for f in model._meta.concrete_fields)


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


@transaction.atomic
def _apply_row(actor, row: _Row, *, update: bool) -> tuple[str, RowChange | None]:
    """'created', 'updated', 'unchanged' or 'existing' (known and different, left as is outside mode update).

    A re-import of the same file changes nothing."""
    person = Person.objects.select_related("division").filter(id_number=row.id_number).first()
    elder = Elder.objects.filter(person=person).first() if person is not None else None
    if elder is not None:
        elder.person = person  # one instance, so the audit row names the person as updated
    if elder is None:
        # A new elder; a person already known (in scope, checked when parsing) keeps their record as it is.
        elder = elder_register(
            actor=actor,
            id_number=row.id_number,
            name=row.name,
            division=row.division,
            gaoqing_hukou=row.gaoqing_hukou,
            address=row.address,
            phone=row.phone,
            card_number=row.card_number,
        )
        if row.tekun_from:
            tekun_status_add(
                actor=actor,
                elder=elder,
                source=row.tekun_source,
                valid_from=row.tekun_from,
                support=row.tekun_support,
            )
        return "created", None
    changes = _row_changes(person, elder, row)
    if not changes:
        return "unchanged", None
    change = RowChange(
        row=row.number, id_number=mask_id_number(person.id_number), name=person.name, changes=changes
    )
    if not update:
        return "existing", change
    require(access.can_edit_elder(actor, elder), _out_of_scope_message(actor), field="身份证号")
    snapshot = {"person": _person_snapshot(person), "elder": model_snapshot(elder)}
    person.name, person.division, person.address, person.phone = (
        row.name,
        row.division,
        row.address,
        row.phone,
    )
    person.save()
    elder.gaoqing_hukou, elder.card_number = row.gaoqing_hukou, row.card_number or None
    elder.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=elder,
        before=snapshot,
        after={
            "person": _person_snapshot(person),
            "elder": model_snapshot(elder),
            "changed": [label for label, _, _ in changes],
        },
        note="Excel 导入更新",
    )
    # The elder's page lists every correction: an import's change is one too, as a clerk's edit would be.
    _correction(
        actor,
        elder,
        ElderCorrection.Kind.EDIT,
        [list(c) for c in changes],
        f"Excel 导入更新（第{row.number}行）",
    )
    period = elder.tekun_periods.filter(valid_from=row.tekun_from).first() if row.tekun_from else None
    if row.tekun_from and period is None:
        tekun_status_add(
            actor=actor,
            elder=elder,
            source=row.tekun_source,
            valid_from=row.tekun_from,
            support=row.tekun_support,
        )
    elif period is not None and period.support != row.tekun_support:
        before = model_snapshot(period)
        period.support = row.tekun_support
        period.save(update_fields=["support"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=period,
            before=before,
            after=model_snapshot(period),
            note="Excel 导入更新：特困供养方式",
        )
    change.applied = True
    return "updated", change


def elder_import(
    *, actor, content: bytes, mode: str = "all_or_nothing", confirm: bool = False, progress=None
) -> ElderImportReport:
    """Import elders from the template. Nothing is ever half-written.

    mode 'all_or_nothing': any bad row stops the whole file; 'valid_only': the valid rows go in and the bad rows
    are reported. In both, elders already registered are left as they are and reported (`existing`).
    mode 'update': the same rules as all_or_nothing, and elders already registered in the importer's scope are
    updated — but only with `confirm=True`; without it the import runs as a dry run (rolled back) and the
    report lists, per row, field: old → new, for the importer to confirm.

    `progress(done, total)` (a background job's bar, core.jobs): reading the file is the first half of the
    total, writing the rows the second; while the file is read the total is not known yet and is given as 0."""
    if mode not in IMPORT_MODES:
        raise ServiceError(
            "mode",
            "导入方式应为 all_or_nothing（全部或全不）、valid_only（只导入有效行）"
            "或 update（预览并更新已登记老人）。",
        )
    actor = as_actor(actor)
    require(access.can_import_elders(actor), "只有县民政局或镇（街道）工作人员可以导入助餐老人。")
    update = mode == "update"
    stop_on_error = mode != "valid_only"
    rows, errors, count, known = _parse_rows(
        content, actor, (lambda done: progress(done, 0)) if progress else None
    )
    if progress:
        progress(count, 2 * count or 1)
    report = ElderImportReport(
        mode=mode, rows=count, errors=errors, preview=update and not confirm, warnings=_age_warnings(rows)
    )
    # The valid rows are tried even when some rows failed to parse and nothing will be kept: an
    # all-or-nothing report then lists every error the valid-only report would (a card already used, …).
    with transaction.atomic():
        card_owner = dict(
            Elder.objects.exclude(card_number=None).values_list("card_number", "person__id_number")
        )
        # What the rows need from the database, in a few set-based queries instead of several per row: the
        # persons by 身份证号 (loaded once, by _parse_rows), their elders, and those elders' 特困 periods (for the
        # unchanged/changed test).
        wanted = {r.id_number for r in rows}
        known = {id_number: person for id_number, person in known.items() if id_number in wanted}
        elders = {e.person_id: e for e in Elder.objects.filter(person__in=list(known.values()))}
        tekun_dates = {
            (elder_id, valid_from): support
            for elder_id, valid_from, support in TekunStatus.objects.filter(
                elder__in=list(elders.values())
            ).values_list("elder_id", "valid_from", "support")
        }
        new: list[tuple[_Row, Person | None]] = []  # rows of new elders, written in batches below
        checked: dict = {}
        for index, row in enumerate(rows, start=1):
            if progress and index % 500 == 0:
                progress(count + index - len(new), 2 * count)
            owner = card_owner.get(row.card_number)
            if row.card_number and owner and owner != row.id_number:
                report.errors.append(ImportRowError(row.number, "就餐卡号", "已被其他老人使用"))
                continue
            person = known.get(row.id_number)
            elder = elders.get(person.pk) if person is not None else None
            try:
                if elder is None:
                    # A new elder; a person already known (in scope, checked when parsing) keeps their record.
                    problem = _new_elder_problem(actor, row, person, checked)
                    if problem is not None:
                        raise problem
                    new.append((row, person))
                    outcome, change = "created", None
                elif update and _row_changes(person, elder, row, tekun_dates):
                    # Updating an existing elder keeps the per-row path (its checks, savepoint and audit row).
                    with transaction.atomic():
                        outcome, change = _apply_row(actor, row, update=update)
                else:
                    elder.person = person
                    changes = _row_changes(person, elder, row, tekun_dates)
                    change = (
                        RowChange(
                            row=row.number,
                            id_number=mask_id_number(person.id_number),
                            name=person.name,
                            changes=changes,
                        )
                        if changes
                        else None
                    )
                    outcome = "existing" if changes else "unchanged"
            except ServiceError as exc:
                # The clerk reads the column's heading, not the service's field key.
                report.errors.append(
                    ImportRowError(row.number, IMPORT_LABELS.get(exc.field, "身份证号"), exc.message)
                )
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
            if change is not None:
                report.changes.append(change)
        # The new elders are written only when they are kept: a file refused as a whole, or an update's preview
        # (rolled back below), needs only the counts, which are already known.
        if new and not (report.errors and stop_on_error) and not report.preview:
            handled = len(rows) - len(new)
            _create_elders(
                actor, new, (lambda done: progress(count + handled + done, 2 * count)) if progress else None
            )
        report.errors.sort(key=lambda e: e.row)
        if report.errors and stop_on_error:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = report.existing = 0
            report.changes = []
            return report
        if report.preview:
            # The dry run: every write above (and its audit rows) is undone; the counts say what would happen.
            transaction.set_rollback(True)
            for change in report.changes:
                change.applied = False
        else:
            audit_record(
                actor=actor,
                action=AuditEntry.Action.INGEST,
                object_type="canteens.Elder",
                object_repr="助餐老人 Excel 导入",
                after={
                    "rows": count,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "existing": report.existing,
                    "errors": len(report.errors),
                    "mode": mode,
                },
            )
    if report.preview:
        # The preview shows stored names and addresses next to the file's: a staff read of personal data.
        audit_personal_read(
            actor=actor,
            what="助餐老人导入预览",
            object_type="canteens.Elder",
            count=len(report.changes),
            filters={"mode": mode, "rows": count},
            masked=False,
        )
        return report
    report.applied = True
    return report
