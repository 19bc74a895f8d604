from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.services.audit import audit_record
from countyhall.core.web import is_ascii_int

from .models import Clause, Document, GazetteIssue, PersonnelDecision
from .parser import GazetteParseError, ParsedDocument, parse_gazette


@dataclass
class IngestReport:
    created: list[str]
    updated: list[str]
    unchanged: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _write_document(issue: GazetteIssue, order: int, parsed: ParsedDocument, existing: Document | None) -> Document:
    fields = dict(
        issue=issue, order=order, year=parsed.year, serial=parsed.serial, issuer=parsed.issuer,
        title=parsed.title, date=parsed.date, kind=parsed.kind, registration_code=parsed.registration_code,
        effective_from=parsed.effective_from, effective_to=parsed.effective_to, recipients=parsed.recipients,
        attachments=parsed.attachments, attachments_printed=parsed.attachments_printed,
        start_line=parsed.start_line, end_line=parsed.end_line, body=parsed.body,
        fingerprint=parsed.fingerprint(),
    )
    if existing is None:
        document = Document.objects.create(number=parsed.number, **fields)
    else:
        document = existing
        for key, value in fields.items():
            setattr(document, key, value)
        document.save()
        document.clauses.all().delete()
        document.personnel_decisions.all().delete()
    by_anchor: dict[str, Clause] = {}
    for parsed_clause in parsed.clauses:
        clause = Clause.objects.create(
            document=document,
            parent=by_anchor.get(parsed_clause.parent_anchor) if parsed_clause.parent_anchor else None,
            order=parsed_clause.order, anchor=parsed_clause.anchor, path=parsed_clause.path,
            label=parsed_clause.label, level=parsed_clause.level, heading=parsed_clause.heading,
            text=parsed_clause.text, line=parsed_clause.line, end_line=parsed_clause.end_line,
        )
        by_anchor[clause.anchor] = clause
    PersonnelDecision.objects.bulk_create(
        PersonnelDecision(document=document, order=i, person=p.person, action=p.action, position=p.position,
                          probation=p.probation, term=p.term, line=p.line)
        for i, p in enumerate(parsed.personnel)
    )
    return document


@transaction.atomic
def gazette_ingest(*, path: Path, actor, issue_title: str = "") -> IngestReport:
    """Parse the gazette text at `path` and store its documents; the same text a second time changes nothing."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ServiceError("path", f"找不到公报文件：{path}") from None
    except UnicodeDecodeError as exc:
        raise ServiceError("path", f"公报文件不是 UTF-8 文本（第 {text_line_of(path, exc.start)} 行附近）") from None
    try:
        parsed = parse_gazette(text)
    except GazetteParseError as exc:
        raise ServiceError("line", str(exc)) from exc
    title = issue_title or _issue_title(parsed.description, path)
    issue, _ = GazetteIssue.objects.get_or_create(title=title, defaults={"source_sha256": parsed.source_sha256})
    if issue.source_sha256 != parsed.source_sha256 or issue.description != parsed.description:
        issue.source_sha256, issue.description = parsed.source_sha256, parsed.description
        issue.save()
    report = IngestReport(created=[], updated=[], unchanged=[])
    existing = {d.number: d for d in Document.objects.filter(number__in=[p.number for p in parsed.documents])}
    for order, parsed_document in enumerate(parsed.documents, start=1):
        current = existing.get(parsed_document.number)
        if current is not None and current.fingerprint == parsed_document.fingerprint() and current.order == order:
            report.unchanged.append(parsed_document.number)
            continue
        before = {"fingerprint": current.fingerprint, "title": current.title} if current else None
        document = _write_document(issue, order, parsed_document, current)
        (report.updated if current else report.created).append(document.number)
        audit_record(
            actor=actor, action=AuditEntry.Action.INGEST, instance=document, before=before,
            after={"fingerprint": document.fingerprint, "title": document.title,
                   "clauses": len(parsed_document.clauses)},
            note=f"从 {Path(path).name} 导入",
        )
    return report


def text_line_of(path: Path, byte_offset: int) -> int:
    return Path(path).read_bytes()[:byte_offset].count(b"\n") + 1


def _issue_title(description: str, path: Path) -> str:
    # The seed's file name carries the year and the issue (…-2021-03.txt); the text itself does not print it.
    stem = Path(path).stem
    parts = stem.rsplit("-", 2)
    if len(parts) == 3 and is_ascii_int(parts[1]) and is_ascii_int(parts[2]):
        return f"《高青县人民政府公报》{parts[1]}年第{int(parts[2])}期"
    return f"《高青县人民政府公报》{stem}"
