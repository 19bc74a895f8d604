"""Fields read right per document on the team's own collection of documents in other counties' layouts, and how
long the parser takes on the 高青 gazette issue (issue 15).

Two sets: the test collection (tests/gazette/documents, whose expectations the parser was developed against: it
must score in full) and a held-out set (benchmarks/gazette_heldout: written after the parser was frozen, expected
fields typed by hand, never used to tune it) — the held-out score is the honest estimate for a new county.

    python -m benchmarks.gazette_fields                       # the parser of this checkout
    python -m benchmarks.gazette_fields --baseline fadb0e6    # also the parser of an earlier commit, for comparison

Pure: no database. Each document of the collection is matched to its expectation (tests/gazette/documents/
expected.json) by file and position; a field is right when it equals the expectation exactly (the clause tree:
every path with its first line; personnel: every decision). A document the parser cannot read scores 0 on every
field. Result: a table on stdout and one JSON object in var/bench/gazette_fields.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ROOT / "tests" / "gazette" / "documents"
HELDOUT = ROOT / "benchmarks" / "gazette_heldout"
# Held-out expectations are convention-neutral: numbered clause paths only (no 落款/施行和有效期/附件 clauses, no
# lines), personnel as (action, person).
HELDOUT_FIELDS = (
    "number",
    "issuers",
    "title",
    "date",
    "kind",
    "effective_from",
    "effective_to",
    "recipients",
    "attachments_printed",
    "clauses",
    "personnel",
)
CONVENTION_PATHS = ("落款", "施行和有效期", "附件")
SEED = Path("/work/shared/seeds/gaoqing-gazette-2021-03.txt")
OUT = ROOT / "var" / "bench"

FIELDS = (
    "number",
    "issuers",
    "title",
    "date",
    "kind",
    "effective_from",
    "effective_to",
    "recipients",
    "attachments",
    "attachments_printed",
    "clauses",
    "personnel",
)


def _iso(value):
    return value.isoformat() if value else None


def _fields(document) -> dict:
    return {
        "number": document.number if getattr(document, "numbered", True) else None,
        "issuers": getattr(document, "issuers", None) or [document.issuer],
        "title": document.title,
        "date": _iso(document.date),
        "kind": document.kind,
        "effective_from": _iso(document.effective_from),
        "effective_to": _iso(document.effective_to),
        "recipients": document.recipients,
        "attachments": document.attachments,
        "attachments_printed": document.attachments_printed,
        "clauses": [[c.path, c.line] for c in document.clauses],
        "personnel": [
            [
                p.action,
                p.person,
                p.position,
                getattr(p, "probation_months", None),
                getattr(p, "term_months", None),
                getattr(p, "acting", False),
            ]
            for p in document.personnel
        ],
    }


def _documents(parser, text: str) -> list:
    """The documents a parser module reads from a text: read_text where it exists; an older parser's
    parse_gazette, which raises on the first document it cannot read, reads nothing then."""
    if hasattr(parser, "read_text"):
        return parser.read_text(text).documents
    try:
        return parser.parse_gazette(text).documents
    except ValueError:
        return []


def _heldout_fields(document) -> dict:
    fields = _fields(document)
    fields["clauses"] = [path for path, _ in fields["clauses"] if not path.startswith(CONVENTION_PATHS)]
    fields["personnel"] = [row[:2] for row in fields["personnel"]]
    return fields


def score_heldout(parser) -> dict:
    expected_all = json.loads((HELDOUT / "expected.json").read_text(encoding="utf-8"))
    rows = []
    for name, expected in sorted(expected_all.items()):
        read = _documents(parser, (HELDOUT / name).read_text(encoding="utf-8"))
        for index, want in enumerate(expected):
            got = _heldout_fields(read[index]) if index < len(read) else None
            right = [f for f in HELDOUT_FIELDS if got is not None and got[f] == want[f]]
            rows.append(
                {
                    "file": name,
                    "document": want["number"] or want["title"],
                    "right": len(right),
                    "wrong": [f for f in HELDOUT_FIELDS if f not in right],
                }
            )
    return {
        "documents": len(rows),
        "fields_per_document": len(HELDOUT_FIELDS),
        "fields_right": sum(r["right"] for r in rows),
        "fields_total": len(rows) * len(HELDOUT_FIELDS),
        "documents_all_right": sum(1 for r in rows if r["right"] == len(HELDOUT_FIELDS)),
        "rows": rows,
    }


def score(parser) -> dict:
    expected_all = json.loads((DOCUMENTS / "expected.json").read_text(encoding="utf-8"))
    rows = []
    for name, expected in sorted(expected_all.items()):
        read = _documents(parser, (DOCUMENTS / name).read_text(encoding="utf-8"))
        by_position = {i: _fields(d) for i, d in enumerate(read)}
        for index, want in enumerate(expected["documents"]):
            got = by_position.get(index)
            right = [f for f in FIELDS if got is not None and got[f] == want[f]]
            rows.append(
                {
                    "file": name,
                    "document": want["number"] or want["title"],
                    "right": len(right),
                    "wrong": [f for f in FIELDS if f not in right],
                }
            )
    total = len(rows) * len(FIELDS)
    return {
        "documents": len(rows),
        "fields_per_document": len(FIELDS),
        "fields_right": sum(r["right"] for r in rows),
        "fields_total": total,
        "documents_all_right": sum(1 for r in rows if r["right"] == len(FIELDS)),
        "per_field": {f: sum(1 for r in rows if f not in r["wrong"]) for f in FIELDS},
        "rows": rows,
    }


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _seed_timing(parser) -> dict:
    if not SEED.exists():
        return {}
    text = SEED.read_text(encoding="utf-8")
    started = time.perf_counter()
    documents = _documents(parser, text)
    return {"seed_documents": len(documents), "seed_seconds": round(time.perf_counter() - started, 3)}


def main() -> None:
    arguments = argparse.ArgumentParser()
    arguments.add_argument(
        "--baseline", help="a git revision whose countyhall/gazette/parser.py is scored too"
    )
    args = arguments.parse_args()
    current = _load(ROOT / "countyhall" / "gazette" / "parser.py", "gazette_parser_current")
    results = {"current": score(current) | _seed_timing(current), "current held-out": score_heldout(current)}
    if args.baseline:
        source = subprocess.run(
            ["git", "show", f"{args.baseline}:countyhall/gazette/parser.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, encoding="utf-8") as handle:
            handle.write(source)
        baseline = _load(Path(handle.name), "gazette_parser_baseline")
        results["baseline"] = score(baseline) | _seed_timing(baseline) | {"revision": args.baseline}
        results["baseline held-out"] = score_heldout(baseline)
    for label, result in results.items():
        print(
            f"{label}: {result['fields_right']}/{result['fields_total']} fields right, "
            f"{result['documents_all_right']}/{result['documents']} documents entirely right"
            + (
                f"; 高青 issue: {result['seed_documents']} documents in {result['seed_seconds']} s"
                if "seed_documents" in result
                else ""
            )
        )
        for row in result["rows"]:
            wrong = ", ".join(row["wrong"]) or "—"
            print(f"  {row['file']:<36} {row['right']:>2}/{result['fields_per_document']}  wrong: {wrong}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "gazette_fields.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
