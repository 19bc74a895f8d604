from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction

from countyhall.core.access import require
from countyhall.core.actors import actor_user
from countyhall.core.clock import business_now, chinese_date, local
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.services.audit import audit_record
from countyhall.core.web import is_ascii_int

from . import access
from .identifiers import clause_eids, document_uri
from .models import (
    Clause,
    Document,
    DocumentEvent,
    DocumentVersion,
    GazetteIssue,
    PersonnelDecision,
    PostMembership,
)
from .parser import ParsedDocument, ParsedGazette, read_text
from .register import (
    NUMBER_RE,
    PERIOD_END_READING,
    REVIEW_2021,
    REVIEW_2021_DATE,
    REVIEW_2021_LINE,
    parse_number_list,
    period_end,
    retained_list_problems,
    whole_number,
)
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
        uri=document_uri(
            number=parsed.number, issuer=parsed.issuer, date=parsed.date, numbered=parsed.numbered
        ),
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
    eids = clause_eids([(c.anchor, c.parent_anchor, c.label) for c in parsed.clauses])
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
            eid=eids[parsed_clause.anchor],
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


# What a file may hold (issue 15's hostile input): the gazette is published as UTF-8, but a clerk's copy may come
# as GB 18030 (GBK) or UTF-16 from a Windows editor; with a byte-order mark the encoding is certain, without one
# UTF-8 is tried first and GB 18030 second (a UTF-8 text seldom decodes as GB 18030 and never the other way round
# for Chinese). A larger file than MAX_FILE_BYTES is no gazette issue (the 2021 issue is 0.14 MB): it is refused
# before it is read rather than segmented by jieba for many minutes (about 25,000 characters a second). A line
# longer than MAX_LINE_CHARS is no printed line either (the issue's longest has 78; a paragraph a line from a word
# processor stays well under it): a 1 MB line is refused naming its line.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINE_CHARS = 10_000
BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Characters str.splitlines() (the parser's line count) takes as line breaks besides \n and \r: kept as breaks so
# the lines still count as before, but as \n, since XML (the AKN export) and PostgreSQL refuse them.
LINE_BREAKS = str.maketrans({c: "\n" for c in "\x0b\x0c\x1c\x1d\x1e\x85"})
# Any other control character (NUL above all, which PostgreSQL cannot store) means the file is not plain text.
CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _read_file(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ServiceError(
                "path",
                f"{path.name} 有 {size / 1024 / 1024:.1f} MB，超过单个文件 {MAX_FILE_BYTES // 1024 // 1024} MB 的上限",
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise ServiceError("path", f"找不到文件：{path}") from None
    except IsADirectoryError:
        raise ServiceError("path", f"{path} 是目录") from None
    except PermissionError:
        raise ServiceError("path", f"{path.name} 无法读取（没有读取权限）") from None
    except OSError as exc:
        raise ServiceError("path", f"{path.name} 无法读取（{exc.strerror or exc}）") from None
    text = _decode(path, data)
    text = text.translate(LINE_BREAKS)
    bad = CONTROL_RE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        raise ServiceError(
            "path",
            f"{path.name} 第 {line} 行含有控制字符 U+{ord(bad.group()):04X}，不是纯文本文件（请另存为 UTF-8 文本）",
        )
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ServiceError(
                "path",
                f"{path.name} 第 {number} 行有 {len(line)} 个字，超过每行 {MAX_LINE_CHARS} 个字的上限（不是公文的文本）",
            )
    return text


def _decode(path: Path, data: bytes) -> str:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                raise ServiceError(
                    "path", f"{path.name} 按 {encoding} 无法解码（第 {line} 行附近）"
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ServiceError("path", f"{path.name} 不是 UTF-8 或 GBK 文本（第 {line} 行附近）") from None


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
    # Only the command line calls this today, but a service is what a future upload page or job would call:
    # the check is here, not in the caller (Capability.GAZETTE_INGEST, access.py).
    require(access.can_administer_register(actor), "只有公报管理员可以导入公报")
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
            too_long = _too_long(parsed_document, file)
            if too_long is not None:
                report.problems.append(IngestProblem(file.name, *too_long))
                continue
            _ingest_one(report, actor, file, issue, order, parsed_document, existing.get(number))
    return report


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _too_long(parsed: ParsedDocument, file: Path) -> tuple[int, str] | None:
    """The first value of a parsed document longer than its column holds (line, reason), or None. PostgreSQL
    refuses such a row (SQLite would keep it): a 300-character title, a clause path of nested markers many
    levels deep, a file name of 250 characters. The document is reported and the others stored, as for any
    document the parser cannot read, rather than the whole ingest failing on the database's error."""
    eids = clause_eids([(c.anchor, c.parent_anchor, c.label) for c in parsed.clauses])
    checks = [
        (parsed.start_line, "文号", parsed.number, _max_length(Document, "number")),
        (
            parsed.start_line,
            "文号（原文）",
            parsed.number_as_printed,
            _max_length(Document, "number_as_printed"),
        ),
        (parsed.start_line, "发文机关", parsed.issuer, _max_length(Document, "issuer")),
        (parsed.start_line, "标题", parsed.title, _max_length(Document, "title")),
        (parsed.start_line, "登记号", parsed.registration_code, _max_length(Document, "registration_code")),
        (parsed.start_line, "来源文件名", file.name, _max_length(Document, "source")),
    ]
    for clause in parsed.clauses:
        checks += [
            (clause.line, "条款编号", clause.path, _max_length(Clause, "path")),
            (clause.line, "条款锚点", clause.anchor, _max_length(Clause, "anchor")),
            (clause.line, "条款序号", clause.label, _max_length(Clause, "label")),
            (clause.line, "条款标题", clause.heading, _max_length(Clause, "heading")),
            (clause.line, "条款标识", eids[clause.anchor], _max_length(Clause, "eid")),
        ]
    for decision in parsed.personnel:
        checks += [
            (decision.line, "姓名", decision.person, _max_length(PersonnelDecision, "person")),
            (decision.line, "职务", decision.position, _max_length(PersonnelDecision, "position")),
            (decision.line, "期限说明", decision.term, _max_length(PersonnelDecision, "term")),
        ]
    for line, label, value, limit in checks:
        if len(value or "") > limit:
            return line, f"{label}过长（{len(value)} 个字，最多 {limit} 个字）：{value[:20]}…"
    return None


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
        if not current.events.filter(origin=DocumentEvent.Origin.DERIVED).exists():
            _derive_events(current)  # a document stored before events were kept
        if current.kind == Document.Kind.PERSONNEL and not PostMembership.objects.exists():
            memberships_rebuild()
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
    _derive_events(document)
    if document.kind == Document.Kind.PERSONNEL or (
        current is not None and current.kind == Document.Kind.PERSONNEL
    ):
        memberships_rebuild()
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


def _issue_title(description: str, path: Path) -> str:
    # The seed's file name carries the year and the issue (…-2021-03.txt); the text itself does not print it.
    stem = Path(path).stem
    parts = stem.rsplit("-", 2)
    name = "高青县人民政府公报"
    if description.startswith("《") and "》" in description:
        name = description[1 : description.index("》")]
    if len(parts) == 3 and is_ascii_int(parts[1]) and is_ascii_int(parts[2]):
        # GazetteIssue.title holds 64: a description naming a long gazette must not fail the ingest on PostgreSQL.
        return f"《{name}》{parts[1]}年第{int(parts[2])}期"[:64]
    return f"《{name}》{stem}"[:64]


# ---- life in time (issue 15) ---------------------------------------------------------------------------------


def _derive_events(document: Document) -> None:
    """The events a document's own text dates: issued (its date), in force from and expires (its validity
    sentence), each citing the document and the line that prints it. Administered events are left as they are;
    the derived ones are written anew, and the events recorded against its 文号 before it was ingested are
    attached to it."""
    document.events.filter(origin=DocumentEvent.Origin.DERIVED).delete()
    DocumentEvent.history.filter(number=document.number, document__isnull=True).update(document=document)
    DocumentEvent.history.filter(cause_number=document.number, cause__isnull=True).update(cause=document)
    validity = document.clauses.filter(anchor="c-validity").values_list("line", flat=True).first()
    rows = [(DocumentEvent.Kind.ISSUED, document.date, document.end_line, "成文日期")]
    if document.effective_from:
        rows.append(
            (DocumentEvent.Kind.IN_FORCE, document.effective_from, validity or document.end_line, "施行日期")
        )
    if document.effective_to:
        rows.append(
            (DocumentEvent.Kind.EXPIRES, document.effective_to, validity or document.end_line, "有效期至")
        )
    DocumentEvent.objects.bulk_create(
        DocumentEvent(
            document=document,
            number=document.number,
            kind=kind,
            date=day,
            cause=document,
            cause_number=document.number,
            cause_line=line,
            note=f"原文所载{words}",
            origin=DocumentEvent.Origin.DERIVED,
        )
        for kind, day, line, words in rows
    )


def memberships_rebuild() -> int:
    """Every post membership anew from the personnel decisions, in the order of their documents' dates: an
    appointment or a secondment opens one (probation and secondment ends by register.period_end from the
    decision's date: the text states no start date, SPEC-registry P2), a removal or resignation closes the open
    one of that person and post, or records one of unknown start when the register never saw it opened. Names are
    not merged across posts (P3): a membership is a person's name and a post."""
    from countyhall.core.policy import parameters

    registry = parameters()
    PostMembership.objects.all().delete()
    decisions = PersonnelDecision.objects.select_related("document").order_by(
        "document__date", "document__order", "order"
    )
    open_ones: dict[tuple[str, str], PostMembership] = {}
    made: list[PostMembership] = []
    for decision in decisions:
        day = decision.document.date
        post, seconded = _post(decision.position)
        key = (decision.person, post)
        if decision.action in (
            PersonnelDecision.Action.APPOINT,
            PersonnelDecision.Action.HIRE,
            PersonnelDecision.Action.SECOND,
        ):
            secondment = seconded or decision.action == PersonnelDecision.Action.SECOND
            # Reading P2 in force on the decision's day: does the period end the day before the corresponding day?
            answer = registry.answer(PERIOD_END_READING, day)
            membership = PostMembership(
                person=decision.person,
                post=post,
                opened_by=decision,
                start=day,
                acting=decision.acting,
                secondment=secondment,
                probation_end=period_end(day, decision.probation_months, answer=answer)
                if decision.probation_months
                else None,
                term_end=period_end(day, decision.term_months, answer=answer)
                if decision.term_months
                else None,
            )
            open_ones[key] = membership
            made.append(membership)
        else:
            membership = open_ones.pop(key, None)
            if membership is None:
                membership = PostMembership(person=decision.person, post=post, secondment=seconded)
                made.append(membership)
            membership.closed_by = decision
            membership.end = day
    PostMembership.objects.bulk_create(made)
    return len(made)


def _post(position: str) -> tuple[str, bool]:
    """The post without the printed "（挂职）", and whether it is a secondment."""
    for mark in ("（挂职）", "(挂职)"):
        if position.endswith(mark):
            return position[: -len(mark)], True
    return position, False


# ---- administered events (issue 15) ---------------------------------------------------------------------------


def _number(field: str, raw: str, words: str) -> str:
    """The 文号 an administrator chose: typed in any bracket style, picked from the list ("文号 标题"), or the
    document's title as printed (a document of the register chosen by name). The field must hold one whole 文号
    (register.whole_number): a 文号 found inside a longer text is not guessed (attack15)."""
    text = (raw or "").strip()
    by_title = Document.objects.filter(title=text.strip("《》")).values_list("number", flat=True).first()
    if text and by_title:
        return by_title
    number = whole_number(text) if text else None
    if number is None and " " in text:
        number = whole_number(text.split(" ", 1)[0])  # "文号 标题" as the list offers it
    if number is None and Document.objects.filter(number=text).exists():
        number = text  # a document printed without a 文号, by its identifier
    if not number or not (NUMBER_RE.match(number) or Document.objects.filter(number=number).exists()):
        raise ServiceError(
            field, f"{words}：请填写文号或文件标题，例如 高政办发〔2021〕2号（填写的是“{text}”）"
        )
    return number


# A gazette issue has some thousands of lines (the 2021 issue 1,400); a line number beyond a million is a typo.
MAX_CAUSE_LINE = 1_000_000


def _check_version(
    document: Document | None, number: str, version: int, *, exclude: int | None = None
) -> None:
    """The text an amendment brings in: a later version than the first, at most the next one to be ingested (the
    new text may come after the amendment is registered), and named by no other amendment."""
    if version < 2:
        raise ServiceError("version", "修改后文本（版本）：第1版是原文，修改后的文本从第2版起")
    if document is not None and version > document.version + 1:
        raise ServiceError(
            "version",
            f"修改后文本（版本）：{number} 现有第{document.version}版，"
            f"修改后的文本只能是已导入的版本或下一版（第{document.version + 1}版）",
        )
    claimed = DocumentEvent.objects.filter(number=number, kind=DocumentEvent.Kind.AMENDED, version=version)
    if exclude is not None:
        claimed = claimed.exclude(pk=exclude)
    other = claimed.first()
    if other is not None:
        raise ServiceError(
            "version",
            f"修改后文本（版本）：第{version}版已登记为{other.cause_number}修改后的文本（{other.date:%Y-%m-%d}起）",
        )


@dataclass(frozen=True)
class EventEntry:
    """An administered event as checked, before it is written: what the confirmation page shows and the service
    stores."""

    number: str
    kind: str
    date: object
    cause_number: str
    clauses: list[str]
    cause_line: int | None
    version: int | None
    note: str
    document: Document | None
    cause: Document | None

    @property
    def kind_label(self) -> str:
        return DocumentEvent.Kind(self.kind).label

    def as_audit(self) -> dict:
        return {
            "number": self.number,
            "kind": self.kind,
            "date": self.date.isoformat(),
            "cause": self.cause_number,
            "clauses": self.clauses,
            "version": self.version,
            "note": self.note,
        }


def event_check(
    *,
    number: str,
    kind: str,
    date,
    cause_number: str,
    clauses: list[str] | None = None,
    cause_line: int | None = None,
    note: str = "",
    version: int | None = None,
    replacing: DocumentEvent | None = None,
) -> EventEntry:
    """Check an administered event without writing it (the confirmation page runs it first; event_record and
    event_correct run it again in their transaction). Each refusal names its field. `replacing`: the entry a
    correction replaces, left out of the checks against the register's other entries."""
    if kind not in DocumentEvent.ADMINISTERED_KINDS:
        allowed = "、".join(DocumentEvent.Kind(k).label for k in DocumentEvent.ADMINISTERED_KINDS)
        raise ServiceError("kind", f"事件：只能登记{allowed}（印发、施行、有效期由原文读取）")
    if date is None:
        raise ServiceError("date", "日期：请填写事件发生的日期")
    number = _number("number", number, "文件")
    cause_number = _number("cause_number", cause_number, "依据文件")
    document = Document.objects.filter(number=number).first()
    cause = Document.objects.filter(number=cause_number).first()
    if document is not None and date < document.date:
        raise ServiceError(
            "date",
            f"日期：{number} 成文于{chinese_date(document.date)}，事件不能早于此日（填写的是{chinese_date(date)}）",
        )
    if cause is not None and cause_number != number and date < cause.date:
        # A document takes effect at the earliest on its own date: an amendment or repeal cannot begin earlier.
        raise ServiceError(
            "date",
            f"日期：依据文件 {cause_number} 成文于{chinese_date(cause.date)}，事件的生效日期不能早于此日",
        )
    others = DocumentEvent.objects.filter(number=number)
    if replacing is not None:
        others = others.exclude(pk=replacing.pk)
    ended = (
        others.filter(kind__in=[DocumentEvent.Kind.REPEALED, DocumentEvent.Kind.LAPSED])
        .order_by("date")
        .first()
    )
    if ended is not None and kind in (DocumentEvent.Kind.REPEALED, DocumentEvent.Kind.LAPSED):
        raise ServiceError(
            "kind",
            f"事件：{number} 已于{chinese_date(ended.date)}{ended.get_kind_display()}（依据 {ended.cause_number}），"
            "不能再登记废止或失效；登记有误请更正原登记",
        )
    if ended is not None and kind == DocumentEvent.Kind.AMENDED and date >= ended.date:
        raise ServiceError(
            "date", f"日期：{number} 已于{chinese_date(ended.date)}{ended.get_kind_display()}，此后不能修改"
        )
    paths = [c.strip() for c in (clauses or []) if c and c.strip()]
    if kind == DocumentEvent.Kind.AMENDED:
        if not paths:
            raise ServiceError("clauses", "所涉条款：修改须写明修改了哪些条款（如 五、（一）2）")
        if document is not None:
            known = set(document.clauses.values_list("path", flat=True))
            missing = [p for p in paths if p not in known]
            if missing:
                raise ServiceError("clauses", f"所涉条款：{number} 没有条款 " + "、".join(missing))
        if version is not None:
            _check_version(document, number, version, exclude=replacing.pk if replacing else None)
    else:
        if paths:
            raise ServiceError("clauses", "所涉条款：只有修改写明条款；废止、失效和公布及于整个文件")
        if version is not None:
            raise ServiceError("version", "修改后文本（版本）：只有修改才带来新的文本版本")
    if cause_line is not None and not 1 <= cause_line <= MAX_CAUSE_LINE:
        # A cause not in the register has no line span to check against; PostgreSQL's integer column still
        # refuses 10^12 (a DataError, a 500) where the form let it through.
        raise ServiceError(
            "cause_line", f"依据行号：应为 1 至 {MAX_CAUSE_LINE} 之间的行号（填写的是 {cause_line}）"
        )
    if cause_line is not None and cause is not None and not cause.start_line <= cause_line <= cause.end_line:
        raise ServiceError(
            "cause_line",
            f"依据行号：{cause_number} 在公报第{cause.start_line}–{cause.end_line}行，第{cause_line}行不在其中",
        )
    return EventEntry(
        number=number,
        kind=kind,
        date=date,
        cause_number=cause_number,
        clauses=paths,
        cause_line=cause_line,
        version=version,
        note=(note or "").strip()[:500],
        document=document,
        cause=cause,
    )


def _write_event(entry: EventEntry, actor, *, correction_reason: str = "") -> DocumentEvent:
    return DocumentEvent.objects.create(
        correction_reason=correction_reason,
        document=entry.document,
        number=entry.number,
        kind=entry.kind,
        date=entry.date,
        cause=entry.cause,
        cause_number=entry.cause_number,
        cause_line=entry.cause_line,
        clauses=entry.clauses,
        version=entry.version,
        note=entry.note,
        origin=DocumentEvent.Origin.ADMINISTERED,
        recorded_by=actor_user(actor),
    )


@transaction.atomic
def event_record(
    *,
    actor,
    number: str,
    kind: str,
    date,
    cause_number: str,
    clauses: list[str] | None = None,
    cause_line: int | None = None,
    note: str = "",
    version: int | None = None,
) -> DocumentEvent:
    """Record an event of a document's life an administrator learns of (published, amended, repealed, lapsed),
    citing the document that caused it. An amendment names the clauses it changes (clauses of the document when
    the register holds it) and may name the version whose text it brings in. Audited; four eyes are not needed
    (each entry names its cause)."""
    require(access.can_administer_register(actor), "只有公报管理员可以登记文件事件")
    entry = event_check(
        number=number,
        kind=kind,
        date=date,
        cause_number=cause_number,
        clauses=clauses,
        cause_line=cause_line,
        note=note,
        version=version,
    )
    event = _write_event(entry, actor)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        instance=event,
        after=entry.as_audit(),
        note=f"登记{event.get_kind_display()}：{entry.number}（依据 {entry.cause_number}）",
    )
    return event


WITHDRAW_REASON_MIN = 4  # a reason a later reader can act on ("录错了" is not one), not a policy figure


@transaction.atomic
def event_withdraw(*, actor, event_id: int, reason: str) -> DocumentEvent:
    """Withdraw an administrator's entry recorded by mistake (a wrong document, kind, date or cause), with the reason.
    The row is kept and shown on the register as withdrawn; from then on it counts nowhere (standing, point in time,
    affected figures, to-dos: DocumentEvent.objects leaves it out). What the text itself dates (印发, 施行, 有效期)
    is corrected by ingesting the text, and 60号's retained list by entering the list again, so neither is withdrawn
    here. Audited with the entry before and after."""
    require(access.can_administer_register(actor), "只有公报管理员可以撤销文件事件登记")
    event = (
        DocumentEvent.with_withdrawn.select_for_update().filter(pk=event_id).first()
        if is_ascii_int(str(event_id))
        else None
    )
    if event is None:
        raise ServiceError("event", "事件：没有这条登记")
    if (
        event.origin != DocumentEvent.Origin.ADMINISTERED
        or event.kind not in DocumentEvent.ADMINISTERED_KINDS
    ):
        raise ServiceError(
            "status",
            f"事件：{event.get_kind_display()}由原文或保留文件目录而来，不能在此撤销"
            "（原文所载日期请重新导入原文更正；保留文件目录请重新录入）",
        )
    if event.withdrawn_at is not None:
        raise ServiceError(
            "status", f"事件：这条登记已于{chinese_date(local(event.withdrawn_at).date())}撤销"
        )
    reason = " ".join((reason or "").split())
    if len(reason) < WITHDRAW_REASON_MIN:
        raise ServiceError(
            "reason",
            f"撤销理由：请写明登记错在哪里（至少 {WITHDRAW_REASON_MIN} 个字），例如“依据文件文号录错”",
        )
    before = {"number": event.number, "kind": event.kind, "date": event.date.isoformat(), "withdrawn": False}
    event.withdrawn_at = business_now()  # a demo pinned to 2022 reads its corrections in 2022 (core.clock)
    event.withdrawn_by = actor_user(actor)
    event.withdrawn_reason = reason[:500]
    event.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=event,
        before=before,
        after={**before, "withdrawn": True, "reason": event.withdrawn_reason},
        note=f"撤销登记：{event.number} {event.get_kind_display()}（{chinese_date(event.date)}），理由：{event.withdrawn_reason}",
    )
    return event


@transaction.atomic
def event_correct(
    *,
    actor,
    event: DocumentEvent,
    reason: str,
    kind: str,
    date,
    cause_number: str,
    clauses: list[str] | None = None,
    cause_line: int | None = None,
    note: str = "",
    version: int | None = None,
) -> DocumentEvent:
    """Correct an administered entry: a new entry replaces it and the old one is kept, pointing at the new one
    (the register's history is never overwritten). The document stays the same; a reason is required. Audited
    with the entry before and after."""
    require(access.can_administer_register(actor), "只有公报管理员可以更正文件事件")
    old = DocumentEvent.history.select_for_update().filter(pk=event.pk).first()
    if (
        old is None
        or old.origin != DocumentEvent.Origin.ADMINISTERED
        or old.kind == DocumentEvent.Kind.RETAINED
    ):
        raise ServiceError("event", "登记：只能更正管理员登记的公布、修改、废止或失效（保留目录请重新录入）")
    if old.withdrawn_at is not None:
        raise ServiceError("event", "登记：该登记已撤销（录错），不能更正；请另行登记")
    if old.superseded_by_id is not None:
        raise ServiceError("event", "登记：该登记已被更正，请更正最新的一条")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason", "更正理由：请写明更正的理由")
    entry = event_check(
        number=old.number,
        kind=kind,
        date=date,
        cause_number=cause_number,
        clauses=clauses,
        cause_line=cause_line,
        note=note,
        version=version,
        replacing=old,
    )
    before = EventEntry(
        number=old.number,
        kind=old.kind,
        date=old.date,
        cause_number=old.cause_number,
        clauses=list(old.clauses),
        cause_line=old.cause_line,
        version=old.version,
        note=old.note,
        document=None,
        cause=None,
    ).as_audit()
    new = _write_event(entry, actor, correction_reason=reason[:500])
    DocumentEvent.history.filter(pk=old.pk).update(superseded_by=new)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        instance=new,
        before={**before, "id": old.pk},
        after={**entry.as_audit(), "id": new.pk},
        note=f"更正{old.get_kind_display()}：{old.number}（{reason[:200]}）",
    )
    return new


@transaction.atomic
def retained_list_enter(*, actor, text: str, note: str = "") -> list[DocumentEvent]:
    """Enter 高政字〔2021〕60号's list of retained documents (the unprinted attachment, from the county's website),
    one 文号 a line. The count must be the 18 the notice prints (L15); the list replaces any list entered before.
    Each entry is an event "retained" on 2021-09-26 citing 60号, audited with the list before and after."""
    require(access.can_administer_register(actor), "只有公报管理员可以录入保留文件目录")
    numbers = parse_number_list(text)
    problems = retained_list_problems(numbers)
    if problems:
        raise ServiceError("text", "保留文件目录：" + "；".join(problems))
    old = DocumentEvent.objects.filter(kind=DocumentEvent.Kind.RETAINED, cause_number=REVIEW_2021)
    before = sorted(old.values_list("number", flat=True))
    old.delete()
    cause = Document.objects.filter(number=REVIEW_2021).first()
    documents = {d.number: d for d in Document.objects.filter(number__in=numbers)}
    events = DocumentEvent.objects.bulk_create(
        DocumentEvent(
            document=documents.get(number),
            number=number,
            kind=DocumentEvent.Kind.RETAINED,
            date=REVIEW_2021_DATE,
            cause=cause,
            cause_number=REVIEW_2021,
            cause_line=REVIEW_2021_LINE,
            note=note.strip()[:500] or "据高政字〔2021〕60号附件（县政府网站）录入",
            origin=DocumentEvent.Origin.ADMINISTERED,
            recorded_by=actor_user(actor),
        )
        for number in numbers
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        object_type="gazette.retained_list",
        object_id=REVIEW_2021,
        object_repr="2021年规范性文件清理保留目录",
        before={"numbers": before} if before else None,
        after={"numbers": numbers},
        note=f"录入保留文件目录 {len(numbers)} 件",
    )
    return events
