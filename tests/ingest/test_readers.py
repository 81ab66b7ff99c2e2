import re
import unicodedata

import docx
import pytest

from phongtrao.core.errors import InvalidInput
from phongtrao.ingest.legacy import encode_tcvn3, encode_vni
from phongtrao.ingest.readers import MSG_UNREADABLE, MSG_UNSUPPORTED, read_text
from phongtrao.ingest.readers.text import MSG_BAD_DOCX

TEXT = "Công an huyện Đồng Văn\nTriệt phá hơn 23,7 ha cây thuốc phiện."


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        unicodedata.normalize("NFD", TEXT).encode("utf-8"),
        TEXT.replace("\n", "\r\n").encode("utf-8"),
        encode_tcvn3(TEXT),
        encode_vni(TEXT),
    ],
    ids=["utf8", "nfd", "crlf", "tcvn3", "vni"],
)
def test_txt_in_any_vietnamese_encoding_reads_as_nfc(tmp_path, data):
    path = tmp_path / "bao_cao.TXT"
    path.write_bytes(data)
    assert read_text(path) == TEXT


def test_docx_gives_paragraphs_and_table_cells_in_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("Báo cáo tổng kết")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Chỉ tiêu"
    table.cell(0, 1).text = "Số lượng"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "Ô gộp chỉ đọc một lần"
    document.add_paragraph(unicodedata.normalize("NFD", "Thủy Ngân"))
    path = tmp_path / "bao_cao.docx"
    document.save(str(path))
    assert read_text(path) == (
        "Báo cáo tổng kết\nChỉ tiêu\nSố lượng\nÔ gộp chỉ đọc một lần\nThủy Ngân"
    )


def test_docx_runs_in_legacy_fonts_are_converted(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("Unicode: ")
    paragraph.add_run(encode_tcvn3("ủy ban huyện ").decode("cp1252")).font.name = ".VnTime"
    paragraph.add_run(encode_tcvn3("ĐỒNG VĂN ").decode("cp1252")).font.name = ".VnTimeH"
    paragraph.add_run(encode_vni("người lầm lỗi").decode("cp1252")).font.name = "VNI-Times"
    path = tmp_path / "cu.docx"
    document.save(str(path))
    assert read_text(path) == "Unicode: ủy ban huyện ĐỒNG VĂN người lầm lỗi"


def test_docx_legacy_text_without_font_names_is_recognised(tmp_path):
    document = docx.Document()
    document.add_paragraph(encode_vni(TEXT.split("\n")[1]).decode("cp1252"))
    path = tmp_path / "mat_font.docx"
    document.save(str(path))
    assert read_text(path) == TEXT.split("\n")[1]


@pytest.mark.parametrize("name", ["bao_cao.pdf", "bao_cao.doc", "bao_cao"])
def test_unknown_extension_is_refused_naming_the_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"x")
    with pytest.raises(InvalidInput, match=re.escape(MSG_UNSUPPORTED.format(name=name))):
        read_text(path)


def test_broken_docx_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "hong.docx"
    path.write_bytes(b"not a zip")
    message = MSG_UNREADABLE.format(name="hong.docx", reason=MSG_BAD_DOCX)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        read_text(path)


@pytest.mark.parametrize("name", ["khong_co.txt", "khong_co.docx"])
def test_missing_file_is_refused_naming_it(tmp_path, name):
    with pytest.raises(InvalidInput, match=re.escape(f"«{name}»")):
        read_text(tmp_path / name)


def test_directory_is_refused(tmp_path):
    folder = tmp_path / "thu_muc.txt"
    folder.mkdir()
    with pytest.raises(InvalidInput, match="thu_muc.txt"):
        read_text(folder)
