from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction

from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.services.audit import audit_record
from countyhall.core.web import is_ascii_int

from .models import Clause, Document, DocumentVersion, GazetteIssue, PersonnelDecision
from .parser import ParsedDocument, ParsedGazette, read_text
from .search import index_document, is_indexed

# The files a folder ingest reads: plain text, as the gazette and the documents are published for re-use.
TEXT_SUFFIXES = (".txt",)


@dataclass
class IngestProblem:
    """A document that was not stored: the file, the line and the reason."""

    file: str
    line: int
    message: str

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        return f"{self.file} 第 {self.line} 行：{self.message}"


@dataclass
class IngestReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(
        default_factory=list
    )  # a new version, or the same text read anew by the parser
    unchanged: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)  # of `updated`: those whose text changed
    problems: list[IngestProblem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "new_versions": self.new_versions,
            "problems": [p.as_dict() for p in self.problems],
        }


def _snapshot(parsed: ParsedDocument) -> dict:
    """What the parser read from one version's text, kept with the version (JSON-ready; the paragraphs are the
    version's body)."""
    data = asdict(parsed)
    data.pop("paragraphs")
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def _write_document(
    issue: GazetteIssue | None, order: int, parsed: ParsedDocument, existing: Document | None, source: str
) -> Document:
    fields = dict(
        issue=issue,
        order=order,
        year=parsed.year,
        serial=parsed.serial,
        issuer=parsed.issuer,
        issuers=parsed.issuers,
        numbered=parsed.numbered,
        number_as_printed=parsed.number_as_printed,
        title=parsed.title,
        date=parsed.date,
        kind=parsed.kind,
        registration_code=parsed.registration_code,
        effective_from=parsed.effective_from,
        effective_to=parsed.effective_to,
        recipients=parsed.recipients,
        attachments=parsed.attachments,
        attachments_printed=parsed.attachments_printed,
        start_line=parsed.start_line,
        end_line=parsed.end_line,
        body=parsed.body,
        fingerprint=parsed.fingerprint(),
        text_sha256=parsed.text_sha256,
        source=source,
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
            order=parsed_clause.order,
            anchor=parsed_clause.anchor,
            path=parsed_clause.path,
            label=parsed_clause.label,
            level=parsed_clause.level,
            heading=parsed_clause.heading,
            text=parsed_clause.text,
            line=parsed_clause.line,
            end_line=parsed_clause.end_line,
        )
        by_anchor[clause.anchor] = clause
    PersonnelDecision.objects.bulk_create(
        PersonnelDecision(
            document=document,
            order=i,
            person=p.person,
            action=p.action,
            position=p.position,
            acting=p.acting,
            probation=p.probation,
            probation_months=p.probation_months,
            term=p.term,
            term_months=p.term_months,
            line=p.line,
        )
        for i, p in enumerate(parsed.personnel)
    )
    return document


def _keep_version(document: Document, parsed: ParsedDocument, source: str) -> DocumentVersion:
    """Record the document's current text as its version `document.version` (replacing what the parser read
    from that same text before)."""
    version, _ = DocumentVersion.objects.update_or_create(
        document=document,
        version=document.version,
        defaults=dict(
            text_sha256=parsed.text_sha256,
            fingerprint=parsed.fingerprint(),
            source=source,
            title=parsed.title,
            date=parsed.date,
            body=parsed.body,
            parsed=_snapshot(parsed),
        ),
    )
    return version


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ServiceError("path", f"找不到文件：{path}") from None
    except IsADirectoryError:
        raise ServiceError("path", f"{path} 是目录") from None
    except UnicodeDecodeError as exc:
        raise ServiceError(
            "path", f"{path.name} 不是 UTF-8 文本（第 {text_line_of(path, exc.start)} 行附近）"
        ) from None


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
        if not files:
            raise ServiceError("path", f"目录 {path} 中没有 .txt 文件")
        return files
    if not path.exists():
        raise ServiceError("path", f"找不到文件：{path}")
    return [path]


def _is_issue(parsed: ParsedGazette, path: Path) -> bool:
    """A gazette issue (its documents filed under a GazetteIssue) rather than a document file of its own: the
    text carries the gazette's description, several documents, or the seed's name (…-2021-03.txt)."""
    parts = path.stem.rsplit("-", 2)
    named = len(parts) == 3 and is_ascii_int(parts[1]) and is_ascii_int(parts[2])
    return bool(parsed.description) or len(parsed.documents) > 1 or named


@transaction.atomic
def gazette_ingest(*, path: Path, actor, issue_title: str = "") -> IngestReport:
    """Ingest a single document, a gazette issue or a folder of text files.

    A document that cannot be read is reported (file, line, reason) and the others are stored; when nothing at
    all can be read the call fails with the first problem and stores nothing. The same text a second time
    changes nothing; a changed text becomes a new version of its document (by 文号, or by the identifier of
    issuer, date and title), the old version kept; the same text read differently by a newer parser updates
    the current version in place. Every stored change has its audit row in this transaction.
    """
    path = Path(path)
    report = IngestReport()
    read: list[tuple[Path, ParsedGazette]] = []
    folder = path.is_dir()
    for file in _files(path):
        try:
            text = _read_file(file)
        except ServiceError as exc:
            if not folder:
                raise
            # In a folder, a file that is not UTF-8 text is one problem among the files, not the end of the ingest.
            report.problems.append(IngestProblem(file.name, 1, exc.message))
            continue
        parsed = read_text(text)
        report.problems.extend(IngestProblem(file.name, p.line, p.message) for p in parsed.problems)
        read.append((file, parsed))
    if not any(parsed.documents for _, parsed in read):
        first = report.problems[0] if report.problems else IngestProblem(path.name, 1, "没有找到任何文件")
        raise ServiceError(
            "line", f"第 {first.line} 行：{first.message}" + (f"（{first.file}）" if folder else "")
        )
    seen: dict[str, str] = {}
    for file, parsed in read:
        issue = None
        if _is_issue(parsed, file):
            title = issue_title if issue_title and len(read) == 1 else _issue_title(parsed.description, file)
            issue, _ = GazetteIssue.objects.get_or_create(
                title=title, defaults={"source_sha256": parsed.source_sha256}
            )
            if issue.source_sha256 != parsed.source_sha256 or issue.description != parsed.description:
                issue.source_sha256, issue.description = parsed.source_sha256, parsed.description
                issue.save()
        numbers = [p.number for p in parsed.documents]
        existing = {d.number: d for d in Document.objects.filter(number__in=numbers).select_for_update()}
        for order, parsed_document in enumerate(parsed.documents, start=1):
            number = parsed_document.number
            if number in seen:
                report.problems.append(
                    IngestProblem(
                        file.name,
                        parsed_document.start_line,
                        f"文号重复：{number}（已从 {seen[number]} 读入）",
                    )
                )
                continue
            seen[number] = file.name
            _ingest_one(report, actor, file, issue, order, parsed_document, existing.get(number))
    return report


@transaction.atomic
def _ingest_one(
    report, actor, file: Path, issue, order: int, parsed: ParsedDocument, current: Document | None
):
    number = parsed.number
    if (
        current is not None
        and current.fingerprint == parsed.fingerprint()
        and current.order == order
        and (current.issue_id == (issue.pk if issue else None))
    ):
        if not current.versions.exists():
            _keep_version(current, parsed, file.name)  # a document stored before versions were kept
        if not is_indexed(current):
            index_document(document=current)  # a document stored before the search index was kept
        report.unchanged.append(number)
        return
    before = None
    new_text = False
    if current is not None:
        before = {"fingerprint": current.fingerprint, "title": current.title, "version": current.version}
        if not current.versions.exists():
            # Stored before versions were kept: its text is the one the row holds now, version 1.
            DocumentVersion.objects.create(
                document=current,
                version=current.version,
                text_sha256=current.text_sha256,
                fingerprint=current.fingerprint,
                source=current.source,
                title=current.title,
                date=current.date,
                body=current.body,
                parsed={"number": current.number, "title": current.title},
            )
        new_text = bool(current.text_sha256) and current.text_sha256 != parsed.text_sha256
        if not current.text_sha256 and current.body != parsed.body:
            new_text = True
        if new_text:
            current.version += 1
    document = _write_document(issue, order, parsed, current, file.name)
    _keep_version(document, parsed, file.name)
    index_document(document=document)
    if current is None:
        report.created.append(number)
    else:
        report.updated.append(number)
        if new_text:
            report.new_versions.append(number)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.INGEST,
        instance=document,
        before=before,
        after={
            "fingerprint": document.fingerprint,
            "title": document.title,
            "version": document.version,
            "clauses": len(parsed.clauses),
        },
        note=f"从 {file.name} 导入" + ("（文本有变化，新版本）" if new_text else ""),
    )


def text_line_of(path: Path, byte_offset: int) -> int:
    return Path(path).read_bytes()[:byte_offset].count(b"\n") + 1


def _issue_title(description: str, path: Path) -> str:
    # The seed's file name carries the year and the issue (…-2021-03.txt); the text itself does not print it.
    stem = Path(path).stem
    parts = stem.rsplit("-", 2)
    name = "高青县人民政府公报"
    if description.startswith("《") and "》" in description:
        name = description[1 : description.index("》")]
    if len(parts) == 3 and is_ascii_int(parts[1]) and is_ascii_int(parts[2]):
        return f"《{name}》{parts[1]}年第{int(parts[2])}期"
    return f"《{name}》{stem}"[:64]
