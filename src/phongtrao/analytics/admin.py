from django.contrib import admin

from .models import DerivedIndicator


@admin.register(DerivedIndicator)
class DerivedIndicatorAdmin(admin.ModelAdmin):
    """Formulas are checked by the model's clean(): unknown codes are refused by name."""

    list_display = ("code", "name", "formula", "unit", "decimals")
    search_fields = ("code", "name", "formula")
