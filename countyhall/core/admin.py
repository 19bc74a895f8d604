from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import AuditEntry, CalendarDay, CalendarYear, Division, Organisation, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1


@admin.register(User)
class CountyUserAdmin(UserAdmin):
    inlines = [RoleGrantInline]
    list_display = ["username", "display_name", "organisation", "division", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("机构与数据范围", {"fields": ["display_name", "organisation", "division"]}),)


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
