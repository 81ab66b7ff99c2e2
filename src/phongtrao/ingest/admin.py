from django.contrib import admin

from .models import ExternalId


@admin.register(ExternalId)
class ExternalIdAdmin(admin.ModelAdmin):
    list_display = ("system", "kind", "uid", "object_id", "name")
    list_filter = ("system", "kind")
    search_fields = ("uid", "name")
