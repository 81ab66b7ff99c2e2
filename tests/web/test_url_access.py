"""Every URL and every API operation has an access rule, and is walked against it.

A route or operation missing from the tables below fails the first two tests: adding a page or
an endpoint means saying who may open it. The walk then opens each one anonymously (login
required, except the public ones), as an officer of another province (nothing of Hà Giang's is
found, nor shown) and as the commune's own officer (the sample ids are real: found).
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from phongtrao.api.api import api
from phongtrao.orgunits.models import Hierarchy, OrgUnit
from phongtrao.registries.specs import REGISTRIES

from ..api.test_registries_api import minimal_payloads
from ..factories import make_user

pytestmark = pytest.mark.django_db

# Rules. public: anyone. login: any signed-in user, and what a page lists is scoped inside.
# unit:<action>: the unit in the URL or the query must be in the user's scope for that action.
# record: the registry record in the URL must be in the user's scope (personal registries:
# view_personal to read, edit_personal to write). owner: an upload of the user's own.
# staff: the Django admin site. docs: the API's own description.
WEB_RULES = {
    "home": "login",
    "orgunit_detail": "unit:view_aggregate",
    "enter_data": "unit:enter_data",
    "submit_dataset": "unit:enter_data",
    "withdraw_dataset": "unit:enter_data",
    "approve_dataset": "unit:approve",
    "unapprove_dataset": "unit:approve",
    "completeness": "unit:view_aggregate",
    "validation_report": "unit:view_aggregate",
    "value_audit": "unit:view_aggregate",
    "unit_audit": "unit:view_personal",
    "login": "public",
    "logout": "public",
    "registries:index": "login",
    "registries:group_evaluation": "record",
    "registries:bridge_point": "record",
    "registries:bridge_point_delete": "record",
    "registries:list": "login",
    "registries:export": "login",
    "registries:create": "login",
    "registries:detail": "record",
    "registries:edit": "record",
    "registries:delete": "record",
    "reports_web:review": "login",
    "reports_web:values": "login",
    "analytics:dashboard": "login",
    "analytics:pivot": "login",
    "analytics:export": "login",
    "analytics:chart": "login",
    "ingest_web:index": "login",
    "ingest_web:upload": "login",
    "ingest_web:preview": "owner",
    "ingest_web:confirm": "owner",
    "ingest_web:cancel": "owner",
    "ingest_web:template": "login",
    "ingest_web:export": "login",
    "ingest_web:reconcile": "login",
    "ingest_web:reconciliation": "owner",
    "ingest_web:accept": "owner",
    "api:openapi-json": "docs",
    "api:openapi-view": "docs",
}
# Every pattern of these namespaces shares one rule (the admin site adds one per model).
NAMESPACE_RULES = {"admin": "staff"}
# Which registries hold records about named people (read: view_personal; write: edit_personal).
REGISTRY_PERSONAL = {
    "mo-hinh": False,
    "nguoi": True,
    "quan-ly-giao-duc": True,
    "cai-nghien": False,
    "hoc-vien-cai-nghien": True,
    "dau-thu": True,
    "giao-nop-vu-khi": False,
    "thuoc-phien": False,
    "tuyen-truyen": False,
    "an-sinh": False,
    "hoi-nghi": False,
    "khen-thuong": False,
}
API_RULES = {
    "orgunits_list": "login",
    "orgunits_get": "unit:view_aggregate",
    "orgunits_set_contact": "unit:edit_unit",
    "catalog_elements": "login",
    "catalog_rules": "login",
    "datavalues_get": "unit:view_aggregate",
    "datavalues_set": "unit:enter_data",
    "datavalues_history": "unit:view_aggregate",
    "datasets_submit": "unit:enter_data",
    "datasets_withdraw": "unit:enter_data",
    "datasets_approve": "unit:approve",
    "datasets_unapprove": "unit:approve",
    "datasets_completeness": "unit:view_aggregate",
    "datavalues_validate": "unit:view_aggregate",
    "registries_indicators_get": "unit:view_aggregate",
    "registries_mo_hinh_evaluations_list": "record",
    "registries_mo_hinh_evaluations_set": "record",
    "registries_cai_nghien_enrolments_list": "record",
    "registries_cai_nghien_enrolments_create": "record",
    "registries_hoi_nghi_bridge_points_list": "record",
    "registries_hoi_nghi_bridge_points_create": "record",
    "analytics_pivot": "unit:view_aggregate",
    "analytics_chart": "unit:view_aggregate",
    "analytics_indicators": "login",
    "analytics_derived": "login",
    **{
        f"registries_{slug.replace('-', '_')}_{verb}": rule
        for slug in REGISTRY_PERSONAL
        for verb, rule in [
            ("list", "login"),
            ("create", "unit:write"),
            ("get", "record"),
            ("update", "record"),
            ("delete", "record"),
        ]
    },
}
# Seen in the pages of the commune's own officer, never in an outsider's.
MARKERS = ("Hà Thị Lan", "Bản Tả")


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            inner = ":".join(n for n in (namespace, item.namespace or "") if n)
            yield from _patterns(item, prefix + str(item.pattern), inner)
        elif isinstance(item, URLPattern):
            name = f"{namespace}:{item.name}" if namespace else item.name
            yield prefix + str(item.pattern), name, namespace


def web_routes() -> dict[str, str]:
    """Return {route name: pattern} of every URL outside the API's operations."""
    routes = {}
    for pattern, name, namespace in _patterns(get_resolver()):
        if namespace == "api" and name not in WEB_RULES:
            continue  # an API operation: checked by operation id below
        routes[name or pattern] = pattern
    return routes


def api_operations() -> dict[str, tuple[str, str]]:
    """Return {operation id: (method, path)} from the OpenAPI schema."""
    schema = api.get_openapi_schema()
    return {
        op["operationId"]: (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }


def web_rule(name: str) -> str | None:
    namespace = name.split(":")[0] if ":" in name else ""
    return NAMESPACE_RULES.get(namespace) or WEB_RULES.get(name)


def test_every_url_has_an_access_rule():
    missing = sorted(name for name in web_routes() if web_rule(name) is None)
    assert not missing, f"URLs without an access rule in {__name__}.WEB_RULES: {missing}"
    stale = sorted(set(WEB_RULES) - set(web_routes()))
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def test_every_api_operation_has_an_access_rule():
    operations = api_operations()
    missing = sorted(set(operations) - set(API_RULES))
    assert not missing, f"API operations without an access rule in {__name__}.API_RULES: {missing}"
    stale = sorted(set(API_RULES) - set(operations))
    assert not stale, f"rules for operations that no longer exist: {stale}"


def test_personal_registries_are_the_ones_the_table_says():
    assert {spec.slug: spec.personal for spec in REGISTRIES} == REGISTRY_PERSONAL


# --- the walk ----------------------------------------------------------------------------------


@pytest.fixture
def world(client, commune, settings, tmp_path):
    """The commune's officer with one record in every registry, an outsider, sample ids."""
    settings.VAR_DIR = tmp_path  # uploads
    insider = make_user("xa-trong", role="commune_officer", orgunit=commune)
    outsider_unit = OrgUnit.objects.filter(hierarchy=Hierarchy.OLD, parent__parent__code="08")
    outsider = make_user(
        "xa-ngoai", role="commune_officer", orgunit=outsider_unit.order_by("code").first()
    )
    client.force_login(insider)
    payloads = minimal_payloads(commune)
    records = {}
    for slug, payload in payloads.items():
        response = client.post(
            f"/api/registries/{slug}/", json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 201, (slug, response.content)
        records[slug] = response.json()["id"]
    client.logout()
    from phongtrao.web.views.ingest import upload_keep

    token = upload_keep(insider, SimpleUploadedFile("so-lieu.csv", b"x"), {"kind": "values"})
    return {
        "insider": insider,
        "outsider": outsider,
        "unit": commune,
        "records": records,
        "payloads": payloads,
        "token": token,
    }


WEB_ARGS = {
    "unit_id": lambda w, slug: w["unit"].pk,
    "pk": lambda w, slug: w["records"][slug],
    "point_id": lambda w, slug: 0,
    "slug": lambda w, slug: slug,
    "fmt": lambda w, slug: "csv",
    "kind": lambda w, slug: "bar",
    "token": lambda w, slug: w["token"],
}
# The registry each record route opens (the slug in the URL, or the one it is fixed to).
WEB_SLUG = {"registries:group_evaluation": "mo-hinh", "registries:bridge_point": "hoi-nghi"}
WEB_SLUG["registries:bridge_point_delete"] = "hoi-nghi"
# Query strings that make a page work on the commune rather than on the user's own scope.
WEB_QUERY = {
    "value_audit": lambda w: {
        "unit": w["unit"].pk,
        "dataset": "monthly_movement",
        "period": "202305",
        "element": "propaganda_rounds",
    },
}


def _web_url(name: str, pattern: str, world, slug: str) -> str:
    import re

    kwargs = {key: WEB_ARGS[key](world, slug) for key in re.findall(r"<(?:\w+:)?(\w+)>", pattern)}
    return reverse(name, kwargs=kwargs)


def _web_cases():
    for name, pattern in sorted(web_routes().items()):
        if web_rule(name) == "staff" and name != "admin:index":
            continue  # one page of the admin site stands for the site
        yield name, pattern


def _assert_no_markers(response, where):
    body = response.content.decode(errors="replace")
    assert not any(marker in body for marker in MARKERS), where


def test_every_url_refuses_anonymous_users_except_the_public_ones(client, world):
    login = reverse("login")
    for name, pattern in _web_cases():
        url = _web_url(name, pattern, world, WEB_SLUG.get(name, "mo-hinh"))
        response = client.get(url)
        rule = web_rule(name)
        if rule in {"public", "docs"}:
            assert response.status_code in {200, 405}, (name, response.status_code)
        elif rule == "staff":
            assert response.status_code == 302 and "/admin/login/" in response.url, name
        else:
            assert response.status_code == 302, (name, response.status_code)
            assert response.url.startswith(login), name
        _assert_no_markers(response, name)


def test_no_url_shows_an_outsider_the_communes_data(client, world):
    for name, pattern in _web_cases():
        rule = web_rule(name)
        slugs = list(REGISTRY_PERSONAL) if "<slug:slug>" in pattern else [WEB_SLUG.get(name)]
        for slug in slugs:
            url = _web_url(name, pattern, world, slug or "mo-hinh")
            query = WEB_QUERY.get(name, lambda w: {})(world)
            for method in ("get", "post"):
                client.force_login(world["outsider"])  # the logout route ends the session
                response = getattr(client, method)(url, query if method == "get" else {})
                where = (name, slug, method, response.status_code)
                assert response.status_code < 500, where
                _assert_no_markers(response, where)
                if rule.startswith("unit:") or rule in {"record", "owner"}:
                    assert response.status_code in {403, 404, 405}, where
                elif rule == "staff":
                    assert response.status_code == 302, where


def test_the_communes_officer_finds_what_the_outsider_does_not(client, world):
    """The walk above would pass on wrong ids; here the same ids are found by their owner."""
    client.force_login(world["insider"])
    for name, pattern in _web_cases():
        rule = web_rule(name)
        if not (rule.startswith("unit:") or rule == "record") or name.endswith("delete"):
            continue
        slug = WEB_SLUG.get(name, "nguoi")
        if name == "registries:bridge_point_delete":
            continue  # needs a bridge point; its event is checked by bridge_point
        if rule == "unit:approve":
            continue  # a commune officer does not approve; covered by the access matrix
        url = _web_url(name, pattern, world, slug)
        response = client.get(url, WEB_QUERY.get(name, lambda w: {})(world))
        assert response.status_code in {200, 302, 405}, (name, response.status_code)


# --- the API -----------------------------------------------------------------------------------


def _api_request(client, world, operation_id: str, method: str, path: str):
    slug = next(
        (s for s in REGISTRY_PERSONAL if f"/registries/{s}/" in path + "/"),
        None,
    )
    unit = world["unit"]
    record = world["records"].get(slug) if slug else None
    url = path.replace("{unit_id}", str(unit.pk)).replace("{record_id}", str(record))
    query = {
        "dataset": "monthly_movement",
        "org_id": unit.pk,
        "period": "202305",
        "element": "propaganda_rounds",
        "code": "propaganda_rounds",
        "from": "2023-01-01",
        "to": "2023-12-31",
        "indicators": "propaganda_rounds",
        "periods": "2023",
    }
    body = {
        "dataset": "monthly_movement",
        "org_id": unit.pk,
        "period": "202305",
        "element": "propaganda_rounds",
        "value": 3,
        "contact_name": "Người lạ",
    }
    if slug and operation_id.endswith(("_create", "_update")):
        body = world["payloads"][slug]
    if operation_id.endswith("_evaluations_set"):
        body = [{"year": 2024, "grade": "tot"}]
    if operation_id.endswith("_enrolments_create"):
        body = world["payloads"]["hoc-vien-cai-nghien"]
    if operation_id.endswith("_bridge_points_create"):
        body = {"orgunit_id": unit.pk}
    if method == "GET":
        return client.get(url, query)
    return getattr(client, method.lower())(url, json.dumps(body), content_type="application/json")


def test_every_api_operation_refuses_anonymous_users(client, world):
    for operation_id, (method, path) in sorted(api_operations().items()):
        response = _api_request(client, world, operation_id, method, path)
        assert response.status_code == 401, (operation_id, response.status_code)


def test_no_api_operation_gives_an_outsider_the_communes_data(client, world):
    before = {spec.slug: spec.model.objects.count() for spec in REGISTRIES}
    client.force_login(world["outsider"])
    for operation_id, (method, path) in sorted(api_operations().items()):
        rule = API_RULES[operation_id]
        response = _api_request(client, world, operation_id, method, path)
        where = (operation_id, response.status_code)
        assert response.status_code < 500, where
        _assert_no_markers(response, where)
        if rule.startswith("unit:") or rule == "record":
            # 400/422: a payload pointing at a unit out of reach is refused like a wrong one.
            allowed = {403, 404} if method in {"GET", "DELETE"} else {400, 403, 404, 422}
            assert response.status_code in allowed, where
    # Nothing the outsider sent was written.
    assert {spec.slug: spec.model.objects.count() for spec in REGISTRIES} == before
    assert not OrgUnit.objects.filter(contact_name="Người lạ").exists()


def test_the_communes_officer_reads_every_record_the_outsider_could_not(client, world):
    client.force_login(world["insider"])
    for operation_id, (method, path) in sorted(api_operations().items()):
        if method != "GET" or API_RULES[operation_id] != "record":
            continue
        response = _api_request(client, world, operation_id, method, path)
        assert response.status_code == 200, (operation_id, response.status_code)
