"""Links from each figure of a review to the records or values it was computed from.

Registry figures open the registry's list, filtered to the unit, the dates and the breakdown
(the filters of `web.views.registries.FilterForm`); figures from entered values open the list
of those values (`reports_web:values`). The paths are written out rather than reversed: reversing
loads the whole URL configuration (the API and its dependencies), seconds for a command-line
review; a test keeps them equal to what `reverse()` gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import get_script_prefix

from phongtrao.registries.models import AwardForm, GroupType
from phongtrao.registries.specs import BY_SLUG

from .review import Review

# `registries:list` and `reports_web:values`, below the script prefix.
REGISTRY_LIST_PATH = "so-theo-doi/{slug}/"
VALUES_LIST_PATH = "bao-cao/tong-ket/so-lieu/"

# Range: records dated within the range; end: stocks and open spans, dated up to its end
# (the list then also shows rows closed before the end); none: the registry has no date.
RANGE, END, NONE = "range", "end", "none"


@dataclass(frozen=True)
class Target:
    slug: str
    fixed: dict[str, str] = field(default_factory=dict)
    dates: str = RANGE
    key_param: str | None = None  # the list filter that a breakdown key selects


TARGETS: dict[str, Target] = {
    "propaganda_rounds": Target("tuyen-truyen"),
    "propaganda_participants": Target("tuyen-truyen"),
    "model_types": Target("mo-hinh", dates=END, key_param="group_type"),
    "model_addresses": Target("mo-hinh", dates=END, key_param="group_type"),
    "self_management_organizations": Target("mo-hinh", dates=END, key_param="group_type"),
    "self_managed_household_groups": Target(
        "mo-hinh", {"group_type": "lien_gia_tu_quan"}, dates=END
    ),
    "people_security_teams": Target("mo-hinh", {"group_type": "to_an_ninh_nhan_dan"}, dates=END),
    "mediation_teams": Target("mo-hinh", {"group_type": "to_hoa_giai"}, dates=END),
    "fire_prevention_teams": Target("mo-hinh", {"group_type": "to_pccc"}, dates=END),
    "persons_managed_educated": Target("quan-ly-giao-duc", dates=END, key_param="reason"),
    "rehab_rounds": Target("cai-nghien"),
    "rehab_participants": Target("hoc-vien-cai-nghien", dates=NONE, key_param="outcome"),
    "rehab_quit": Target("hoc-vien-cai-nghien", {"outcome": "tu_bo"}, dates=NONE),
    "poppy_destroyed_ha": Target("thuoc-phien"),
    "weapons_explosives_collected": Target("giao-nop-vu-khi", key_param="kind"),
    "surrendered_subjects": Target("dau-thu"),
    "surrendered_wanted": Target("dau-thu", {"wanted": "1"}),
    "awards_collectives": Target("khen-thuong", {"recipient_kind": "tap_the"}, key_param="award"),
    "awards_individuals": Target("khen-thuong", {"recipient_kind": "ca_nhan"}, key_param="award"),
}

# link(code, child_pk=None, key=None) -> URL or None
Linker = Callable[..., str | None]


def registry_list_path(slug: str) -> str:
    """Return the path of a registry's list page, as `reverse("registries:list")` would."""
    return get_script_prefix() + REGISTRY_LIST_PATH.format(slug=slug)


def values_list_path() -> str:
    """Return the path of the review's values list, as `reverse("reports_web:values")` would."""
    return get_script_prefix() + VALUES_LIST_PATH


def _award_filters(key: str) -> dict[str, str]:
    # A key is f"{form}_{authority}"; "khac" alone names no single form and authority.
    for form in AwardForm.values:
        if key.startswith(f"{form}_"):
            return {"form": form, "authority": key[len(form) + 1 :]}
    return {}


def review_links(review: Review, *, personal: bool = True, base_url: str = "") -> Linker:
    """Return a function giving the drill-down URL of a figure, or None where none is shown.

    personal: whether the reader may open registries of named people; without it, their
    figures are shown without links.
    """
    group_types: dict[str, str] | None = None

    def group_type_pk(code: str) -> str:
        nonlocal group_types
        if group_types is None:
            group_types = {c: str(pk) for c, pk in GroupType.objects.values_list("code", "pk")}
        return group_types.get(code, "")

    def params_for(target: Target, unit_pk: int, key: str | None) -> dict[str, str]:
        params = {"don_vi": str(unit_pk), **target.fixed}
        if "group_type" in target.fixed:
            params["group_type"] = group_type_pk(target.fixed["group_type"])
        if target.dates == RANGE:
            params["tu_ngay"] = review.start.isoformat()
        if target.dates in (RANGE, END):
            params["den_ngay"] = review.end.isoformat()
        if key and target.key_param == "award":
            params.update(_award_filters(key))
        elif key and target.key_param == "group_type":
            params["group_type"] = group_type_pk(key)
        elif key and target.key_param:
            params[target.key_param] = key
        return {k: v for k, v in params.items() if v}

    def link(code: str, child_pk: int | None = None, key: str | None = None) -> str | None:
        figure = review.figures.get(code)
        if figure is None or figure.value is None:
            return None
        unit_pk = child_pk or review.org.pk
        if figure.origin.kind == "entered":
            params = {
                "chi_tieu": code,
                "don_vi": str(unit_pk),
                "tu_ngay": review.start.isoformat(),
                "den_ngay": review.end.isoformat(),
            }
            if key:
                params["phan_to"] = key
            path = values_list_path()
            return f"{base_url}{path}?{urlencode(params)}"
        target = TARGETS.get(code)
        # Figures counted (wholly or partly) from records open the records behind them.
        if target is None or figure.origin.kind not in ("records", "both"):
            return None
        if BY_SLUG[target.slug].personal and not personal:
            return None
        path = registry_list_path(target.slug)
        return f"{base_url}{path}?{urlencode(params_for(target, unit_pk, key))}"

    return link


def no_links(code: str, child_pk: int | None = None, key: str | None = None) -> str | None:
    return None
