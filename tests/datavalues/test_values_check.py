from decimal import Decimal

import pytest

from phongtrao.catalog.models import CategoryOption, DataElement
from phongtrao.cli import main
from phongtrao.core.models import AuditEvent, Source
from phongtrao.datavalues.integrity import datavalues_invalid
from phongtrao.datavalues.models import DataValue, PeriodFields
from phongtrao.datavalues.periods import period_parse

from ..factories import make_user

pytestmark = pytest.mark.django_db


def stored(unit, period_code, element="propaganda_rounds", value=7, windows=True):
    """Insert a value directly, as the old importer did, bypassing the write path."""
    return DataValue.objects.create(
        element=DataElement.objects.get(code=element),
        option=CategoryOption.objects.get(combo__code="default", code="default"),
        orgunit=unit,
        value=Decimal(value),
        source=Source.IMPORT,
        **PeriodFields.period_fields(period_parse(period_code, windows=windows)),
    )


def test_clean_values_are_reported_as_none_found(capsys, commune):
    stored(commune, "202305")
    assert main(["values", "check", "--org", commune.parent.code]) == 0
    assert "Không có số liệu nào" in capsys.readouterr().out


def test_a_district_value_of_a_commune_data_set_is_found_and_explained(capsys, commune):
    good = stored(commune, "202305")
    district = stored(commune.parent, "2023", windows=True)
    [problem] = list(datavalues_invalid(root=commune.parent))
    assert problem.value == district and "được nhập ở cấp xã" in problem.reason
    assert main(["values", "check", "--org", commune.parent.code]) == 1
    out = capsys.readouterr().out
    assert f"{commune.parent.code} ({commune.parent.name}) — propaganda_rounds" in out
    assert "kỳ 2023 — giá trị 7: Biểu mẫu «" in out and "được nhập ở cấp xã" in out
    assert "Cách xử lý" in out and "--delete" in out
    assert DataValue.objects.count() == 2  # the check writes nothing
    assert list(datavalues_invalid(root=commune)) == []
    assert good.pk in DataValue.objects.values_list("pk", flat=True)


def test_wrong_period_type_is_found(commune):
    stored(commune, "2023Q2")
    [problem] = list(datavalues_invalid(root=commune))
    assert "không đúng loại kỳ" in problem.reason


def test_delete_removes_only_the_invalid_values_and_audits_it(capsys, commune, ha_giang):
    make_user("quantri", role="admin", orgunit=ha_giang)
    stored(commune, "202305")
    stored(commune.parent, "2023")
    args = ["values", "check", "--org", commune.parent.code, "--delete", "--user"]
    make_user("xa1", role="commune_officer", orgunit=commune)
    assert main([*args, "xa1"]) == 2  # only an administrator may delete
    assert DataValue.objects.count() == 2
    assert main([*args, "quantri"]) == 0
    assert "Đã xóa 1 số liệu" in capsys.readouterr().out
    assert list(DataValue.objects.values_list("orgunit", flat=True)) == [commune.pk]
    event = AuditEvent.objects.get(action="datavalue.delete")
    assert event.source == "cli" and event.reason and event.orgunit == commune.parent
