from django.contrib import admin

from .models import Clause, Document, GazetteIssue, PersonnelDecision


class ReadOnly(admin.ModelAdmin):
    # The gazette is ingested from its text, never edited by hand.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GazetteIssue)
class GazetteIssueAdmin(ReadOnly):
    list_display = ["title", "ingested_at"]


@admin.register(Document)
class DocumentAdmin(ReadOnly):
    list_display = ["number", "title", "issuer", "date", "kind"]
    search_fields = ["number", "title"]
    list_filter = ["kind", "issuer"]


@admin.register(Clause)
class ClauseAdmin(ReadOnly):
    list_display = ["document", "path", "heading", "line"]
    search_fields = ["text"]


@admin.register(PersonnelDecision)
class PersonnelDecisionAdmin(ReadOnly):
    list_display = ["document", "action", "person", "position", "term"]
