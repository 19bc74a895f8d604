"""Who may do what in the gazette register (issue 15): reading is public; recording a document's life (published,
amended, repealed, lapsed) and entering 高政字〔2021〕60号's retained list is for those who ingest the gazette
(the system administrator, Capability.GAZETTE_INGEST) and for system actors (the command line). Four eyes are not
needed: each entry is audited and names the document that caused it."""

from __future__ import annotations

from countyhall.core.access import SCOPE_COUNTY, SCOPE_SYSTEM, Permission
from countyhall.core.actors import as_actor
from countyhall.core.roles import Capability, Role

REGISTER_KEEPERS = frozenset({Role.SYSTEM_ADMIN})


def can_administer_register(actor) -> bool:
    if actor is None or isinstance(actor, str) or getattr(actor, "is_system", False):
        return as_actor(actor).is_system
    return bool(getattr(actor, "is_authenticated", False)) and actor.can(Capability.GAZETTE_INGEST)


def can_see_open_items(actor) -> bool:
    """The open items a document's end reaches (each program's cited_open_items: lunches, settlements, subsidies still
    open, with their counts and links to the staff pages) are the departments' work, for signed-in users; a citizen
    reads the figures and readings a change affects, not the county's workload, nor links that end at the login page
    (walk15)."""
    if actor is None or isinstance(actor, str) or getattr(actor, "is_system", False):
        return as_actor(actor).is_system
    return bool(getattr(actor, "is_authenticated", False))


PERMISSIONS = [
    Permission(
        "gazette.event_record",
        "登记文件的公布、修改、废止或失效",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note=f"每条须注明引起该事件的文件（文号）；{SCOPE_SYSTEM}亦可",
    ),
    Permission(
        "gazette.event_correct",
        "更正已登记的文件事件",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note=f"须写明更正理由；原登记保留，更正后的登记取代它；{SCOPE_SYSTEM}亦可",
    ),
    Permission(
        "gazette.event_withdraw",
        "撤销录错的文件事件登记",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note=f"须写明理由；登记保留并标明已撤销，不再计入文件效力；{SCOPE_SYSTEM}亦可",
    ),
    Permission(
        "gazette.retained_list_enter",
        "录入高政字〔2021〕60号保留文件目录",
        {Role.SYSTEM_ADMIN: SCOPE_COUNTY},
        note=f"附件未随文刊印，按县政府网站所载目录录入，件数须为18件（第15行）；{SCOPE_SYSTEM}亦可",
    ),
]
