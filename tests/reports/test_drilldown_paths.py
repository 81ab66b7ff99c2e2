"""The review's links are written out (no URL configuration loaded): they must stay equal to
what the URL configuration gives, with or without a script prefix."""

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix

from phongtrao.registries.specs import REGISTRIES
from phongtrao.reports.drilldown import registry_list_path, values_list_path


@pytest.fixture(params=["/", "/phongtrao/"])
def script_prefix(request):
    before = get_script_prefix()
    set_script_prefix(request.param)
    yield request.param
    set_script_prefix(before)


def test_registry_list_paths_are_those_of_the_url_configuration(script_prefix):
    for slug in (spec.slug for spec in REGISTRIES):
        assert registry_list_path(slug) == reverse("registries:list", args=[slug])
    assert registry_list_path("mo-hinh").startswith(script_prefix)


def test_values_list_path_is_that_of_the_url_configuration(script_prefix):
    assert values_list_path() == reverse("reports_web:values")
    assert values_list_path() == f"{script_prefix}bao-cao/tong-ket/so-lieu/"
