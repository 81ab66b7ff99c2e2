from django.contrib import admin

from .models import OrgUnit, OrgUnitSuccession


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "hierarchy", "parent", "valid_from", "valid_to")
    list_filter = ("hierarchy", "level")
    search_fields = ("code", "name", "search_name")
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "search_name", "source")


@admin.register(OrgUnitSuccession)
class OrgUnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ("old", "new", "effective", "partial", "seat", "share")
    list_editable = ("seat", "share")
    raw_id_fields = ("old", "new")
    search_fields = ("old__name", "new__name", "old__code", "new__code")
