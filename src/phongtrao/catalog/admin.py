from django.contrib import admin

from .models import (
    CategoryCombo,
    CategoryOption,
    DataElement,
    DataSet,
    DataSetElement,
    Phrase,
    ValidationRule,
)


class CategoryOptionInline(admin.TabularInline):
    model = CategoryOption
    extra = 1


@admin.register(CategoryCombo)
class CategoryComboAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    inlines = [CategoryOptionInline]


class PhraseInline(admin.TabularInline):
    model = Phrase
    extra = 1


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    inlines = [PhraseInline]
    list_display = (
        "code",
        "short_name",
        "unit",
        "value_type",
        "time_aggregation",
        "orgunit_aggregation",
        "category_combo",
    )
    list_filter = ("value_type", "time_aggregation", "orgunit_aggregation", "source")
    search_fields = ("code", "name", "short_name")


class DataSetElementInline(admin.TabularInline):
    model = DataSetElement
    extra = 1


@admin.register(DataSet)
class DataSetAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "period_type", "windows", "entry_level", "timely_days")
    inlines = [DataSetElementInline]


@admin.register(ValidationRule)
class ValidationRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "left", "operator", "right", "importance", "active")
    list_filter = ("importance", "active")
    search_fields = ("code", "name", "left", "right")
