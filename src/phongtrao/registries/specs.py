"""One description per registry, shared by the web pages, the API and the exports."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from . import models as m


@dataclass(frozen=True)
class RegistrySpec:
    slug: str  # URL and API path segment
    model: type[models.Model]
    title: str  # Vietnamese, plural
    fields: tuple[str, ...]  # editable fields, in form order (orgunit first)
    list_fields: tuple[str, ...]
    search_fields: tuple[str, ...] = ()
    filter_fields: tuple[str, ...] = ()
    date_field: str | None = None
    personal: bool = False  # records about named people: police roles only, every read audited
    scope_path: str = "orgunit__path"  # how a row reaches its org unit
    extra_export: tuple[str, ...] = field(default=())


REGISTRIES: tuple[RegistrySpec, ...] = (
    RegistrySpec(
        "mo-hinh",
        m.Group,
        "Mô hình tự quản",
        (
            "orgunit",
            "name",
            "group_type",
            "hamlet",
            "lead_organisation",
            "members",
            "founded",
            "dissolved",
            "note",
        ),
        (
            "name",
            "group_type",
            "orgunit",
            "hamlet",
            "lead_organisation",
            "members",
            "founded",
            "dissolved",
        ),
        search_fields=("name", "hamlet"),
        filter_fields=("group_type", "lead_organisation"),
        date_field="founded",
    ),
    RegistrySpec(
        "nguoi",
        m.Person,
        "Người được quản lý, theo dõi",
        ("orgunit", "full_name", "birth_year", "sex", "note"),
        ("full_name", "birth_year", "sex", "orgunit"),
        search_fields=("full_name",),
        filter_fields=("sex",),
        personal=True,
    ),
    RegistrySpec(
        "quan-ly-giao-duc",
        m.ManagementEpisode,
        "Quản lý, giáo dục, giúp đỡ người lầm lỗi",
        (
            "orgunit",
            "person",
            "start",
            "end",
            "reason",
            "assigned_organisation",
            "mentor",
            "result",
            "note",
        ),
        ("person", "orgunit", "start", "end", "reason", "assigned_organisation", "result"),
        search_fields=("person__full_name", "mentor"),
        filter_fields=("reason", "result", "assigned_organisation"),
        date_field="start",
        personal=True,
    ),
    RegistrySpec(
        "cai-nghien",
        m.RehabRound,
        "Đợt cai nghiện ma túy tại cộng đồng",
        ("orgunit", "name", "start", "end", "note"),
        ("name", "orgunit", "start", "end"),
        search_fields=("name",),
        date_field="start",
    ),
    RegistrySpec(
        "hoc-vien-cai-nghien",
        m.RehabEnrolment,
        "Người tham gia cai nghiện tại cộng đồng",
        ("round", "person", "outcome"),
        ("person", "round", "outcome"),
        search_fields=("person__full_name",),
        filter_fields=("outcome",),
        personal=True,
        scope_path="round__orgunit__path",
    ),
    RegistrySpec(
        "dau-thu",
        m.Surrender,
        "Đối tượng ra đầu thú",
        (
            "orgunit",
            "date",
            "person",
            "wanted",
            "warrant_reference",
            "persuading_organisation",
            "note",
        ),
        ("date", "person", "orgunit", "wanted", "warrant_reference", "persuading_organisation"),
        search_fields=("person__full_name", "warrant_reference"),
        filter_fields=("wanted", "persuading_organisation"),
        date_field="date",
        personal=True,
    ),
    RegistrySpec(
        "giao-nop-vu-khi",
        m.Handover,
        "Giao nộp vũ khí, vật liệu nổ, công cụ hỗ trợ",
        ("orgunit", "date", "kind", "quantity", "unit", "note"),
        ("date", "orgunit", "kind", "quantity", "unit"),
        filter_fields=("kind",),
        date_field="date",
    ),
    RegistrySpec(
        "thuoc-phien",
        m.PoppyEradication,
        "Triệt phá cây thuốc phiện",
        ("orgunit", "date", "location", "area_ha", "note"),
        ("date", "orgunit", "location", "area_ha"),
        search_fields=("location",),
        date_field="date",
    ),
    RegistrySpec(
        "tuyen-truyen",
        m.PropagandaActivity,
        "Đợt tuyên truyền",
        ("orgunit", "date", "topic", "organisers", "attendance", "note"),
        ("date", "orgunit", "topic", "organisers", "attendance"),
        search_fields=("topic", "organisers"),
        date_field="date",
    ),
    RegistrySpec(
        "an-sinh",
        m.WelfareAction,
        "An sinh xã hội, từ thiện",
        ("orgunit", "date", "kind", "description", "value_vnd", "note"),
        ("date", "orgunit", "kind", "description", "value_vnd"),
        search_fields=("description",),
        filter_fields=("kind",),
        date_field="date",
    ),
    RegistrySpec(
        "hoi-nghi",
        m.Event,
        "Hội nghị, ngày hội",
        ("orgunit", "date", "kind", "name", "level", "host", "note"),
        ("date", "name", "kind", "level", "orgunit", "host"),
        search_fields=("name", "host"),
        filter_fields=("kind", "level"),
        date_field="date",
    ),
    RegistrySpec(
        "khen-thuong",
        m.Commendation,
        "Khen thưởng",
        (
            "orgunit",
            "decision_number",
            "decision_date",
            "authority",
            "form",
            "recipient_kind",
            "recipient_name",
            "reason",
            "event",
            "note",
        ),
        (
            "decision_number",
            "decision_date",
            "authority",
            "form",
            "recipient_kind",
            "recipient_name",
            "orgunit",
        ),
        search_fields=("recipient_name", "decision_number", "reason"),
        filter_fields=("authority", "form", "recipient_kind"),
        date_field="decision_date",
    ),
)

BY_SLUG = {spec.slug: spec for spec in REGISTRIES}
BY_MODEL = {spec.model: spec for spec in REGISTRIES}
