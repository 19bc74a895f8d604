"""Elders: registration by 身份证号 (once per person), 特困 status, death and moving away, Excel import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from countyhall.canteens.models import Elder, TekunStatus
from countyhall.core.errors import ServiceError
from countyhall.core.excel import ImportReport, ImportRowError, cell_date, cell_text, sheet_rows
from countyhall.core.identity import IdNumberError, parse_id_number
from countyhall.core.models import AuditEntry, Division, Person
from countyhall.core.reports import workbook_bytes
from countyhall.core.roles import Capability
from countyhall.core.services.audit import audit_record, model_snapshot
from countyhall.core.services.people import person_register


def _check_editor(actor, division: Division) -> None:
    if isinstance(actor, str):
        return
    if not actor.can(Capability.PERSON_EDIT):
        raise ServiceError("actor", "当前角色无权登记助餐老人。")
    scope = actor.scope_division
    if scope is None or not scope.contains(division):
        raise ServiceError("division", "只能登记本人数据范围内的老人。")


@transaction.atomic
def elder_register(*, actor, id_number: str, name: str, division: Division, gaoqing_hukou: bool,
                   address: str = "", phone: str = "", card_number: str = "") -> Elder:
    """Register an elder; the person is created once by 身份证号 and reused if already known."""
    _check_editor(actor, division)
    try:
        parsed = parse_id_number(id_number)
    except IdNumberError as exc:
        raise ServiceError("id_number", str(exc)) from None
    person = Person.objects.filter(id_number=parsed.value).first()
    if person is None:
        person = person_register(actor=actor, id_number=parsed.value, name=name, division=division,
                                 address=address, phone=phone)
    elif Elder.objects.filter(person=person).exists():
        raise ServiceError("id_number", "该老人已登记，同一人只能登记一次。")
    card = card_number.strip() or None
    if card and Elder.objects.filter(card_number=card).exists():
        raise ServiceError("card_number", f"就餐卡号 {card} 已被其他老人使用。")
    elder = Elder.objects.create(person=person, gaoqing_hukou=gaoqing_hukou, card_number=card)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=elder, after=model_snapshot(elder))
    return elder


@transaction.atomic
def tekun_status_add(*, actor, elder: Elder, source: str, valid_from: dt.date, valid_to: dt.date | None = None
                     ) -> TekunStatus:
    _check_editor(actor, elder.person.division)
    if not source.strip():
        raise ServiceError("source", "请填写特困人员认定依据。")
    if valid_to is not None and valid_to < valid_from:
        raise ServiceError("valid_to", "终止日期不能早于起始日期。")
    overlapping = elder.tekun_periods.filter(valid_from__lte=valid_to or dt.date.max).exclude(
        valid_to__lt=valid_from)
    if overlapping.exists():
        raise ServiceError("valid_from", "与已有的特困认定期间重叠。")
    status = TekunStatus.objects.create(elder=elder, source=source.strip(), valid_from=valid_from, valid_to=valid_to)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, instance=status, after=model_snapshot(status),
                 object_repr=f"老人 #{elder.pk} 特困认定")
    return status


@transaction.atomic
def elder_mark_left(*, actor, elder: Elder, died_on: dt.date | None = None, moved_away_on: dt.date | None = None
                    ) -> Elder:
    """Record a death or a move away; lunches after that day are refused and reported as suspicious."""
    _check_editor(actor, elder.person.division)
    if died_on is None and moved_away_on is None:
        raise ServiceError("died_on", "请填写死亡日期或迁出日期。")
    before = model_snapshot(elder)
    if died_on is not None:
        elder.died_on = died_on
    if moved_away_on is not None:
        elder.moved_away_on = moved_away_on
    elder.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=elder, before=before,
                 after=model_snapshot(elder))
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
]
YES = {"是", "Y", "y", "yes", "1", "TRUE", "True", "true"}
NO = {"否", "N", "n", "no", "0", "FALSE", "False", "false"}


def elder_import_template() -> bytes:
    example = ["37032219480512001X", "张某某", "是", "370322101201001", "青城镇河口村", "13800000000", "A0001",
               "", ""]
    return workbook_bytes(sheet_title="助餐老人", headers=[c[1] for c in IMPORT_COLUMNS], rows=[example])


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


def _parse_rows(content: bytes, actor) -> tuple[list[_Row], list[ImportRowError], int]:
    rows = sheet_rows(content, [c[1] for c in IMPORT_COLUMNS])
    divisions = {d.code: d for d in Division.objects.all()}
    scope = None if isinstance(actor, str) else actor.scope_division
    parsed: list[_Row] = []
    errors: list[ImportRowError] = []
    seen_ids: dict[str, int] = {}
    seen_cards: dict[str, int] = {}
    count = 0
    for number, values in rows:
        data = {key: values[i] for i, (key, _, _) in enumerate(IMPORT_COLUMNS)}
        count += 1
        row_errors = []
        for key, label, required in IMPORT_COLUMNS:
            if required and cell_text(data[key]) == "":
                row_errors.append(ImportRowError(number, label, "必填"))
        id_number = cell_text(data["id_number"]).upper()
        if id_number:
            try:
                id_number = parse_id_number(id_number).value
            except IdNumberError as exc:
                row_errors.append(ImportRowError(number, "身份证号", str(exc)))
            if id_number in seen_ids:
                row_errors.append(ImportRowError(number, "身份证号", f"与第 {seen_ids[id_number]} 行重复"))
            seen_ids.setdefault(id_number, number)
        hukou_text = cell_text(data["gaoqing_hukou"])
        if hukou_text and hukou_text not in YES | NO:
            row_errors.append(ImportRowError(number, "高青县户籍（是/否）", "应填“是”或“否”"))
        division = divisions.get(cell_text(data["division_code"]))
        if cell_text(data["division_code"]) and division is None:
            row_errors.append(ImportRowError(number, "居住地区划代码（自然村/社区）", "未知的区划代码"))
        elif division is not None and scope is not None and not scope.contains(division):
            row_errors.append(ImportRowError(number, "居住地区划代码（自然村/社区）", "不在您的数据范围内"))
        card = cell_text(data["card_number"])
        if card:
            if card in seen_cards:
                row_errors.append(ImportRowError(number, "就餐卡号", f"与第 {seen_cards[card]} 行重复"))
            seen_cards.setdefault(card, number)
        try:
            tekun_from = cell_date(data["tekun_from"])
        except ValueError:
            row_errors.append(ImportRowError(number, "特困认定起始日期", "日期格式应为 YYYY-MM-DD"))
            tekun_from = None
        if bool(cell_text(data["tekun_source"])) != bool(tekun_from):
            row_errors.append(ImportRowError(number, "特困认定依据", "特困认定依据与起始日期须同时填写"))
        if row_errors:
            errors.extend(row_errors)
            continue
        parsed.append(_Row(number=number, id_number=id_number, name=cell_text(data["name"]),
                           gaoqing_hukou=hukou_text in YES, division=division, address=cell_text(data["address"]),
                           phone=cell_text(data["phone"]), card_number=card, tekun_source=cell_text(data["tekun_source"]),
                           tekun_from=tekun_from))
    return parsed, errors, count


def _apply_row(actor, row: _Row) -> str:
    """'created', 'updated' or 'unchanged': a re-import of the same file changes nothing."""
    elder = Elder.objects.select_related("person").filter(person__id_number=row.id_number).first()
    if elder is None:
        elder = elder_register(actor=actor, id_number=row.id_number, name=row.name, division=row.division,
                               gaoqing_hukou=row.gaoqing_hukou, address=row.address, phone=row.phone,
                               card_number=row.card_number)
        outcome = "created"
    else:
        person = elder.person
        before = (person.name, person.division_id, person.address, person.phone, elder.gaoqing_hukou,
                  elder.card_number or "")
        after = (row.name, row.division.pk, row.address, row.phone, row.gaoqing_hukou, row.card_number)
        outcome = "unchanged"
        if before != after:
            snapshot = {"person": model_snapshot(person), "elder": model_snapshot(elder)}
            person.name, person.division, person.address, person.phone = row.name, row.division, row.address, row.phone
            person.save()
            elder.gaoqing_hukou, elder.card_number = row.gaoqing_hukou, row.card_number or None
            elder.save()
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, instance=elder, before=snapshot,
                         after={"person": model_snapshot(person), "elder": model_snapshot(elder)}, note="Excel 导入更新")
            outcome = "updated"
    if row.tekun_from and not elder.tekun_periods.filter(valid_from=row.tekun_from).exists():
        tekun_status_add(actor=actor, elder=elder, source=row.tekun_source, valid_from=row.tekun_from)
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def elder_import(*, actor, content: bytes, mode: str = "all_or_nothing") -> ImportReport:
    """Import elders from the template. mode 'all_or_nothing': any bad row stops the whole file;
    'valid_only': the valid rows go in and the bad rows are reported. Either way nothing is half-written."""
    if mode not in ("all_or_nothing", "valid_only"):
        raise ServiceError("mode", "导入方式应为 all_or_nothing（全部或全不）或 valid_only（只导入有效行）。")
    rows, errors, count = _parse_rows(content, actor)
    report = ImportReport(mode=mode, rows=count, errors=errors)
    if errors and mode == "all_or_nothing":
        return report
    with transaction.atomic():
        card_owner = dict(Elder.objects.exclude(card_number=None).values_list("card_number", "person__id_number"))
        for row in rows:
            owner = card_owner.get(row.card_number)
            if row.card_number and owner and owner != row.id_number:
                report.errors.append(ImportRowError(row.number, "就餐卡号", "已被其他老人使用"))
                continue
            try:
                with transaction.atomic():
                    outcome = _apply_row(actor, row)
            except ServiceError as exc:
                report.errors.append(ImportRowError(row.number, exc.field, exc.message))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        if report.errors and mode == "all_or_nothing":
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
            return report
        audit_record(actor=actor, action=AuditEntry.Action.INGEST, object_type="canteens.Elder",
                     object_repr="助餐老人 Excel 导入",
                     after={"rows": count, "created": report.created, "updated": report.updated,
                            "unchanged": report.unchanged, "errors": len(report.errors), "mode": mode})
    report.applied = True
    report.errors.sort(key=lambda e: e.row)
    return report
