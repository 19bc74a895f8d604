"""`countyhall gazette event …`: record, correct and list the register's administered events (issue 15). Thin:
the checks are services.event_check's; a refusal prints {"error": {"field", "message"}} and exits with status 2.
Added under the `gazette` command countyhall/cli.py builds (ingest, list)."""

from __future__ import annotations

from countyhall.cli import _actor, _fail, _print_json, iso_date

KINDS = ("published", "amended", "repealed", "lapsed")


def _event_json(event) -> dict:
    return {
        "id": event.pk,
        "number": event.number,
        "kind": event.kind,
        "kind_label": event.get_kind_display(),
        "date": event.date.isoformat(),
        "cause_number": event.cause_number,
        "cause_line": event.cause_line,
        "clauses": list(event.clauses),
        "version": event.version,
        "note": event.note,
        "origin": event.origin,
        "correction_reason": event.correction_reason,
        "superseded_by": event.superseded_by_id,
    }


def cmd_event_record(args) -> int:
    from countyhall.core.errors import ServiceError
    from countyhall.gazette.services import event_record

    try:
        event = event_record(
            actor=_actor(),
            number=args.number,
            kind=args.kind,
            date=args.date,
            cause_number=args.cause,
            clauses=args.clause or [],
            cause_line=args.cause_line,
            note=args.reason,
            version=args.version,
        )
    except ServiceError as exc:
        return _fail(exc.field, exc.message)
    _print_json({"recorded": _event_json(event)})
    return 0


def cmd_event_correct(args) -> int:
    from countyhall.core.errors import ServiceError
    from countyhall.gazette.models import DocumentEvent
    from countyhall.gazette.services import event_correct

    old = DocumentEvent.history.filter(pk=args.id).first()
    if old is None:
        return _fail("id", f"登记：没有编号为 {args.id} 的文件事件登记")
    try:
        # What is not given stays as recorded; the reason is always required.
        event = event_correct(
            actor=_actor(),
            event=old,
            reason=args.reason,
            kind=args.kind or old.kind,
            date=args.date or old.date,
            cause_number=args.cause or old.cause_number,
            clauses=args.clause if args.clause is not None else list(old.clauses),
            cause_line=args.cause_line if args.cause_line is not None else old.cause_line,
            note=args.note if args.note is not None else old.note,
            version=args.version if args.version is not None else old.version,
        )
    except ServiceError as exc:
        return _fail(exc.field, exc.message)
    _print_json({"corrected": args.id, "recorded": _event_json(event)})
    return 0


def cmd_event_list(args) -> int:
    from countyhall.gazette.selectors import events_list

    events = events_list(number=args.number or "", kind=args.kind or "", history=args.history)
    _print_json([_event_json(e) for e in events])
    return 0


def _positive(value: str) -> int:
    import argparse

    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{value}”不是正整数。") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"“{value}”不是正整数。")
    return number


def register_event(gazette_sub) -> None:
    event = gazette_sub.add_parser(
        "event", help="record, correct or list a document's published/amended/repealed/lapsed"
    )
    event_sub = event.add_subparsers(dest="event_action", metavar="ACTION", required=True)

    record = event_sub.add_parser("record", help="record an event citing the document that caused it")
    record.add_argument("--number", required=True, help="the document's 文号 (or its title)")
    record.add_argument("--kind", required=True, choices=KINDS)
    record.add_argument("--date", required=True, type=iso_date, help="effective date, YYYY-MM-DD")
    record.add_argument("--cause", required=True, help="文号 (or title) of the document that caused it")
    record.add_argument(
        "--clause", action="append", help="an amended clause path, e.g. 五、（一）2 (repeatable)"
    )
    record.add_argument("--cause-line", type=_positive, help="the cause's line in the gazette")
    record.add_argument("--version", type=_positive, help="the version whose text an amendment brings in")
    record.add_argument("--reason", required=True, help="why it is recorded (kept as the entry's note)")
    record.set_defaults(func=cmd_event_record)

    correct = event_sub.add_parser(
        "correct", help="correct an entry: a new entry replaces it, the old one is kept"
    )
    correct.add_argument("id", type=_positive, help="the entry's id (gazette event list)")
    correct.add_argument("--reason", required=True, help="why it is corrected")
    correct.add_argument("--kind", choices=KINDS)
    correct.add_argument("--date", type=iso_date)
    correct.add_argument("--cause")
    correct.add_argument("--clause", action="append")
    correct.add_argument("--cause-line", type=_positive)
    correct.add_argument("--version", type=_positive)
    correct.add_argument("--note")
    correct.set_defaults(func=cmd_event_correct)

    from countyhall.gazette.models import DocumentEvent

    listing = event_sub.add_parser("list", help="the register's entries as JSON")
    listing.add_argument("--number")
    listing.add_argument("--kind", choices=DocumentEvent.Kind.values)
    listing.add_argument("--history", action="store_true", help="include corrected entries")
    listing.set_defaults(func=cmd_event_list)
