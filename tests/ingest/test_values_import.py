import json
from decimal import Decimal

import pytest

from phongtrao.cli import main
from phongtrao.core.errors import InvalidInput
from phongtrao.core.models import AuditEvent
from phongtrao.datavalues.models import DataValue
from phongtrao.ingest.services import file_import, values_export
from phongtrao.ingest.values import MSG_IMPORT_REFUSED

pytestmark = pytest.mark.django_db

HEADER = "chi_tieu,phan_to,don_vi,ky,gia_tri,ghi_chu\n"


def write(tmp_path, body, name="so-lieu.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_csv_import_stores_values_and_reimport_changes_nothing(tmp_path, commune_user, commune):
    path = write(
        tmp_path,
        f"propaganda_rounds,,{commune.code},202305,12,\n"
        f"propaganda_participants,default,{commune.code},202305,248.600,\n"
        f"weapons_explosives_collected,sung,{commune.code},202305,3,ghi chú\n",
    )
    report = file_import(user=commune_user, path=path, fmt="csv")
    assert report["summary"]["create"] == 3
    stored = {(dv.element.code, dv.option.code): dv.value for dv in DataValue.objects.all()}
    assert stored == {
        ("propaganda_rounds", "default"): 12,
        ("propaganda_participants", "default"): 248600,
        ("weapons_explosives_collected", "sung"): 3,
    }
    # Monthly codes follow the data set's reporting windows (15th to 14th).
    assert {str(dv.period_start) for dv in DataValue.objects.all()} == {"2023-04-15"}
    again = file_import(user=commune_user, path=path, fmt="csv")
    assert again["summary"] == {"create": 0, "update": 0, "delete": 0, "unchanged": 3, "refused": 0}
    assert AuditEvent.objects.filter(action="datavalue.create", source="import").count() == 3


def test_dry_run_reports_row_by_row_and_writes_nothing(tmp_path, commune_user, commune):
    DataValue.objects.all().delete()
    path = write(
        tmp_path,
        f"propaganda_rounds,,{commune.code},202305,12,\n"
        f"propaganda_rounds,,{commune.code},202304,1,\n"
        f'mediation_teams,,{commune.code},202305,"248,600",\n',
    )
    report = file_import(user=commune_user, path=path, fmt="csv", dry_run=True)
    assert [(r["line"], r["action"]) for r in report["rows"]] == [
        (2, "create"),
        (3, "create"),
        (4, "refused"),
    ]
    assert "không rõ nghĩa" in report["rows"][2]["reason"]
    assert not DataValue.objects.exists()


def test_one_bad_row_refuses_the_whole_file(tmp_path, commune_user, commune, sibling_commune):
    path = write(
        tmp_path,
        f"propaganda_rounds,,{commune.code},202305,12,\n"
        f"propaganda_rounds,,{sibling_commune.code},202305,4,\n"
        f"no_such_element,,{commune.code},202305,4,\n"
        f"rehab_quit,,{commune.code},202305,9,\n"
        f"rehab_participants,,{commune.code},202305,3,\n",
    )
    with pytest.raises(InvalidInput, match=MSG_IMPORT_REFUSED) as caught:
        file_import(user=commune_user, path=path, fmt="csv")
    reasons = {row.line: row.reason for row in caught.value.extra["rows"]}
    assert "trong phạm vi bạn được nhập liệu" in reasons[3]
    assert "Không có chỉ tiêu «no_such_element»" in reasons[4]
    assert "Số người từ bỏ được ma túy" in reasons[5] and "Số người từ bỏ" in reasons[6]
    assert 2 not in reasons  # a good row is not blamed for another element's rule
    assert not DataValue.objects.exists()


def test_export_re_imports_unchanged(tmp_path, commune_user, commune):
    path = write(
        tmp_path,
        f"propaganda_rounds,,{commune.code},202305,12,\n"
        f'poppy_destroyed_ha,,{commune.code},202305,"23,7",\n',
    )
    file_import(user=commune_user, path=path, fmt="csv")
    exported = values_export(org=commune.code, hierarchy=None, periods="202305", fmt="csv")
    assert 'poppy_destroyed_ha,default,00688,202305,"23,7"' in exported
    again = tmp_path / "lai.csv"
    again.write_text(exported, encoding="utf-8")
    assert file_import(user=commune_user, path=again, fmt="csv")["summary"]["unchanged"] == 2


def test_import_and_export_from_the_command_line(tmp_path, capsys, commune_user, commune):
    path = write(tmp_path, f"propaganda_rounds,,{commune.code},202305,7,\n")
    assert main(["import", str(path), "--user", "xa1", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["create"] == 1
    assert not DataValue.objects.exists()
    assert main(["import", str(path), "--user", "xa1"]) == 0
    out = tmp_path / "ra.csv"
    assert main(["export", "--org", commune.code, "--periods", "202305", "-o", str(out)]) == 0
    assert (
        out.read_text(encoding="utf-8").splitlines()[1]
        == f"propaganda_rounds,default,{commune.code},202305,7,"
    )
    bad = write(tmp_path, f"propaganda_rounds,,{commune.code},202305,x,\n", name="hong.csv")
    assert main(["import", str(bad), "--user", "xa1"]) == 2
    assert "dòng 2" in capsys.readouterr().err


def test_excel_template_round_trip(tmp_path, capsys, commune_user, commune):
    from openpyxl import load_workbook

    out = tmp_path / "bieu-mau.xlsx"
    assert (
        main(
            [
                "template",
                "xlsx",
                "--dataset",
                "monthly_movement",
                "--org",
                commune.code,
                "--period",
                "202305",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    book = load_workbook(out)
    sheet = book["Nhập liệu"]
    assert sheet.protection.sheet and sheet["A5"].value == commune.code
    assert sheet["A5"].protection.locked and not sheet["C5"].protection.locked
    headers = [c.value for c in sheet[3]]
    assert headers[:3] == ["Mã đơn vị", "Tên đơn vị", "Đợt tuyên truyền (đợt)"]
    assert sheet.data_validations.dataValidation  # value cells are checked by Excel
    keys = [c.value for c in sheet[4]]
    sheet.cell(row=5, column=keys.index("propaganda_rounds.default") + 1, value=4)
    sheet.cell(row=5, column=keys.index("poppy_destroyed_ha.default") + 1, value=1.25)
    book.save(out)
    assert main(["import", str(out), "--user", "xa1"]) == 0
    stored = {dv.element.code: dv.value for dv in DataValue.objects.all()}
    assert stored == {"propaganda_rounds": 4, "poppy_destroyed_ha": Decimal("1.25")}
    # A new template shows what is stored, and importing it unchanged changes nothing.
    assert (
        main(["template", "xlsx", "--org", commune.code, "--period", "202305", "-o", str(out)]) == 0
    )
    capsys.readouterr()
    assert main(["import", str(out), "--user", "xa1"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["unchanged"] == 2


def test_rows_are_read_a_chunk_at_a_time_and_the_report_stays_bounded(
    monkeypatch, commune_user, commune
):
    from phongtrao.ingest import values as values_module
    from phongtrao.ingest.values import ValueRow, values_import

    monkeypatch.setattr(values_module, "CHUNK_ROWS", 3)
    monkeypatch.setattr(values_module, "REPORT_ROWS", 4)
    pulled, pulled_at_write = [], []
    real_write = values_module._write

    def spying_write(*args, **kwargs):
        pulled_at_write.append(len(pulled))
        return real_write(*args, **kwargs)

    monkeypatch.setattr(values_module, "_write", spying_write)
    months = ["202301", "202302", "202303", "202304", "202305", "202306", "202307", "202308"]

    def rows():
        for line, month in enumerate(months, start=2):
            pulled.append(line)
            yield ValueRow(
                line=line,
                element="propaganda_rounds",
                orgunit=commune.code,
                period=month,
                value=str(line),
            )

    report = values_import(user=commune_user, rows=rows())
    assert pulled_at_write == [3, 6, 8]  # each chunk is written before the next is read
    assert report.summary["create"] == 8 and DataValue.objects.count() == 8
    assert len(report.outcomes) == 4 and report.as_dict()["rows_omitted"] == 4


def test_a_refusal_in_a_later_chunk_undoes_the_earlier_chunks(monkeypatch, commune_user, commune):
    from phongtrao.ingest import values as values_module
    from phongtrao.ingest.values import ValueRow, values_import

    monkeypatch.setattr(values_module, "CHUNK_ROWS", 2)
    rows = [
        ValueRow(
            line=i + 2,
            element="propaganda_rounds",
            orgunit=commune.code,
            period=f"20230{i + 1}",
            value="5",
        )
        for i in range(4)
    ]
    rows.append(
        ValueRow(
            line=6, element="propaganda_rounds", orgunit=commune.code, period="202301", value="6"
        )
    )  # the same cell as line 2
    with pytest.raises(InvalidInput) as caught:
        values_import(user=commune_user, rows=rows)
    assert [(r.line, r.reason) for r in caught.value.extra["rows"]] == [
        (6, "Trùng với dòng 2: cùng chỉ tiêu, đơn vị và kỳ.")
    ]
    assert not DataValue.objects.exists()
    dry = values_import(user=commune_user, rows=rows[:4], dry_run=True)
    assert dry.summary["create"] == 4 and not DataValue.objects.exists()


def test_a_cell_repeated_in_later_chunks_names_its_first_line(monkeypatch, commune_user, commune):
    from phongtrao.ingest import values as values_module
    from phongtrao.ingest.values import ValueRow, values_import

    monkeypatch.setattr(values_module, "CHUNK_ROWS", 2)
    periods = ["202301", "202302", "202301", "202301", "202302"]
    rows = [
        ValueRow(line=i + 2, element="propaganda_rounds", orgunit=commune.code, period=p, value="5")
        for i, p in enumerate(periods)
    ]
    with pytest.raises(InvalidInput) as caught:
        values_import(user=commune_user, rows=rows)
    duplicate = "Trùng với dòng {}: cùng chỉ tiêu, đơn vị và kỳ."
    assert [(r.line, r.reason) for r in caught.value.extra["rows"]] == [
        (4, duplicate.format(2)),
        (5, duplicate.format(2)),
        (6, duplicate.format(3)),
    ]
    assert not DataValue.objects.exists()


def test_refusals_are_counted_per_reason_and_only_the_first_rows_kept(
    monkeypatch, tmp_path, commune_user, commune
):
    from phongtrao.ingest import values as values_module

    monkeypatch.setattr(values_module, "REFUSED_ROWS", 3)
    monkeypatch.setattr(values_module, "CHUNK_ROWS", 4)
    body = "".join(
        f"khong_co,,{commune.code},2023{month:02d},1,\n"
        if month % 2
        else f"propaganda_rounds,,{commune.code},2023{month:02d},-1,\n"
        for month in range(1, 11)
    )
    path = write(tmp_path, body)
    with pytest.raises(InvalidInput) as caught:
        file_import(user=commune_user, path=path, fmt="csv")
    assert [row.line for row in caught.value.extra["rows"]] == [2, 3, 4]
    assert caught.value.extra["refused"] == 10
    assert caught.value.extra["reasons"] == {
        "Không có chỉ tiêu «khong_co».": 5,
        "Giá trị không được âm.": 5,
    }
    assert not DataValue.objects.exists()
    dry = file_import(user=commune_user, path=path, fmt="csv", dry_run=True)
    assert dry["summary"]["refused"] == 10 and len(dry["rows"]) == 3
    assert dry["rows_omitted"] == 7 and sum(dry["reasons"].values()) == 10


def test_an_import_keeps_the_value_rollups_as_a_rebuild_would(
    tmp_path, district_user, commune, sibling_commune
):
    from django.db import connection

    from phongtrao.analytics.models import ValueRollup
    from phongtrao.analytics.rollups import rollups_active, rollups_install

    def rollup():
        return sorted(
            (r.element_id, r.anchor, r.period_start, r.period_end, r.rows, r.total)
            for r in ValueRollup.objects.exclude(rows=0)
        )

    assert rollups_active()
    body = "".join(
        f"{element},,{unit.code},2022{month:02d},{month + len(element)},\n"
        for unit in (commune, sibling_commune)
        for month in range(1, 13)
        for element in ("propaganda_rounds", "propaganda_participants")
    )
    file_import(user=district_user, path=write(tmp_path, body), fmt="csv")
    # The second file changes half of the values and clears one: updates and a delete.
    again = "".join(
        f"{element},,{unit.code},2022{month:02d},{month + len(element) + 100},\n"
        for unit in (commune, sibling_commune)
        for month in range(1, 7)
        for element in ("propaganda_rounds", "propaganda_participants")
    )
    again += f"propaganda_participants,,{commune.code},202212,,\n"
    report = file_import(user=district_user, path=write(tmp_path, again, "lai.csv"), fmt="csv")
    assert report["summary"]["update"] == 24 and report["summary"]["delete"] == 1
    assert DataValue.objects.count() == 47
    kept = rollup()
    assert kept and sum(r[4] for r in kept) == 47 * 2  # each value at province and district
    rollups_install()
    assert rollup() == kept
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name = 'analytics_rollup_values_ins'"
            )
            assert cursor.fetchone()[0] == 1
