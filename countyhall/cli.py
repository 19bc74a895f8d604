"""The `countyhall` command: a thin adapter over the services and the rules interface.

Errors a user can fix print {"error": {"field": ..., "message": ...}} and exit with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

EXIT_BAD_INPUT = 2


PRODUCTION_SETTINGS = "countyhall.config.settings.production"


def _setup_django() -> None:
    # Production unless told otherwise: a server's cron job or an operator's shell that forgets to choose gets
    # the settings that refuse DEBUG and the development key; `make demo`/`make serve` choose local explicitly.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", PRODUCTION_SETTINGS)
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        # The production settings refuse a bad environment with a Chinese message: print it in the CLI's one
        # error shape, with the way out for a developer who meant the local settings.
        hint = ""
        if os.environ["DJANGO_SETTINGS_MODULE"] == PRODUCTION_SETTINGS:
            hint = (
                "（当前使用生产配置 countyhall.config.settings.production：环境变量见 "
                "deploy/countyhall.env.example；开发或演示请设置 "
                "DJANGO_SETTINGS_MODULE=countyhall.config.settings.local）"
            )
        raise SystemExit(_fail("DJANGO_SETTINGS_MODULE", f"{exc}{hint}")) from None


def _actor():
    from countyhall.core.actors import cli_actor

    return cli_actor()


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(field: str, message: str) -> int:
    _print_json({"error": {"field": field, "message": message}})
    return EXIT_BAD_INPUT


class UsageError(Exception):
    """A command line argparse refused: reported in the CLI's one error shape, not as argparse's usage text."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


TYPE_LABELS = {
    "int": "整数",
    "float": "数字",
    "iso_date": "日期（YYYY-MM-DD）",
    "fromisoformat": "日期（YYYY-MM-DD）",
}

# argparse's messages (English, stable across 3.11–3.13), each turned into (field, Chinese message).
USAGE_MESSAGES = [
    (
        re.compile(
            r"^argument (?P<name>[^:]+): invalid choice: '?(?P<value>.*?)'? \(choose from (?P<choices>.*)\)$"
        ),
        lambda m: f"“{m['value']}”不是可用的选项；可选：{m['choices'].replace(chr(39), '')}。",
    ),
    (
        re.compile(r"^argument (?P<name>[^:]+): invalid (?P<type>\w+) value: '(?P<value>.*)'$"),
        lambda m: f"值“{m['value']}”无效：应为{TYPE_LABELS.get(m['type'], m['type'])}。",
    ),
    (re.compile(r"^argument (?P<name>[^:]+): expected one argument$"), lambda m: "缺少参数值。"),
    (
        re.compile(r"^argument (?P<name>[^:]+): expected (?P<count>.+) arguments?$"),
        lambda m: f"参数值个数不对（应为 {m['count']} 个）。",
    ),
    (re.compile(r"^argument (?P<name>[^:]+): (?P<detail>.+)$"), lambda m: m["detail"]),
    (
        re.compile(r"^the following arguments are required: (?P<name>[^,]+)(?P<rest>.*)$"),
        lambda m: f"缺少必填参数：{m['name']}{m['rest'].replace(', ', '、')}。",
    ),
    (re.compile(r"^unrecognized arguments: (?P<value>.*)$"), lambda m: f"无法识别的参数：{m['value']}。"),
]


def _usage_field(name: str) -> str:
    """The field an argparse message names: an option as written (--on), a positional or a metavar in lower case."""
    name = name.split("/")[-1].strip()
    return name if name.startswith("-") else name.lower()


class JsonArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors raise UsageError; `main` prints them as {"error": …} and exits 2.

    Subparsers made by `add_subparsers` take the parent's class (argparse's default parser_class is
    type(self)), so every subcommand, the programs' included and nested ones, answers the same way.
    """

    def error(self, message: str):
        for pattern, explain in USAGE_MESSAGES:
            match = pattern.match(message)
            if match:
                name = match.groupdict().get("name")
                field = _usage_field(name) if name else "(arguments)"
                text = explain(match)
                break
        else:
            field, text = "(arguments)", message
        usage = self.format_usage().strip().removeprefix("usage:").strip()
        raise UsageError(field, f"{self.prog}：{text}用法：{usage}")


def iso_date(value: str) -> dt.date:
    """An argparse type for dates, so a bad --on is a usage error naming the option."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{value}”无效：应为 YYYY-MM-DD。") from None


def cmd_calc(args) -> int:
    from countyhall.core.rules import RuleInputError, calc, rule_catalogue

    if not args.rule:
        _print_json({"rules": rule_catalogue()})
        return 0
    try:
        raw = Path(args.input).read_text(encoding="utf-8") if args.input else sys.stdin.read()
    except OSError as exc:
        return _fail("--input", f"无法读取输入文件：{exc.strerror}")
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _fail("(input)", f"输入不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}")
    try:
        _print_json(calc(args.rule, payload))
    except RuleInputError as exc:
        # Every problem at once ("errors"), the first also as "error" like the rest of the CLI.
        _print_json(exc.as_dict())
        return EXIT_BAD_INPUT
    return 0


def cmd_gazette_ingest(args) -> int:
    from countyhall.core.errors import ServiceError
    from countyhall.gazette.services import gazette_ingest

    try:
        report = gazette_ingest(path=Path(args.path), actor=_actor())
    except ServiceError as exc:
        return _fail(exc.field, exc.message)
    # Documents that could not be read are listed under "problems" (file, line, reason); the others are stored.
    _print_json(report.as_dict())
    return 0


def cmd_gazette_list(args) -> int:
    from countyhall.gazette.selectors import document_list

    documents = [
        {"number": d.number, "issuer": d.issuer, "title": d.title, "date": d.date.isoformat(), "kind": d.kind}
        for d in document_list()
    ]
    if args.json:
        _print_json(documents)
    else:
        for d in documents:
            print(f"{d['number']:<20} {d['date']}  {d['issuer']:<12} {d['title']}")
    return 0


def cmd_calendar_seed(args) -> int:
    from countyhall.core.errors import ServiceError
    from countyhall.core.services.calendar import calendar_seed_year, package_years

    years = args.years or [y for y in package_years() if y >= 2019]
    for year in years:
        try:
            calendar_seed_year(year=year, actor=_actor())
        except ServiceError as exc:
            return _fail(exc.field, exc.message)
    _print_json({"seeded": years})
    return 0


def cmd_params_list(args) -> int:
    from countyhall.core.policy import parameters

    rows = []
    for p in parameters():
        for v in p.values:
            rows.append(
                {
                    "name": p.name,
                    "label": p.label,
                    "value": v.value if isinstance(v.value, int | bool | dict) else str(v.value),
                    "unit": p.unit,
                    "from": v.valid_from.isoformat(),
                    "to": v.valid_to.isoformat() if v.valid_to else None,
                    "citation": v.citation.as_dict(),
                    "reading": v.reading,
                }
            )
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            c = r["citation"]
            print(
                f"{r['name']:<45} {r['value']!s:<14} {r['from']}…{r['to'] or ''}  {c['document']} {c['clause']} L{c['line']}"
            )
    return 0


def cmd_params_check(args) -> int:
    from countyhall.core.policy import ParameterError, load_parameter_dir

    directory = Path(args.directory) if args.directory else None
    if directory is None:
        from django.conf import settings

        directory = settings.POLICY_PARAMETER_DIR
    try:
        registry = load_parameter_dir(directory)
    except ParameterError as exc:
        return _fail("parameters", str(exc))
    _print_json({"parameters": len(registry.parameters), "readings": len(registry.readings)})
    return 0


def cmd_demo(args) -> int:
    from django.conf import settings
    from django.core.management import call_command

    # Demo accounts have printed passwords: never on a server. Production settings never have DEBUG, so DEBUG
    # off is the test, and the production module is named too in case someone switched DEBUG on elsewhere.
    if not settings.DEBUG or settings.SETTINGS_MODULE == PRODUCTION_SETTINGS:
        return _fail(
            "demo",
            "演示数据（含公开密码的演示账号）只能在开发环境加载：需要 DEBUG 开启的本地配置"
            "（DJANGO_SETTINGS_MODULE=countyhall.config.settings.local，make demo 已设置），"
            f"当前为 {settings.SETTINGS_MODULE}，DEBUG={'开启' if settings.DEBUG else '关闭'}。",
        )

    from countyhall.core.demo import demo_load
    from countyhall.core.programs import registered_programs
    from countyhall.core.services.calendar import calendar_seed_year, package_years
    from countyhall.gazette.services import gazette_ingest

    call_command("migrate", interactive=False, verbosity=0)
    for year in (y for y in package_years() if y >= 2019):
        calendar_seed_year(year=year, actor=_actor())
    print(f"工作日历：已导入 {max(2019, package_years().start)}–{package_years().stop - 1} 年")
    accounts = demo_load(actor=_actor())
    if Path(settings.GAZETTE_SEED_PATH).exists():
        report = gazette_ingest(path=Path(settings.GAZETTE_SEED_PATH), actor=_actor())
        print(f"公报：新增 {len(report.created)}，更新 {len(report.updated)}，未变 {len(report.unchanged)}")
    else:
        print(f"未找到公报文件 {settings.GAZETTE_SEED_PATH}（可设置 COUNTYHALL_GAZETTE）", file=sys.stderr)
    # Each registered program's demo loader, in INSTALLED_APPS order.
    for program in registered_programs():
        for line in program.demo_load(actor=_actor()):
            print(line)
    print("演示账号（用户名 / 密码 / 角色）：")
    for username, password, role in accounts:
        print(f"  {username:<10} {password:<22} {role}")
    return 0


def cmd_outbox_send(args) -> int:
    from countyhall.core.notifications import outbox_dispatch

    _print_json(outbox_dispatch(limit=args.limit))
    return 0


def cmd_worker(args) -> int:
    from countyhall.core.jobs import run_worker

    run_worker(
        interval=args.interval, batch=args.batch, max_tasks=args.max_tasks, schedule=not args.no_schedule
    )
    return 0


def cmd_jobs_prune(args) -> int:
    from countyhall.core.jobs import jobs_prune_files

    _print_json({"pruned": jobs_prune_files(days=args.days)})
    return 0


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["countyhall manage", *args.rest])
    return 0


def cmd_backup(args) -> int:
    from countyhall.core.errors import ServiceError
    from countyhall.core.services.backup import backup_create

    try:
        _print_json(backup_create(to_dir=Path(args.to) if args.to else None))
    except ServiceError as exc:
        return _fail(exc.field, exc.message)
    return 0


def cmd_restore(args) -> int:
    from countyhall.core.errors import ServiceError
    from countyhall.core.services.backup import backup_restore

    try:
        _print_json(backup_restore(archive=Path(args.archive), assume_yes=args.yes, actor=_actor()))
    except ServiceError as exc:
        return _fail(exc.field, exc.message)
    return 0


def cmd_upgrade(args) -> int:
    from countyhall.core.services.backup import upgrade_run

    result = upgrade_run()
    _print_json(result)
    # Deployment-check errors fail the upgrade (a timer or a deploy script sees it); warnings are reported only.
    return 0 if result["ok"] else 1


def build_parser() -> argparse.ArgumentParser:
    parser = JsonArgumentParser(prog="countyhall", description="高青县政策执行平台（countyhall）命令行")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=JsonArgumentParser)

    calc = sub.add_parser(
        "calc", help="run a rule: JSON object on stdin (or --input FILE), JSON result on stdout"
    )
    calc.add_argument("rule", nargs="?", help="rule name, e.g. calendar.add_working_days; omit to list rules")
    calc.add_argument("--input", help="read the JSON input from this file instead of stdin")
    calc.set_defaults(func=cmd_calc)

    gazette = sub.add_parser("gazette", help="ingest and list gazette documents")
    gazette_sub = gazette.add_subparsers(dest="action", metavar="ACTION", required=True)
    ingest = gazette_sub.add_parser(
        "ingest", help="read a document, a gazette issue or a folder of .txt files into documents and clauses"
    )
    ingest.add_argument("path")
    ingest.set_defaults(func=cmd_gazette_ingest)
    listing = gazette_sub.add_parser("list", help="list ingested documents")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_gazette_list)
    from countyhall.gazette.cli import register_event

    register_event(gazette_sub)  # `gazette event record|correct|list`

    calendar = sub.add_parser("calendar", help="working-day calendar")
    calendar_sub = calendar.add_subparsers(dest="action", metavar="ACTION", required=True)
    seed = calendar_sub.add_parser("seed", help="seed years from the chinese-calendar package")
    seed.add_argument("years", nargs="*", type=int)
    seed.set_defaults(func=cmd_calendar_seed)

    params = sub.add_parser("params", help="policy parameters")
    params_sub = params.add_subparsers(dest="action", metavar="ACTION", required=True)
    plist = params_sub.add_parser("list", help="every parameter value with its citation")
    plist.add_argument("--json", action="store_true")
    plist.set_defaults(func=cmd_params_list)
    check = params_sub.add_parser("check", help="validate the parameter YAML files")
    check.add_argument("directory", nargs="?")
    check.set_defaults(func=cmd_params_check)

    demo = sub.add_parser("demo", help="migrate, seed the calendar, ingest the gazette, load demo users")
    demo.set_defaults(func=cmd_demo)

    # Each registered program adds its own subcommands (permits sweep, emergency seed …).
    from countyhall.core.programs import registered_programs

    for program in registered_programs():
        program.register_cli(sub)

    outbox = sub.add_parser("outbox", help="notifications")
    outbox_sub = outbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    send = outbox_sub.add_parser(
        "send", help="hand pending SMS and e-mail to the configured senders (run every minute)"
    )
    send.add_argument("--limit", type=int, default=200)
    send.set_defaults(func=cmd_outbox_send)

    backup = sub.add_parser(
        "backup", help="archive the database and the uploaded files (countyhall-YYYYMMDD-HHMMSS.tar.gz)"
    )
    backup.add_argument("--to", metavar="DIR", help="directory for the archive (default: VAR_DIR/backups)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="replace the database and the uploaded files with an archive's")
    restore.add_argument("archive", metavar="ARCHIVE")
    restore.add_argument("--yes", action="store_true", help="overwrite a database that already holds data")
    restore.set_defaults(func=cmd_restore)
    upgrade = sub.add_parser(
        "upgrade", help="after installing a release: migrate, collectstatic, check --deploy"
    )
    upgrade.set_defaults(func=cmd_upgrade)

    worker = sub.add_parser(
        "worker",
        help="run background jobs from the database queue (imports, exports, "
        "settlements, the outbox and the permit sweep); stop with Ctrl+C",
    )
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between looks at an empty queue")
    worker.add_argument("--batch", action="store_true", help="run what is queued, then exit")
    worker.add_argument("--max-tasks", type=int, default=None, help="exit after this many jobs")
    worker.add_argument(
        "--no-schedule",
        action="store_true",
        help="do not enqueue the periodic jobs (outbox every minute, permit sweep daily)",
    )
    worker.set_defaults(func=cmd_worker)
    jobs_cmd = sub.add_parser("jobs", help="background jobs housekeeping")
    jobs_sub = jobs_cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    prune = jobs_sub.add_parser(
        "prune",
        help="remove the input and result files of finished jobs older than "
        "COUNTYHALL_JOB_FILES_DAYS (the job records stay)",
    )
    prune.add_argument("--days", type=int, default=None, help="instead of COUNTYHALL_JOB_FILES_DAYS")
    prune.set_defaults(func=cmd_jobs_prune)

    manage = sub.add_parser(
        "manage", help="any Django management command (migrate, runserver, createsuperuser …)"
    )
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Django is set up first: the programs' subcommands come from the app registry.
    _setup_django()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        return _fail(exc.field, exc.message)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from countyhall.core.services.policy import governed_refresh

    governed_refresh()  # the approved policy changes in force for the command's rules
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
