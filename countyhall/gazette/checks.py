"""Cross-program checks of the policy against the gazette and the code (issue 13, "policy out of code").

Collects every citation the platform makes — the parameter files' values, administered figures and readings, every
`Citation(...)` and `{"document", "clause", "line"}` literal in the programs' code, and the "文号 条款" mentions in
messages and templates — and checks each one against the ingested gazette: the document exists, the clause exists
in it, the line lies inside the clause, and a cited figure is printed on its line. It also finds the parameters no
code reads, and the places where code reads a parameter's value without recording its citation.

Pure functions over source text and clause rows: the tests (tests/policy) run them on the database the gazette
was ingested into; nothing here writes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from countyhall.core.policy import Citation
from countyhall.core.policy.parameters import Parameter, ParameterRegistry, ParameterValue

from .parser import FULLWIDTH

PACKAGE = Path(__file__).resolve().parent.parent  # countyhall/
PROGRAMS = ("canteens", "heating", "permits", "emergency", "egov")
# Parameter files and reading-id prefixes by program (POLICIES.md sections A–E; D: SPEC-egov-1hao.md).
FILE_PROGRAM = {
    "canteen.yaml": "canteens",
    "heating.yaml": "heating",
    "permit.yaml": "permits",
    "emergency.yaml": "emergency",
    "egov.yaml": "egov",
    "calendar.yaml": "core",
    "gazette.yaml": "gazette",
}
READING_PROGRAM = {
    "A": "canteens",
    "B": "heating",
    "C": "permits",
    "D": "egov",
    "E": "emergency",
    "P": "gazette",
}
# Where citations are built from data rather than written in code: the YAML loader and the Citation class.
DYNAMIC_CITATION_SITES = {"core/policy/parameters.py", "core/policy/citations.py"}
DOCUMENT_RE = r"高政(?:办发|办字|字|任|发)〔\d{4}〕\d+号"
# A clause path written after a 文号 in a message: 五、（一）2, 二、（四）, 4.1, 4.2.1 (not a year, a sum or a count).
MENTION_RE = re.compile(
    rf"({DOCUMENT_RE})\s*"
    r"((?:[一二三四五六七八九十]+、)(?:（[一二三四五六七八九十]+）)?(?:[0-9]{1,2}(?![0-9年月日元%.]))?"
    r"|（[一二三四五六七八九十]+）(?:[0-9]{1,2}(?![0-9年月日元%.]))?"
    r"|[0-9]{1,2}(?:\.[0-9]{1,2}){0,3}(?![0-9年月日元%]))"
)


@dataclass(frozen=True)
class CitedAt:
    where: (
        str  # file and place, e.g. "permits/rules.py:18" or "heating.yaml heating.gas_boiler.cap@2021-08-28"
    )
    program: str
    citation: Citation
    figure: str = ""  # the printed form of the cited figure ("3000", "70", "58：32：10"); empty: no figure


@dataclass(frozen=True)
class Mention:
    where: str
    program: str
    document: str
    clause: str


def program_of(relative: str) -> str:
    head = relative.split("/", 1)[0]
    return head if head in PROGRAMS else "core"


# ---- figures ---------------------------------------------------------------------------------------------------


def figure_words(parameter: Parameter, value: ParameterValue) -> str:
    """How the gazette prints a parameter value, or "" when the value is not a printed number (text, lists,
    switches, a value an administrator or a reading sets)."""
    raw = value.value
    if value.reading or parameter.unit in ("text", "list", "bool"):
        return ""
    if parameter.unit == "ratio" and isinstance(raw, dict):
        return "：".join(str(weight) for weight in raw.values())
    if isinstance(raw, Decimal):
        normal = raw.normalize()
        return f"{normal:f}" if normal == normal.to_integral_value() else f"{normal:f}".rstrip("0")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return f"{raw}分钟" if parameter.unit == "minutes" else str(raw)
    return ""


def _normal(text: str) -> str:
    return text.translate(FULLWIDTH).replace(" ", "").replace("\u3000", "").replace(":", "：")


def line_carries(lines: list[str], line: int, figure: str) -> bool:
    """The figure is printed on the cited line. A ratio ("58：32：10", or "5%，县级财政承担 95%") may run onto the
    next printed lines, but its first part is on the cited one; minutes may be printed as hours ("24小时")."""
    here = _normal(lines[line - 1]) if 0 < line <= len(lines) else ""
    if "：" in figure:
        following = "".join(_normal(t) for t in lines[line : line + 6] if t.strip())
        first, *rest = figure.split("：")
        pattern = rf"(?<![0-9.]){first}(?![0-9])" + "".join(
            rf"[^0-9]{{0,12}}(?<![0-9.]){w}(?![0-9])" for w in rest
        )
        match = re.search(pattern, here + following)
        return match is not None and match.start() < len(here)
    if figure.endswith("分钟"):
        minutes = int(figure.removesuffix("分钟"))
        forms = [rf"{minutes}分钟"] + ([rf"{minutes // 60}(?:个)?小时"] if minutes % 60 == 0 else [])
        return any(re.search(rf"(?<![0-9.]){form}", here) for form in forms)
    if re.search(rf"(?<![0-9.]){re.escape(figure)}(?![0-9])", here):
        return True
    value = Decimal(figure)  # 20000 元 is printed 2万元, and print may break the line between "2" and "万元"
    if value >= 10000 and value % 10000 == 0:
        following = next((_normal(t) for t in lines[line : line + 4] if t.strip()), "")
        match = re.search(rf"(?<![0-9.]){value / 10000:f}万", here + following)
        return match is not None and match.start() < len(here)
    return False


# ---- collecting ------------------------------------------------------------------------------------------------


def parameter_citations(registry: ParameterRegistry) -> list[CitedAt]:
    cited = []
    for parameter in registry:
        program = FILE_PROGRAM.get(parameter.source_file, "core")
        if parameter.citation is not None:
            cited.append(CitedAt(f"{parameter.source_file} {parameter.name}", program, parameter.citation))
        for value in parameter.values:
            cited.append(
                CitedAt(
                    f"{parameter.source_file} {parameter.name}@{value.valid_from}",
                    program,
                    value.citation,
                    figure_words(parameter, value),
                )
            )
    for reading in registry.readings.values():
        if reading.citation is not None:
            program = READING_PROGRAM.get(reading.id[:1], "core")
            cited.append(CitedAt(f"{reading.source_file} reading {reading.id}", program, reading.citation))
    return cited


def source_files(root: Path = PACKAGE) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/migrations/" in relative or relative.startswith("gazette/"):
            continue
        yield relative, path


def _module_constants(tree: ast.Module) -> dict[str, object]:
    constants: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(node.value, ast.Constant)
        ):
            constants[node.target.id] = node.value.value
    return constants


def _resolve(node: ast.AST | None, constants: dict[str, object]) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    return None


def code_citations(root: Path = PACKAGE) -> tuple[list[CitedAt], list[str]]:
    """Every `Citation(...)` call and `{"document": …, "clause": …, "line": …}` literal in the code; the second
    list names the ones whose parts are not written in the code (built at run time), which nothing can check."""
    found: list[CitedAt] = []
    unresolved: list[str] = []
    for relative, path in source_files(root):
        if relative in DYNAMIC_CITATION_SITES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _module_constants(tree)
        for node in ast.walk(tree):
            parts = None
            if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "Citation")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "Citation")
            ):
                named = dict(zip(("document", "clause", "line"), node.args, strict=False))
                named.update({k.arg: k.value for k in node.keywords if k.arg})
                parts = named
            elif isinstance(node, ast.Dict):
                keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
                if {"document", "clause", "line"} <= set(keys):
                    parts = dict(zip(keys, node.values, strict=True))
                    if any(isinstance(parts[k], ast.Dict) for k in ("document", "clause", "line")):
                        continue  # a JSON schema describing a citation, not one
            if parts is None:
                continue
            where = f"{relative}:{node.lineno}"
            document, clause, line = (
                _resolve(parts.get(k), constants) for k in ("document", "clause", "line")
            )
            if isinstance(document, str) and isinstance(clause, str) and isinstance(line, int):
                found.append(CitedAt(where, program_of(relative), Citation(document, clause, line)))
            else:
                unresolved.append(where)
    return found, unresolved


def _strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def clause_mentions(root: Path = PACKAGE) -> list[Mention]:
    """ "文号 条款" written in messages, help texts and templates (not comments): each names a clause that exists."""
    mentions = []
    texts: list[tuple[str, str]] = []
    for relative, path in source_files(root):
        for lineno, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            texts.append((f"{relative}:{lineno}", text))
    for path in sorted(root.rglob("*.html")):
        relative = path.relative_to(root).as_posix()
        for lineno, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            texts.append((f"{relative}:{lineno}", text))
    for where, text in texts:
        for match in MENTION_RE.finditer(text):
            program = program_of(where.split(":", 1)[0].removeprefix("templates/"))
            mentions.append(Mention(where, program, match.group(1), match.group(2)))
    return mentions


# ---- checking --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseSpan:
    path: str
    line: int
    end_line: int
    level: int


def check_citation(cited: CitedAt, clauses: dict[str, list[ClauseSpan]], lines: list[str]) -> list[str]:
    """What is wrong with one citation, in Chinese words a reviewer reads (empty: it resolves)."""
    citation = cited.citation
    if citation.document not in clauses:
        return [f"{cited.where}: 公报中没有文件 {citation.document}"]
    spans = clauses[citation.document]
    named = [s for s in spans if s.path == citation.clause]
    if not named:
        return [f"{cited.where}: {citation.document} 没有条款 {citation.clause}"]
    problems = []
    if not any(s.line <= citation.line <= s.end_line for s in named):
        ranges = "、".join(f"第{s.line}–{s.end_line}行" for s in named)
        problems.append(
            f"{cited.where}: 第{citation.line}行不在 {citation.document} {citation.clause}（{ranges}）内"
        )
    else:
        holding = sorted((s for s in spans if s.line <= citation.line <= s.end_line), key=lambda s: -s.level)
        if holding and holding[0].path != citation.clause:
            problems.append(
                f"{cited.where}: 第{citation.line}行属于更细的条款 {holding[0].path}，不是 {citation.clause}"
            )
    if cited.figure and not line_carries(lines, citation.line, cited.figure):
        problems.append(
            f"{cited.where}: 第{citation.line}行没有印出所引数值 {cited.figure}"
            f"（该行：{lines[citation.line - 1].strip() if citation.line <= len(lines) else ''}）"
        )
    return problems


def check_mention(mention: Mention, clauses: dict[str, list[ClauseSpan]]) -> list[str]:
    if mention.document not in clauses:
        return [f"{mention.where}: 公报中没有文件 {mention.document}"]
    paths = {s.path for s in clauses[mention.document]}
    # "四、（二）5）" in a sentence: the clause, or its parent when the item number is part of the prose
    if mention.clause in paths:
        return []
    return [f"{mention.where}: {mention.document} 没有条款 {mention.clause}"]


# ---- parameters read by nothing, values read without their citation ------------------------------------------


def _possible_strings(node: ast.AST) -> set[str] | None:
    """The strings an expression of constants can be: "a" + ("_b" if x else "") → {"a_b", "a"}; None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _possible_strings(node.body), _possible_strings(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _possible_strings(node.left), _possible_strings(node.right)
        if left is not None and right is not None:
            return {a + b for a in left for b in right}
    return None


def _name_patterns(tree: ast.AST) -> Iterator[str | re.Pattern]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.BinOp):
            yield from _possible_strings(node) or ()
        elif isinstance(node, ast.JoinedStr):
            pattern = "".join(
                re.escape(v.value) if isinstance(v, ast.Constant) else r"\x00" for v in node.values
            )
            yield re.compile(pattern)


def unread_parameters(registry: ParameterRegistry, root: Path = PACKAGE) -> list[str]:
    """Parameters whose name no code or template names: a literal, a sum of literals, or an f-string whose fixed
    parts match it (f"canteen.subsidy.{band}"; f"{parameter}.minutes" over a literal "emergency.report.phone_city").

    A reading's `effects` set a parameter for an answer; they are no reader of it."""
    literals: set[str] = set()
    templates: list[str] = []
    for relative, path in source_files(root):
        if relative.startswith("core/policy/"):
            continue
        for item in _name_patterns(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(item, str):
                literals.add(item)
            elif "." in item.pattern:
                templates.append(item.pattern)
    for path in root.rglob("*.html"):
        literals.update(
            re.findall(r"[\"']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)[\"']", path.read_text(encoding="utf-8"))
        )
    # a placeholder stands for a name part ([a-z0-9_]+); one that opens the f-string, for a literal name prefix
    fixed = [re.compile(t.replace(r"\x00", "[a-z0-9_]+")) for t in templates if not t.startswith(r"\x00")]
    prefixed = [
        re.compile(t.removeprefix(r"\x00").replace(r"\x00", "[a-z0-9_]+"))
        for t in templates
        if t.startswith(r"\x00")
    ]
    prefixes = [lit for lit in literals if re.fullmatch(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+", lit)]

    def read(name: str) -> bool:
        if name in literals or any(p.fullmatch(name) for p in fixed):
            return True
        return any(
            name.startswith(lit) and p.fullmatch(name[len(lit) :]) for lit in prefixes for p in prefixed
        )

    return [p.name for p in registry if not read(p.name)]


# Reads of a value beside the parameter's own citation for presentation, not a figure a rule computes with: the
# checker accepts them, each for the reason given (tests/policy checks every entry still names a bare read).
PRESENTATION_READS = {
    "core/selectors/policy.py::figure_item": (
        "the governance page (/policy/readings/) shows an administered figure's value in force beside the "
        "parameter-level citation (parameter.citation: the clause calling for the figure), which is the figure's "
        "only citation; no result is computed from it"
    ),
}


@dataclass(frozen=True)
class UntracedRead:
    where: str  # file::function, stable across edits elsewhere in the file
    program: str
    code: str
    line: int


def untraced_reads(root: Path = PACKAGE, *, accepted: dict[str, str] | None = None) -> list[UntracedRead]:
    """Reads of a parameter's value that bypass ParameterTrace: `parameters().at(name, on).value`, or a value
    fetched with `.at(...)` whose `.value` is used while the function neither takes its `.citation` nor returns
    it. The trace records a value and its citation together; a bare read leaves the citations of a result to
    whichever earlier call happened to record that parameter. `accepted` (PRESENTATION_READS by default): the
    places read for presentation, left out."""
    accepted = PRESENTATION_READS if accepted is None else accepted
    found = []
    for relative, path in source_files(root):
        if relative.startswith(("core/policy/", "core/rules/trace.py")):
            continue
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "at"
                    and _is_registry(node.func.value)
                ):
                    continue
                if _untraced(function, node) and f"{relative}::{function.name}" not in accepted:
                    found.append(
                        UntracedRead(
                            f"{relative}::{function.name}",
                            program_of(relative),
                            ast.get_source_segment(source, node) or "",
                            node.lineno,
                        )
                    )
    return sorted(set(found), key=lambda r: (r.where, r.line))


def _is_registry(node: ast.AST) -> bool:
    # parameters().at(...) or a name bound to parameters() (registry, params)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "parameters":
        return True
    return isinstance(node, ast.Name) and node.id in {"registry", "params", "parameter_registry"}


def _untraced(function: ast.AST, call: ast.Call) -> bool:
    nodes = list(ast.walk(function))
    if any(isinstance(n, ast.Attribute) and n.value is call and n.attr == "value" for n in nodes):
        return True
    bound = {
        t.id
        for n in nodes
        if isinstance(n, ast.Assign) and n.value is call
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    if not bound:
        return False  # passed on whole (a list, a context, a caller): the citation travels with it
    attributes = {
        n.attr
        for n in nodes
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in bound
    }

    def passes_on(node: ast.AST | None) -> bool:  # the value object itself, not one of its attributes
        if isinstance(node, ast.Name):
            return node.id in bound
        return isinstance(node, ast.Tuple | ast.List) and any(passes_on(e) for e in node.elts)

    returned = any(isinstance(n, ast.Return) and passes_on(n.value) for n in nodes)

    def parts(node: ast.AST) -> list:
        if isinstance(node, ast.Dict):
            return list(node.values)
        if isinstance(node, ast.List | ast.Tuple):
            return list(node.elts)
        return list(node.args) if isinstance(node, ast.Call) and node is not call else []

    stored = any(passes_on(x) for n in nodes for x in parts(n))
    return "value" in attributes and "citation" not in attributes and not returned and not stored


def spans_by_document(rows: Iterable[tuple[str, str, int, int, int]]) -> dict[str, list[ClauseSpan]]:
    result: dict[str, list[ClauseSpan]] = {}
    for document, path, line, end_line, level in rows:
        result.setdefault(document, []).append(ClauseSpan(path, line, end_line, level))
    return result


# ---- rule enums against the model choices they mirror ---------------------------------------------------------


@dataclass(frozen=True)
class EnumMirror:
    rule: str
    field: str
    choices: dict  # key → label of the rule's input
    model_field: str  # app.Model.field whose choices share the most keys, "" when none shares any
    model_choices: dict


def _choice_fields(serializer, prefix: str = "") -> Iterator[tuple[str, object]]:
    from rest_framework import serializers

    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ChoiceField):
            yield prefix + name, field
        elif isinstance(field, serializers.Serializer):
            yield from _choice_fields(field, f"{prefix}{name}.")
        elif isinstance(field, serializers.ListSerializer) and isinstance(
            field.child, serializers.Serializer
        ):
            yield from _choice_fields(field.child, f"{prefix}{name}[].")
        elif isinstance(field, serializers.ListField) and isinstance(field.child, serializers.ChoiceField):
            yield f"{prefix}{name}[]", field.child


def model_choice_sets() -> list[tuple[str, dict]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            choices = getattr(field, "choices", None)
            if choices:
                found.append((f"{model._meta.label}.{field.name}", {str(k): str(v) for k, v in choices}))
    return found


def enum_mirror(rule: str, field: str, choices: dict, models: list[tuple[str, dict]]) -> EnumMirror:
    keys = {str(k) for k in choices}
    name, model_choices = max(
        models, key=lambda m: (len(keys & set(m[1])), -len(set(m[1]) ^ keys)), default=("", {})
    )
    if not keys & set(model_choices):
        name, model_choices = "", {}
    return EnumMirror(rule, field, {str(k): str(v) for k, v in choices.items()}, name, model_choices)


def rule_enum_mirrors() -> list[EnumMirror]:
    """Each rule input's ChoiceField beside the model choices it mirrors (the one sharing the most keys)."""
    from countyhall.core.rules import RULES

    models = model_choice_sets()
    return [
        enum_mirror(name, field_name, dict(field.choices), models)
        for name, rule in sorted(RULES.items())
        for field_name, field in _choice_fields(rule.input())
    ]


def enum_drift(mirror: EnumMirror) -> list[str]:
    """Keys the rule offers that the model lacks, keys the model has that the rule refuses, labels that differ."""
    if not mirror.model_field:
        return []
    rule_keys, model_keys = set(mirror.choices), set(mirror.model_choices)
    problems = [
        f"规则 {mirror.rule}.{mirror.field} 有而 {mirror.model_field} 没有：{k}"
        for k in sorted(rule_keys - model_keys)
    ]
    problems += [
        f"{mirror.model_field} 有而规则 {mirror.rule}.{mirror.field} 没有：{k}"
        for k in sorted(model_keys - rule_keys)
    ]
    problems += [
        f"{mirror.rule}.{mirror.field} 的 {k} 名称为“{mirror.choices[k]}”，模型为“{mirror.model_choices[k]}”"
        for k in sorted(rule_keys & model_keys)
        if mirror.choices[k] != k and mirror.choices[k] != mirror.model_choices[k]
    ]
    return problems
