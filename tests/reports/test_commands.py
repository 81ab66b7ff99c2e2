"""`phongtrao report review`, through its handler and through `phongtrao.cli.main`."""

import argparse
import io
import json
import re

import pytest
from docx import Document as open_docx

from phongtrao.core.errors import InvalidInput, NotFound
from phongtrao.reports import commands

pytestmark = pytest.mark.django_db


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="phongtrao")
    commands.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["report", "review", *argv])


def run(*argv: str) -> int:
    args = parse(*argv)
    return args.handler(args)


def test_json_review_is_written_to_the_file(world, tmp_path, capsys):
    out = tmp_path / "review.json"
    code = run(
        "--org",
        "02",
        "--from",
        "2022-01-01",
        "--to",
        "2022-12-31",
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["org"] == "02" and data["from"] == "2022-01-01" and data["to"] == "2022-12-31"
    assert data["figures"]["propaganda_participants"]["value"] == 180
    err = capsys.readouterr().err
    assert "Báo cáo tổng kết: Tỉnh Hà Giang (mã 02)" in err
    assert f"Đã ghi {out}" in err


def test_the_format_follows_the_file_name(world, tmp_path):
    out = tmp_path / "bao-cao.docx"
    assert run("--org", "02", "--from", "2022-01-01", "--to", "2022-12-31", "-o", str(out)) == 0
    document = open_docx(io.BytesIO(out.read_bytes()))
    assert any("180 lượt" in p.text for p in document.paragraphs)


def test_html_and_json_go_to_standard_output_without_a_file(world, capsys):
    assert (
        run("--org", "024", "--from", "2022-01-01", "--to", "2022-12-31", "--format", "json") == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["org"] == "024" and data["figures"]["propaganda_rounds"]["value"] == 2


def test_base_url_makes_links_absolute(world, capsys):
    run(
        "--org",
        "02",
        "--from",
        "2022-01-01",
        "--to",
        "2022-12-31",
        "--format",
        "html",
        "--base-url",
        "https://phongtrao.example/",
    )
    html = capsys.readouterr().out
    assert 'href="https://phongtrao.example/so-theo-doi/tuyen-truyen/?' in html


def test_an_unknown_code_is_a_clear_error(db):
    with pytest.raises(NotFound, match=re.escape("Không có đơn vị mã «99999»")):
        run("--org", "99999", "--from", "2022-01-01", "--to", "2022-12-31", "--format", "json")


@pytest.mark.parametrize("bad", ["2022-13-01", "01/01/2022", "hôm qua"])
def test_a_bad_date_is_a_clear_error(db, bad):
    message = commands.MSG_DATE.format(text=bad)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        run("--org", "02", "--from", bad, "--to", "2022-12-31", "--format", "json")


def test_a_reversed_range_is_refused(db):
    with pytest.raises(InvalidInput, match="ngày bắt đầu sau ngày kết thúc"):
        run("--org", "02", "--from", "2023-01-01", "--to", "2022-12-31", "--format", "json")


def test_an_unknown_format_is_a_clear_error(db, tmp_path):
    with pytest.raises(InvalidInput, match=re.escape("Định dạng «odt» không được hỗ trợ")):
        run("--org", "02", "--from", "2022-01-01", "--to", "2022-12-31", "--format", "odt")
    with pytest.raises(InvalidInput, match=re.escape(commands.MSG_NO_FORMAT)):
        run(
            "--org",
            "02",
            "--from",
            "2022-01-01",
            "--to",
            "2022-12-31",
            "-o",
            str(tmp_path / "bao-cao"),
        )


def test_binary_formats_need_a_file(db):
    with pytest.raises(InvalidInput, match=re.escape("Định dạng PDF cần tên tệp")):
        run("--org", "02", "--from", "2022-01-01", "--to", "2022-12-31", "--format", "pdf")


def test_the_hierarchy_option_picks_the_tree(db):
    with pytest.raises(NotFound):
        run(
            "--org",
            "02",
            "--from",
            "2022-01-01",
            "--to",
            "2022-12-31",
            "--format",
            "json",
            "--hierarchy",
            "2025",
        )


@pytest.fixture
def cli_with_reports():
    """phongtrao.cli.main, where the reports command module is registered."""
    from phongtrao import cli

    assert "phongtrao.reports.commands" in cli.COMMAND_MODULES
    return cli.main


def test_through_main_a_bad_date_exits_with_a_vietnamese_message(db, cli_with_reports, capsys):
    code = cli_with_reports(
        ["report", "review", "--org", "02", "--from", "2013-02-30", "--to", "2023-05-30"]
    )
    assert code == 2
    assert "Lỗi: Ngày «2013-02-30» không hợp lệ" in capsys.readouterr().err


def test_through_main_the_review_is_written(world, cli_with_reports, tmp_path):
    out = tmp_path / "review.json"
    argv = ["report", "review", "--org", "02", "--from", "2022-01-01", "--to", "2022-12-31"]
    assert cli_with_reports([*argv, "--format", "json", "-o", str(out)]) == 0
    assert (
        json.loads(out.read_text(encoding="utf-8"))["figures"]["surrendered_wanted"]["value"] == 1
    )
