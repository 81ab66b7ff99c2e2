"""The review page: a unit of the user's scope, read inline or downloaded; 404 outside it."""

import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from docx import Document as open_docx

from phongtrao.catalog.models import CategoryOption, DataElement
from phongtrao.core.models import Source
from phongtrao.datavalues.models import DataValue, PeriodFields
from phongtrao.datavalues.periods import period_parse
from phongtrao.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db

RANGE = {"tu_ngay": "2022-01-01", "den_ngay": "2022-12-31"}


@pytest.fixture
def as_province(client, province_user):
    client.force_login(province_user)
    return client


def review_url(**params):
    return reverse("reports_web:review"), params


def test_the_form_offers_the_units_of_the_users_scope(client, district_user):
    client.force_login(district_user)
    response = client.get(reverse("reports_web:review"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tải về" in html and 'name="dinh_dang"' in html
    assert "024 · Thành phố Hà Giang · 2008" in html  # the district itself
    assert "026 · Huyện Đồng Văn" not in html  # another district


def test_html_review_is_shown_in_the_page(as_province, world):
    response = as_province.get(
        reverse("reports_web:review"), {"don_vi": "02", **RANGE, "dinh_dang": "html"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="review-doc"' in html
    assert "tuyên truyền" in html and "180" in html
    assert "Hà Giang, ngày 31 tháng 12 năm 2022" in html
    # Download links for the other formats keep the same choice.
    assert "dinh_dang=docx" in html and "dinh_dang=pdf" in html


def test_figures_link_to_registry_lists_the_user_can_open(as_province, world):
    response = as_province.get(reverse("reports_web:review"), {"don_vi": "02", **RANGE})
    links = re.findall(r'href="(/so-theo-doi/tuyen-truyen/\?[^"]+)"', response.content.decode())
    assert links
    target = links[0].replace("&amp;", "&")
    listed = as_province.get(target)
    assert listed.status_code == 200
    assert "3 bản ghi" in listed.content.decode()


def test_download_returns_the_file(as_province, world):
    response = as_province.get(
        reverse("reports_web:review"), {"don_vi": "02", **RANGE, "dinh_dang": "docx"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "bao-cao-tong-ket-02-20220101-20221231.docx" in response["Content-Disposition"]
    document = open_docx(io.BytesIO(response.content))
    assert any("180 lượt" in p.text for p in document.paragraphs)


def test_json_download_matches_the_figures(as_province, world):
    response = as_province.get(
        reverse("reports_web:review"), {"don_vi": "02", **RANGE, "dinh_dang": "json"}
    )
    data = json.loads(response.content)
    assert data["figures"]["propaganda_rounds"]["value"] == 3


def test_a_unit_out_of_scope_is_not_found(client, district_user, world):
    client.force_login(district_user)
    response = client.get(reverse("reports_web:review"), {"don_vi": "026", **RANGE})
    assert response.status_code == 404
    other = OrgUnit.objects.get(hierarchy="2008", code="026")
    assert client.get(reverse("reports_web:review"), {"dv": other.pk}).status_code == 404


def test_a_unit_in_scope_can_be_named_by_id(client, district_user, world):
    client.force_login(district_user)
    response = client.get(reverse("reports_web:review"), {"dv": world.district.pk})
    assert response.status_code == 200
    assert "024 · Thành phố Hà Giang · 2008" in response.content.decode()


def test_a_reversed_range_is_a_form_error(as_province, world):
    response = as_province.get(
        reverse("reports_web:review"),
        {"don_vi": "02", "tu_ngay": "2023-01-01", "den_ngay": "2022-01-01"},
    )
    assert response.status_code == 400
    assert "Ngày bắt đầu phải trước ngày kết thúc." in response.content.decode()


def test_front_members_see_no_links_to_personal_registries(client, front_member_user, world):
    client.force_login(front_member_user)
    response = client.get(reverse("reports_web:review"), {"don_vi": "02", **RANGE})
    html = response.content.decode()
    assert response.status_code == 200
    assert "/so-theo-doi/dau-thu/" not in html
    assert "/so-theo-doi/tuyen-truyen/" in html


def test_login_is_required(client):
    response = client.get(reverse("reports_web:review"))
    assert response.status_code == 302


def test_entered_values_behind_a_figure_are_listed(as_province, world):
    period = period_parse("202005")
    DataValue.objects.create(
        element=DataElement.objects.get(code="propaganda_rounds"),
        option=CategoryOption.objects.get(combo__code="default", code="default"),
        orgunit=world.b,
        value=7,
        source=Source.WEB,
        **PeriodFields.period_fields(period),
    )
    page = as_province.get(
        reverse("reports_web:review"),
        {"don_vi": "02", "tu_ngay": "2020-01-01", "den_ngay": "2020-12-31"},
    )
    links = re.findall(r'href="(/bao-cao/tong-ket/so-lieu/\?[^"]+)"', page.content.decode())
    assert links
    target = links[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(target).query)
    assert query["chi_tieu"] == ["propaganda_rounds"]
    listed = as_province.get(target)
    assert listed.status_code == 200
    html = listed.content.decode()
    assert world.b.name in html and "Tháng 5/2020" in html


def test_values_of_a_unit_out_of_scope_are_not_found(client, district_user, world):
    client.force_login(district_user)
    response = client.get(
        reverse("reports_web:values"),
        {"chi_tieu": "propaganda_rounds", "don_vi": world.province.pk, **RANGE},
    )
    assert response.status_code == 404
