from .audit import AuditEntry
from .calendar import CalendarDay, CalendarYear
from .divisions import Division, Organisation
from .jobs import Job, WorkerHeartbeat
from .notifications import NoticeRead, OutboxMessage
from .people import Person
from .policy import PolicyChange
from .users import RoleGrant, User

__all__ = [
    "AuditEntry",
    "CalendarDay",
    "CalendarYear",
    "Division",
    "Job",
    "NoticeRead",
    "Organisation",
    "OutboxMessage",
    "Person",
    "PolicyChange",
    "RoleGrant",
    "User",
    "WorkerHeartbeat",
]
