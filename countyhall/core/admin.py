from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils import timezone

from .models import AuditEntry, CalendarDay, CalendarYear, Division, Organisation, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 1
    readonly_fields = ["granted_by", "granted_at"]


@admin.register(User)
class CountyUserAdmin(UserAdmin):
    inlines = [RoleGrantInline]
    list_display = ["username", "display_name", "organisation", "division", "is_active"]
    fieldsets = UserAdmin.fieldsets + (
        ("机构与数据范围", {"fields": ["display_name", "organisation", "division"]}),
    )

    @transaction.atomic
    def save_formset(self, request, form, formset, change):
        """A role granted here keeps who granted it and when (four eyes on governed policy read them), and every
        grant and withdrawal is in the audit log (the admin's change view runs in one transaction)."""
        from .services.audit import audit_record

        if formset.model is not RoleGrant:
            return super().save_formset(request, form, formset, change)
        grants = formset.save(commit=False)
        for grant in formset.deleted_objects:
            audit_record(
                actor=request.user,
                action=AuditEntry.Action.DELETE,
                instance=grant,
                before={"user": grant.user_id, "role": grant.role},
                note=f"撤销角色：{grant}",
            )
            grant.delete()
        for grant in grants:
            created = grant.pk is None
            previous = (
                None
                if created
                else RoleGrant.objects.filter(pk=grant.pk).values_list("role", flat=True).first()
            )
            if created or previous != grant.role:
                grant.granted_by, grant.granted_at = request.user, timezone.now()
            grant.save()
            audit_record(
                actor=request.user,
                action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                instance=grant,
                before=None if created else {"role": previous},
                after={"user": grant.user_id, "role": grant.role, "granted_by": request.user.pk},
                note=f"授予角色：{grant}",
            )
        formset.save_m2m()


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    search_fields = ["code", "name"]
    list_filter = ["kind"]
    readonly_fields = ["path"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "division"]
    search_fields = ["name"]
    list_filter = ["kind"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "basis"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "is_workday", "holiday_name", "note"]
    list_filter = ["year", "kind"]
    date_hierarchy = "date"

    # Corrections go through the calendar page so that they are audited.
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "note"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
