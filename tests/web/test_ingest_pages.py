"""Import, export and report-checking pages through real requests."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from phongtrao.core.models import AuditEvent
from phongtrao.datavalues.models import DataValue
from phongtrao.registries import models as m
from phongtrao.web.forms import unit_label
from phongtrao.web.views.ingest import highlight

pytestmark = pytest.mark.django_db

HEADER = "chi_tieu,phan_to,don_vi,ky,gia_tri,ghi_chu\n"
REPORT = (
    "Tháng 5/2023, phường tuyên truyền 2 đợt với 160 lượt người; tiếp nhận 15 nguồn tin; "
    "có 12 ngôi nhà được sửa."
)


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "uploads"


def url(name, *args):
    return reverse(f"ingest_web:{name}", args=args)


def upload(client, name, content, kind="values", fmt=""):
    file = SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)
    return client.post(url("upload"), {"file": file, "kind": kind, "format": fmt})


def token_of(response):
    match = re.search(r"/du-lieu/(?:nhap|doi-chieu)/([A-Za-z0-9_-]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def values_csv(commune, value="12"):
    return HEADER + (
        f"propaganda_rounds,,{commune.code},202305,{value},\n"
        f"weapons_explosives_collected,sung,{commune.code},202305,3,\n"
    )


# --- values ------------------------------------------------------------------------------------


def test_an_upload_is_checked_row_by_row_and_written_only_on_confirm(
    client, commune_user, commune, uploads
):
    client.force_login(commune_user)
    response = upload(client, "so-lieu.csv", values_csv(commune))
    assert response.status_code == 302
    token = token_of(response)
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "chưa ghi gì" in html
    assert "thêm mới 2" in html
    assert html.count('class="act-create"') == 2
    assert "Xác nhận nhập" in html
    assert not DataValue.objects.exists()

    response = client.post(url("confirm", token))
    assert response.status_code == 302
    assert DataValue.objects.count() == 2
    assert not (uploads / token).exists()
    assert "Đã nhập tệp «so-lieu.csv»" in client.get(response["Location"]).content.decode()
    assert client.get(url("preview", token)).status_code == 404

    # The same file again changes nothing.
    page = client.get(upload(client, "so-lieu.csv", values_csv(commune))["Location"])
    assert "không đổi 2" in page.content.decode()


def test_refused_rows_are_listed_with_line_and_reason_and_nothing_is_written(
    client, commune_user, commune, sibling_commune
):
    client.force_login(commune_user)
    body = values_csv(commune) + f"propaganda_rounds,,{sibling_commune.code},202305,4,\n"
    body += f"propaganda_rounds,,{commune.code},202306,abc,\n"
    response = upload(client, "so-lieu.csv", body)
    token = token_of(response)
    html = client.get(response["Location"]).content.decode()
    assert html.count('class="act-refused"') == 2
    assert "Không có đơn vị «" in html and "trong phạm vi bạn được nhập liệu" in html
    assert "Có 2 dòng bị từ chối" in html
    assert "Xác nhận nhập" not in html

    response = client.post(url("confirm", token))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dòng 4" in html and "Dòng 5" in html
    assert not DataValue.objects.exists()


def test_a_malformed_file_is_a_message_not_a_traceback(client, commune_user):
    client.force_login(commune_user)
    response = upload(client, "hong.xlsx", b"not a workbook")
    page = client.get(response["Location"])
    assert page.status_code == 400
    assert "Không đọc được tệp Excel «hong.xlsx»." in page.content.decode()
    response = upload(client, "thieu-cot.csv", "a,b\n1,2\n")
    page = client.get(response["Location"])
    assert "Tệp CSV thiếu cột" in page.content.decode()


def test_a_wrong_kind_of_file_is_refused_on_the_form(client, commune_user):
    client.force_login(commune_user)
    response = upload(client, "bao-cao.docx", b"x")
    assert response.status_code == 400
    assert "Tệp «bao-cao.docx» không đúng loại" in response.content.decode()


def test_an_upload_belongs_to_the_user_who_made_it(
    client, commune_user, district_user, commune, uploads
):
    client.force_login(commune_user)
    token = token_of(upload(client, "so-lieu.csv", values_csv(commune)))
    client.force_login(district_user)
    response = client.get(url("preview", token))
    assert response.status_code == 404
    assert client.post(url("confirm", token)).status_code == 404
    assert (uploads / token).exists()
    assert client.get(url("preview", "..%2F..%2Fetc")).status_code == 404


def test_cancel_drops_the_upload(client, commune_user, commune, uploads):
    client.force_login(commune_user)
    token = token_of(upload(client, "so-lieu.csv", values_csv(commune)))
    assert client.post(url("cancel", token)).status_code == 302
    assert not (uploads / token).exists()


def test_the_template_downloads_for_a_unit_in_scope(client, commune_user, commune, ha_giang):
    client.force_login(commune_user)
    response = client.get(
        url("template"),
        {"dataset": "monthly_movement", "don_vi": unit_label(commune), "ky": "202305"},
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book["Nhập liệu"]["A5"].value == commune.code

    response = client.get(
        url("template"),
        {"dataset": "monthly_movement", "don_vi": unit_label(ha_giang), "ky": "202305"},
    )
    assert response.status_code == 400
    assert "Không có đơn vị mã «02» trong phạm vi bạn được nhập liệu." in response.content.decode()


def test_a_filled_template_imports_back_through_the_page(client, commune_user, commune):
    client.force_login(commune_user)
    content = client.get(
        url("template"),
        {"dataset": "monthly_movement", "don_vi": unit_label(commune), "ky": "202305"},
    ).content
    book = load_workbook(io.BytesIO(content))
    sheet = book["Nhập liệu"]
    keys = [c.value for c in sheet[4]]
    sheet.cell(row=5, column=keys.index("propaganda_rounds.default") + 1, value=7)
    out = io.BytesIO()
    book.save(out)
    token = token_of(upload(client, "bieu-mau.xlsx", out.getvalue()))
    assert "thêm mới 1" in client.get(url("preview", token)).content.decode()
    client.post(url("confirm", token))
    assert DataValue.objects.get().value == 7


def test_values_export_as_csv_for_a_unit_and_periods(client, commune_user, commune):
    client.force_login(commune_user)
    client.post(url("confirm", token_of(upload(client, "so-lieu.csv", values_csv(commune)))))
    response = client.get(
        url("export"), {"don_vi": unit_label(commune), "ky": "202305", "dinh_dang": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["chi_tieu", "phan_to", "don_vi", "ky", "gia_tri", "ghi_chu"]
    assert sorted(r[0] for r in rows[1:]) == ["propaganda_rounds", "weapons_explosives_collected"]

    response = client.get(
        url("export"), {"don_vi": unit_label(commune), "ky": "2023-13", "dinh_dang": "csv"}
    )
    assert response.status_code == 400
    assert "không phải là kỳ báo cáo hợp lệ" in response.content.decode()


def test_the_index_offers_what_the_user_may_do(client, commune_user, front_member_user):
    client.force_login(commune_user)
    html = client.get(url("index")).content.decode()
    assert "Nhập tệp" in html and "Tải biểu mẫu Excel" in html and "Xuất số liệu" in html
    assert "Nhập/xuất" in html  # the nav link
    client.force_login(front_member_user)
    html = client.get(url("index")).content.decode()
    assert "Kiểm tra tệp" not in html and "Tải biểu mẫu" not in html
    assert "Xuất số liệu" in html


# --- registries --------------------------------------------------------------------------------


def test_a_registry_export_re_imports_unchanged_through_the_page(client, commune_user, commune):
    kind = m.GroupType.objects.get(code="to_hoa_giai")
    m.Group.objects.create(
        orgunit=commune, name="Tổ hòa giải Tổ 5", group_type=kind, founded=date(2021, 5, 1)
    )
    client.force_login(commune_user)
    content = client.get(reverse("registries:export", args=["mo-hinh", "xlsx"])).content
    token = token_of(upload(client, "mo-hinh.xlsx", content, kind="mo-hinh"))
    html = client.get(url("preview", token)).content.decode()
    assert "Sổ theo dõi: Mô hình tự quản" in html
    assert "không đổi 1" in html and "Tổ hòa giải Tổ 5" in html
    assert client.post(url("confirm", token)).status_code == 302


def test_a_registry_the_user_may_not_write_is_not_offered(client, front_member_user):
    client.force_login(front_member_user)
    response = upload(client, "nguoi.csv", "Mã bản ghi\n", kind="nguoi")
    assert response.status_code == 400


# --- reconciliation and accepting figures ------------------------------------------------------


@pytest.fixture
def propaganda(commune):
    for day, attendance in ((10, 100), (12, 50)):
        m.PropagandaActivity.objects.create(
            orgunit=commune,
            date=date(2023, 5, day),
            topic="Phòng chống ma túy",
            attendance=attendance,
        )


def upload_report(client, unit, text=REPORT, name="bao-cao.txt", **dates):
    file = SimpleUploadedFile(name, text.encode())
    data = {"file": file, "don_vi": unit_label(unit), **dates}
    return client.post(url("reconcile"), data)


def accept_url_for(page_url):
    token = re.search(r"/doi-chieu/([^/]+)/", page_url).group(1)
    return url("accept", token) + "?" + page_url.split("?", 1)[1]


def test_a_report_is_shown_with_each_figure_marked_and_compared(
    client, commune_user, commune, propaganda
):
    client.force_login(commune_user)
    response = upload_report(client, commune)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert '<mark class="st-match" title="Số 1: báo cáo 2, hệ thống 2 — Khớp">' in html
    assert ">tuyên truyền 2 đợt</mark>" in html
    assert re.search(r'<mark class="st-mismatch"[^>]*>160 lượt người</mark>', html)
    assert re.search(r'<mark class="st-missing"[^>]*>15 nguồn tin</mark>', html)
    assert re.search(r'<mark class="st-unchecked"[^>]*>12 ngôi nhà</mark>', html)
    assert '<td class="num">-10</td>' in html  # 150 held against 160 stated
    assert "Tháng 5/2023" in html  # the period the report states is the default range


def test_reconciliation_refuses_a_unit_out_of_scope(client, commune_user, sibling_commune):
    client.force_login(commune_user)
    response = upload_report(client, sibling_commune)
    assert response.status_code == 400
    assert "trong phạm vi" in response.content.decode()


def test_an_unreadable_report_is_refused_on_the_form(client, commune_user, commune):
    client.force_login(commune_user)
    response = upload_report(client, commune, name="bao-cao.pdf")
    assert response.status_code == 400
    assert "không đúng loại" in response.content.decode()
    response = upload_report(client, commune, name="bao-cao.docx")
    assert response.status_code == 400
    assert "không phải tài liệu Word (.docx) hợp lệ" in response.content.decode()


def test_chosen_figures_are_accepted_as_values(client, commune_user, commune, propaganda):
    client.force_login(commune_user)
    page_url = upload_report(client, commune)["Location"]
    accept_url = accept_url_for(page_url)
    response = client.post(
        accept_url, {"so": ["1", "2"], "don_vi_nhan": unit_label(commune), "ky": "202305"}
    )
    assert response.status_code == 302
    stored = {dv.element.code: dv.value for dv in DataValue.objects.all()}
    assert stored == {"propaganda_rounds": 2, "propaganda_participants": 160}
    assert AuditEvent.objects.filter(action="datavalue.create", source="import").count() == 2
    assert "Đã nhận 2 số" in client.get(response["Location"]).content.decode()


def test_figures_that_cannot_be_values_are_refused_with_their_numbers(
    client, commune_user, commune, propaganda
):
    client.force_login(commune_user)
    page_url = upload_report(client, commune)["Location"]
    accept_url = accept_url_for(page_url)
    response = client.post(
        accept_url, {"so": ["1", "3"], "don_vi_nhan": unit_label(commune), "ky": "202305"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Chưa nhận số liệu nào vì có số không nhận được." in html
    assert "Số 3: «Nguồn tin" in html and "không thuộc biểu mẫu nào" in html
    assert 'value="1" aria-label="Nhận số 1" checked' in html
    assert not DataValue.objects.exists()


def test_highlight_escapes_the_text_and_splits_overlapping_quotes():
    from decimal import Decimal

    from phongtrao.ingest.extract import Figure
    from phongtrao.ingest.reconcile import MATCH, MISMATCH, Comparison

    text = "<b> 2 tập thể, 3 cá nhân"
    a = Figure("awards_collectives", Decimal(2), "tập thể", None, "2 tập thể, 3", 4, 16)
    b = Figure("awards_individuals", Decimal(3), "cá nhân", None, "3 cá nhân", 15, 24)
    html = highlight(text, [Comparison(1, a, status=MATCH), Comparison(2, b, status=MISMATCH)])
    assert html.startswith("&lt;b&gt; ")
    assert '<mark class="st-mismatch"' in html and ">3</mark>" in html
    assert html.count("<mark") == 3


def test_dhis2_exports_download_and_re_import_unchanged(client, commune_user, commune):
    from phongtrao.web.views.ingest import export_formats, import_formats

    assert "dhis2-json" in export_formats() and "dhis2-json" in import_formats()
    client.force_login(commune_user)
    client.post(url("confirm", token_of(upload(client, "so-lieu.csv", values_csv(commune)))))
    response = client.get(
        url("export"), {"don_vi": unit_label(commune), "ky": "202305", "dinh_dang": "dhis2-json"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    token = token_of(upload(client, "dhis2.json", response.content, fmt="dhis2-json"))
    html = client.get(url("preview", token)).content.decode()
    assert "không đổi 2" in html, html


def test_a_word_report_is_read_and_checked(client, commune_user, commune, propaganda):
    import docx

    document = docx.Document()
    document.add_paragraph("BÁO CÁO KẾT QUẢ THÁNG 5/2023")
    document.add_paragraph(REPORT)
    out = io.BytesIO()
    document.save(out)
    client.force_login(commune_user)
    file = SimpleUploadedFile("bao-cao.docx", out.getvalue())
    response = client.post(
        url("reconcile"),
        {
            "file": file,
            "don_vi": unit_label(commune),
            "tu_ngay": "2023-05-01",
            "den_ngay": "2023-05-31",
        },
    )
    html = client.get(response["Location"]).content.decode()
    assert ">tuyên truyền 2 đợt</mark>" in html
    assert "từ 01/05/2023 đến 31/05/2023" in html
