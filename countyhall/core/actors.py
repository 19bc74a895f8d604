"""Who acts: a signed-in user, or a named system actor (a command-line run, the daily sweep, the demo loader).

Services take `actor: Actor`. A system actor holds no role and sees no town; it is allowed only where a
program's access module says so explicitly (`actor.is_system`), never because a check forgot it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from countyhall.core.models import User


@dataclass(frozen=True)
class SystemActor:
    """A named actor without a user account: `cli:root`, `system`, `demo`."""

    label: str

    # The attributes services read from a user, answered for "nobody in particular".
    is_system = True
    is_authenticated = False
    is_active = True
    is_staff = False
    pk = None
    id = None
    organisation_id = None
    organisation = None
    division_id = None
    scope_division = None
    role_codes: frozenset[str] = frozenset()

    def can(self, capability: str) -> bool:
        return False

    def get_username(self) -> str:
        return self.label

    def __str__(self) -> str:
        return self.label


Actor = Union["User", SystemActor]


def as_actor(value) -> Actor:
    """A user stays a user; a label such as "cli:root" becomes a SystemActor (for old call sites and tests)."""
    if isinstance(value, SystemActor):
        return value
    if isinstance(value, str):
        return SystemActor(value or "system")
    if value is None:
        return SystemActor("system")
    return value


def cli_actor() -> SystemActor:
    try:
        return SystemActor(f"cli:{getpass.getuser()}")
    except Exception:  # noqa: BLE001 - no login name in some containers
        return SystemActor("cli")


def actor_user(actor) -> User | None:
    """The acting user, or None for a system actor."""
    actor = as_actor(actor)
    return None if actor.is_system else actor


def actor_label(actor) -> str:
    actor = as_actor(actor)
    return actor.label if actor.is_system else actor.get_username()


def is_system(actor) -> bool:
    return as_actor(actor).is_system
