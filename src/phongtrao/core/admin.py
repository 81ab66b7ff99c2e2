from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "source", "orgunit", "summary")
    list_filter = ("action", "source")
    search_fields = ("summary", "target_id", "actor__username")
    raw_id_fields = ("orgunit", "actor")

    # The trail is evidence: nobody edits or deletes it from the admin.
    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
