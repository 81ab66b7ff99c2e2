"""The unit page's predecessors and successors: links that open, and split units' attribution."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from phongtrao.orgunits.models import Hierarchy, OrgUnitSuccession

from ..conftest import unit
from ..factories import make_user

pytestmark = pytest.mark.django_db


def _links(body: str) -> list[str]:
    return re.findall(r'href="(/[^"]*)"', body)


def _lineage_links(body: str) -> list[str]:
    sections = re.findall(r'<section class="lineage[^"]*">(.*?)</section>', body, re.S)
    return [link for section in sections for link in _links(section)]


def test_a_user_on_todays_province_opens_every_predecessor_and_successor_link(client):
    tuyen_quang = unit("08", Hierarchy.NEW)
    client.force_login(make_user("tinh_moi", role="province_officer", orgunit=tuyen_quang))
    body = client.get(reverse("orgunit_detail", args=[tuyen_quang.pk])).content.decode()
    assert "Hình thành từ:" in body and "Tỉnh Hà Giang" in body
    seen = set()
    for link in _lineage_links(body):
        assert client.get(link).status_code == 200, link
        seen.add(link)
    old = unit("02")
    assert reverse("orgunit_detail", args=[old.pk]) in seen
    # On old Hà Giang's page, its successor links back, and opens.
    body = client.get(reverse("orgunit_detail", args=[old.pk])).content.decode()
    links = _lineage_links(body)
    assert links == [reverse("orgunit_detail", args=[tuyen_quang.pk])]
    assert client.get(links[0]).status_code == 200


def test_links_are_shown_only_where_they_open(client):
    # An officer of old Hà Giang does not reach today's Tuyên Quang (which took in other
    # provinces too) until the operator moves their scope: the name is shown, without a link.
    old = unit("02")
    client.force_login(make_user("tinh_cu", role="province_officer", orgunit=old))
    body = client.get(reverse("orgunit_detail", args=[old.pk])).content.decode()
    assert "Từ 01/7/2025 thuộc: Tỉnh Tuyên Quang (08)" in body
    assert _lineage_links(body) == []


def test_a_split_commune_shows_its_attribution_rule(client):
    split = unit("00688")  # Phường Quang Trung: Phường Hà Giang 2 (seat) and Hà Giang 1
    client.force_login(make_user("quantri", is_superuser=True))
    body = client.get(reverse("orgunit_detail", args=[split.pk])).content.decode()
    assert "toàn bộ cho đơn vị nhận trụ sở" in body and "(nhận trụ sở)" in body
    for link in _lineage_links(body):
        assert client.get(link).status_code == 200

    successions = list(OrgUnitSuccession.objects.filter(old=split).order_by("new__code"))
    for succession, share in zip(successions, ("0.6", "0.4"), strict=True):
        succession.share = Decimal(share)
        succession.save()
    body = client.get(reverse("orgunit_detail", args=[split.pk])).content.decode()
    assert "chia theo tỉ lệ do quản trị đặt" in body and "60%" in body and "40%" in body
    new_one = unit("00694", Hierarchy.NEW)
    body = client.get(reverse("orgunit_detail", args=[new_one.pk])).content.decode()
    assert "Phường Quang Trung" in body and "40% về đơn vị này" in body
