"""What the gazette register puts on the home page (issue 15): a document expiring within 90 days on the list of
the departments whose program cites it (and of the register's keepers), with its affected figures one click away;
a probation's or a secondment's year ending within 60 days on the register keepers' list."""

from __future__ import annotations

from django.urls import reverse

from countyhall.core.clock import business_date, chinese_date
from countyhall.core.programs import Todo, registered_programs
from countyhall.core.roles import Role

from . import access
from .selectors import expiring_documents, memberships_ending, period_reading, programs_citing

EXPIRY_NOTICE_DAYS = 90  # issue 15: an expiry within 90 days is on the responsible department's list
TERM_NOTICE_DAYS = 60  # how far ahead a probation's or secondment's end is shown (a desk setting, not policy)
MENU = "gazette:list"


# Roles on a citing program's menu who do not answer for its figures: the auditor reads the trail, and the firms, the
# canteen operators, the power enterprises and the third-party reviewers are outside parties the figures apply to.
# "核对受影响的数值与事项" is the departments' (and the towns') work, not theirs (walk15).
NOT_RESPONSIBLE = frozenset(
    {
        Role.AUDITOR,
        Role.CANTEEN_OPERATOR,
        Role.APPLICANT_FIRM,
        Role.POWER_ENTERPRISE,
        Role.EGOV_REVIEWER,
    }
)


def _responsible_roles(number: str) -> frozenset[str]:
    labels = set(programs_citing(number))
    roles: set[str] = set()
    for program in registered_programs():
        if program.label in labels:
            for entry in program.menu:
                roles |= set(entry.roles)
    return frozenset(roles) - NOT_RESPONSIBLE


def todos(user) -> list[Todo]:
    roles = getattr(user, "role_codes", frozenset()) or frozenset()
    if not getattr(user, "is_authenticated", False):
        return []
    today = business_date()
    keeper = access.can_administer_register(user)
    items: list[Todo] = []
    for event in expiring_documents(today=today, within_days=EXPIRY_NOTICE_DAYS):
        if keeper or roles & _responsible_roles(event.number):
            url = reverse("gazette:affected", args=[event.document.uri.lstrip("/")]) if event.document else ""
            items.append(
                Todo(
                    label=f"{event.number} 有效期将于{chinese_date(event.date)}届满：核对受影响的数值与事项",
                    url=url or reverse(MENU),
                    deadline=event.date,
                    urgent=(event.date - today).days <= 30,
                    menu=MENU,
                )
            )
    if keeper:
        for membership, what, day in memberships_ending(today=today, within_days=TERM_NOTICE_DAYS):
            # The end is a reading's answer (P2: the day before the corresponding day, or that day): cite it.
            reading = period_reading(membership.start or day)
            items.append(
                Todo(
                    # What the keeper does (P4): check for the decision that follows; the platform does not judge it.
                    label=f"{membership.person} {membership.post} {what}（{chinese_date(day)}；"
                    f"按解读“{reading['words']}”）：核对后续任免文件",
                    url=reverse("gazette:person", args=[membership.person]) + "#next-step",
                    deadline=day,
                    urgent=day <= today,
                    menu=MENU,
                )
            )
    return items
