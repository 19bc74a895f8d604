from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from countyhall.core.roles import Role, capabilities_for

from .divisions import Division, Organisation


class User(AbstractUser):
    """A civil servant or operator: belongs to one organisation, acts within one division, holds roles."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    division = models.ForeignKey(
        Division,
        verbose_name="数据范围（区划）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="用户只能看到该区划及其下级的人员数据；为空时取所属机构的区划。",
    )
    display_name = models.CharField("姓名", max_length=32, blank=True)

    # A person signed in, as opposed to a core.actors.SystemActor (services read this, never isinstance).
    is_system = False

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.role_grants.values_list("role", flat=True))

    @cached_property
    def capabilities(self) -> frozenset[str]:
        return capabilities_for(self.role_codes)

    def can(self, capability: str) -> bool:
        return self.is_active and capability in self.capabilities

    @property
    def scope_division(self) -> Division | None:
        if self.division_id:
            return self.division
        if self.organisation_id:
            return self.organisation.division
        return None

    def role_labels(self) -> list[str]:
        return [Role(code).label for code in sorted(self.role_codes)]


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    # Who granted the role and when (set by the admin's user page, core.admin): four eyes on governed policy
    # refuse an approver whom the proposer made an administrator, or who became one after the proposal
    # (core.services.policy). Empty on grants made before these were kept.
    granted_by = models.ForeignKey(
        User, verbose_name="授予人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField("授予时间", null=True, blank=True)

    class Meta:
        verbose_name = "角色授予"
        verbose_name_plural = "角色授予"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"
