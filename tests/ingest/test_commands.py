import json
from pathlib import Path

import pytest

from phongtrao.cli import main
from phongtrao.ingest.legacy import encode_vni
from phongtrao.ingest.readers import MSG_UNSUPPORTED

SEED_TEXT = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_361dfef9dc19900e.txt"

pytestmark = pytest.mark.django_db


def test_extract_prints_the_figures_as_json(capsys):
    assert main(["extract", str(SEED_TEXT)]) == 0
    out = capsys.readouterr().out
    result = json.loads(out)
    assert set(result) == {"figures", "period", "org_units"}
    assert len(result["figures"]) == 21
    first = result["figures"][0]
    assert first == {
        "indicator": "propaganda_rounds",
        "value": 2500,
        "unit": "đợt",
        "qualifier": None,
        "quote": "tuyên truyền 2.500 đợt",
        "start": first["start"],
        "end": first["start"] + len("tuyên truyền 2.500 đợt"),
        "noun": "đợt",
        "part_of": None,
    }
    assert result["period"]["start"] == "2013-01-01"
    assert "tuyên truyền 2.500 đợt" in out  # Vietnamese kept as is, not \u-escaped
    assert out.startswith("{\n  ")


def test_extract_reads_a_vni_file_with_format_json(capsys, tmp_path):
    path = tmp_path / "bao_cao.txt"
    path.write_bytes(encode_vni("Năm 2023 triệt phá hơn 23,7 ha cây thuốc phiện ở huyện Đồng Văn."))
    assert main(["extract", str(path), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [(f["indicator"], f["value"], f["qualifier"]) for f in result["figures"]] == [
        ("poppy_destroyed_ha", 23.7, "more_than")
    ]
    assert result["org_units"] == ["huyện Đồng Văn"]
    assert result["period"]["text"] == "Năm 2023"


def test_extract_refuses_an_unknown_file_type_naming_it(capsys, tmp_path):
    path = tmp_path / "bao_cao.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert main(["extract", str(path)]) == 2
    err = capsys.readouterr().err
    assert MSG_UNSUPPORTED.format(name="bao_cao.pdf") in err


def test_extract_refuses_a_missing_file(capsys, tmp_path):
    assert main(["extract", str(tmp_path / "khong_co.txt")]) == 2
    assert "khong_co.txt" in capsys.readouterr().err
