"""The register's pure rules (issue 15): the end of a probation or a secondment, the 2021 review's retained list,
a document's standing on a day. No database: services and selectors pass the rows in.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from countyhall.core.clock import chinese_date

# 高政字〔2021〕60号 L15–17: "决定保留县政府和县政府办公室规范性文件 18件（目录附后）". The sentence is in the notice's
# unnumbered body (the document has no numbered clause to cite), so the figure lives here with its line rather
# than in a parameter file whose citations must name a clause. The list itself is the unprinted attachment (L19,
# L25): administrators enter it; the platform checks only that it has 18 entries.
REVIEW_2021 = "高政字〔2021〕60号"
REVIEW_2021_DATE = dt.date(2021, 9, 26)  # L23
REVIEW_2021_LINE = 15
REVIEW_2021_RETAINED_COUNT = 18
# The review's scope (L13–15): the normative documents of the county government and of its office.
REVIEW_2021_ISSUERS = ("高青县人民政府", "高青县人民政府办公室")
NOT_RETAINED = "未列入2021年清理保留目录（待确认）"
# Bounded as the parser's (parser.NUMBER_RE): a 文号 of a 100-character 代字 or a 20-digit serial is no 文号, and
# DocumentEvent.number holds 64 characters (PostgreSQL refused the row with a 500).
NUMBER_RE = re.compile(r"^[\u4e00-\u9fff]{1,16}〔\d{4}〕\d{1,4}号$")


# The reading (countyhall/parameters/gazette.yaml) that says how a period of months from a decision ends.
PERIOD_END_READING = "P2"


# What each answer of P2 says, in the words a to-do and the person page cite.
PERIOD_END_WORDS = {"adopted": "期满日为对应日的前一日", "alternative": "期满日为对应日"}


def period_end(start: dt.date, months: int, *, answer: str = "adopted") -> dt.date:
    """The last day of a period of `months` from `start`, by reading P2's answer. Adopted: the start day counts, so
    the period ends the day before the corresponding day (2021-08-25 + one year → 2022-08-24). Alternative: the
    start day does not count (民法典 art. 201–202), so it ends on the corresponding day (→ 2022-08-25). A
    corresponding day missing from the month is the month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    corresponding = dt.date(year, month, day)
    return corresponding if answer == "alternative" else corresponding - dt.timedelta(days=1)


def version_on(starts: list[tuple[int, dt.date]], on: dt.date) -> int | None:
    """The version whose text is in force on `on`, from each version's legal start (version, from): the one that
    began last on or before that day (of two beginning the same day, the later version); before any began, the
    first. A version's start is its legal date (the amendment's in-force date), never the day it was typed in."""
    if not starts:
        return None
    begun = [(start, version) for version, start in starts if start <= on]
    if not begun:
        return min(version for version, _ in starts)
    return max(begun)[1]


def day_after(day: dt.date) -> dt.date:
    """The first day after `day` (an expiry's last day in force → the day it no longer is); for 9999-12-31, a
    validity "有效期至9999年12月31日" a careless text may print, the day itself (no later date exists)."""
    return day if day == dt.date.max else day + dt.timedelta(days=1)


def clause_within(path: str, ancestor: str) -> bool:
    """The clause `path` is `ancestor` or lies under it (五、（一）2 under 五、（一）; 1.1.2 under 1.1), going by the printed
    paths: after an ancestor ending in a number the path must not go on with a digit (一、10 is not under 一、1)."""
    if path == ancestor:
        return True
    if not ancestor or not path.startswith(ancestor):
        return False
    return not (ancestor[-1].isdigit() and path[len(ancestor)].isdigit())


def whole_number(text: str) -> str | None:
    """`text` in the standard form when the whole of it is one 文号 in any printed spelling, else None.

    parser.normalise_number finds a 文号 anywhere in a text (right for a search query), so for a field that must
    be a 文号 it would turn "高"×100 + "〔2021〕1号" into the 文号 of its last 16 characters, or "高政办发〔2021〕2号文件
    第三条" into 2号, and record an event or a retained entry for a document nobody named in that form."""
    from .parser import FULLWIDTH, NUMBER_ANY_RE, canonical_number

    match = NUMBER_ANY_RE.fullmatch(text.strip().translate(FULLWIDTH))
    return canonical_number(match["prefix"], match["year"], match["serial"]) if match else None


def parse_number_list(text: str) -> list[str]:
    """One 文号 a line (blank lines and a leading "1." or "（1）" ignored), 全角 brackets normalised by the parser."""
    numbers = []
    for raw in text.splitlines():
        line = re.sub(r"^\s*(?:\d+[.、．]|[（(]\d+[)）])\s*", "", raw).strip()
        if line:
            numbers.append(whole_number(line) or line)
    return numbers


def retained_list_problems(numbers: list[str]) -> list[str]:
    """What is wrong with an entered retained list, in Chinese (empty: it may be stored)."""
    problems = []
    bad = [n for n in numbers if not NUMBER_RE.match(n)]
    if bad:
        problems.append("以下各行不是文号：" + "、".join(bad))
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        problems.append("文号重复：" + "、".join(duplicates))
    if len(numbers) != REVIEW_2021_RETAINED_COUNT:
        problems.append(
            f"高政字〔2021〕60号决定保留规范性文件 {REVIEW_2021_RETAINED_COUNT} 件（第{REVIEW_2021_LINE}行），"
            f"录入的是 {len(numbers)} 件"
        )
    return problems


def in_review_scope(*, issuer: str, date: dt.date, kind: str, number: str) -> bool:
    """A document the 2021 review covered: the county government's or its office's, issued before 2021-09-26, not
    a personnel decision (not a normative document)."""
    return (
        issuer in REVIEW_2021_ISSUERS
        and date < REVIEW_2021_DATE
        and kind != "personnel"
        and number != REVIEW_2021
    )


@dataclass(frozen=True)
class Standing:
    """A document's standing on a day: code, the words shown, and whether it is in force."""

    code: str  # not_yet, in_force, expired, repealed, lapsed, not_retained
    label: str
    in_force: bool
    since: dt.date | None = None


def standing_on(
    *,
    on: dt.date,
    date: dt.date,
    effective_from: dt.date | None,
    events: list[tuple[str, dt.date]],
    review_scope: bool,
    retained: bool,
    retained_list_complete: bool,
) -> Standing:
    """What a document is on `on`, from its dates and its events (kind, date) up to that day."""
    past = sorted((d, k) for k, d in events if d <= on)
    for day, kind in reversed(past):
        if kind == "repealed":
            return Standing("repealed", f"已废止（{chinese_date(day)}起）", False, day)
        if kind == "lapsed":
            return Standing("lapsed", f"已失效（{chinese_date(day)}起）", False, day)
    expiry = next((d for k, d in events if k == "expires"), None)
    if expiry is not None and on > expiry:
        return Standing("expired", f"有效期已于{chinese_date(expiry)}届满", False, expiry)
    start = effective_from or date
    if on < start:
        return Standing("not_yet", f"尚未施行（{chinese_date(start)}起施行）", False, start)
    if review_scope and on >= REVIEW_2021_DATE and retained_list_complete and not retained:
        return Standing("not_retained", NOT_RETAINED, True, REVIEW_2021_DATE)
    return Standing("in_force", "现行有效", True, start)
