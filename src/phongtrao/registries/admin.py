from django.contrib import admin

from . import models as m


@admin.register(m.GroupType)
class GroupTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")
    search_fields = ("code", "name")


class GroupEvaluationInline(admin.TabularInline):
    model = m.GroupEvaluation
    extra = 0


@admin.register(m.Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "group_type", "orgunit", "founded", "dissolved")
    list_filter = ("group_type", "lead_organisation")
    search_fields = ("name", "hamlet")
    raw_id_fields = ("orgunit",)
    inlines = [GroupEvaluationInline]


# Personal records (people, episodes, enrolments, surrenders) are kept out of the admin on
# purpose: their reads must be scoped and audited, which only the registry pages do.
for model, fields in [
    (m.RehabRound, ("name", "orgunit", "start", "end")),
    (m.Handover, ("date", "orgunit", "kind", "quantity", "unit")),
    (m.PoppyEradication, ("date", "orgunit", "location", "area_ha")),
    (m.PropagandaActivity, ("date", "orgunit", "topic", "attendance")),
    (m.WelfareAction, ("date", "orgunit", "kind", "value_vnd")),
    (m.Event, ("date", "name", "kind", "level", "orgunit")),
    (
        m.Commendation,
        (
            "decision_number",
            "decision_date",
            "authority",
            "form",
            "recipient_kind",
            "recipient_name",
        ),
    ),
]:
    admin.site.register(
        model,
        type(
            f"{model.__name__}Admin",
            (admin.ModelAdmin,),
            {
                "list_display": fields,
                "raw_id_fields": ("orgunit",),
            },
        ),
    )
