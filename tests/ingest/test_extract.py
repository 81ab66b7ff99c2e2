import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from phongtrao.catalog.models import DataElement, DataSetElement
from phongtrao.catalog.selectors import lexicon
from phongtrao.ingest.extract import (
    ABOUT,
    LESS_THAN,
    MORE_THAN,
    NEARLY,
    extract,
    find_org_units,
    find_period,
    fold,
    scan_number,
)
from phongtrao.ingest.legacy import encode_tcvn3, encode_vni
from phongtrao.ingest.readers import read_text

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed"
SEED_TEXT = SEED / "000_361dfef9dc19900e.txt"
SEED_GOLD = SEED / "000_361dfef9dc19900e.gold.json"
INDICATORS = Path(__file__).resolve().parents[3] / "shared" / "indicators.csv"

LEXICON = {
    "propaganda_rounds": ["đợt tuyên truyền", "tuyên truyền # đợt"],
    "propaganda_participants": ["lượt người"],
    "poppy_destroyed_ha": ["ha cây thuốc phiện"],
    "mediation_teams": ["tổ hòa giải"],
    "surrendered_subjects": ["đối tượng ra đầu thú"],
    "surrendered_wanted": ["đối tượng truy nã ra đầu thú", "vận động # đối tượng truy nã"],
    "subjects_arrested_handled": ["bắt # đối tượng"],
    "wanted_arrested": ["bắt # đối tượng truy nã"],
    "safe_residential_areas": ["khu dân cư đạt tiêu chuẩn an toàn về antt"],
    "residential_areas_total": ["/# khu dân cư", "tổng số # khu dân cư"],
}


def seed_text() -> str:
    return SEED_TEXT.read_text(encoding="utf-8")


def gold() -> list[dict]:
    return json.loads(SEED_GOLD.read_text(encoding="utf-8"))


def figures(text: str, lexicon_: dict | None = None) -> list[dict]:
    return extract(text, LEXICON if lexicon_ is None else lexicon_).as_dict()["figures"]


def only(text: str, lexicon_: dict | None = None) -> dict:
    found = figures(text, lexicon_)
    assert len(found) == 1, found
    return found[0]


# --- The seed against its gold file ---------------------------------------------------------


@pytest.mark.django_db
def test_seed_gives_every_gold_figure_with_its_value_indicator_and_quote():
    text = seed_text()
    found = extract(text, lexicon()).as_dict()["figures"]
    matched: set[int] = set()
    for item in gold():
        assert text.count(item["quote"]) == 1, item["quote"]
        gold_start = text.index(item["quote"])
        gold_end = gold_start + len(item["quote"])
        # The quote covers the gold quote, or, where the gold quote reaches into the next
        # figure or the awarding authority ("6 cá nhân; Giám đốc"), lies inside it.
        hits = [
            i
            for i, f in enumerate(found)
            if (f["start"] <= gold_start and gold_end <= f["end"])
            or (gold_start <= f["start"] and f["end"] <= gold_end)
        ]
        assert len(hits) == 1, (item, hits)
        figure = found[hits[0]]
        assert text[figure["start"] : figure["end"]] == figure["quote"]
        assert (figure["value"], figure["indicator"]) == (item["value"], item["indicator"])
        assert figure["qualifier"] == item.get("qualifier")
        assert item["unit"].startswith(figure["unit"])
        matched.add(hits[0])
    assert len(matched) == len(gold())
    others = [f for i, f in enumerate(found) if i not in matched]
    assert others == []  # the seed states no other figure; dates, years, "10 năm" are none


@pytest.mark.django_db
def test_seed_quotes_equal_or_contain_the_gold_quotes_except_where_gold_reaches_further():
    found = extract(seed_text(), lexicon()).as_dict()["figures"]
    quotes = [f["quote"] for f in found]
    longer_gold = {"UBND tỉnh tặng bằng khen cho 4 tập thể", "6 cá nhân; Giám đốc"}
    longer_gold |= {"2 tập thể, 3 cá nhân"}
    for item in gold():
        if item["quote"] in longer_gold:
            assert any(q in item["quote"] for q in quotes)
        else:
            assert any(item["quote"] in q for q in quotes), item["quote"]


@pytest.mark.django_db
def test_seed_period_and_sub_figure():
    result = extract(seed_text(), lexicon()).as_dict()
    assert result["period"] == {
        "text": "giai đoạn 2013 – 2023",
        "start": "2013-01-01",
        "end": "2023-12-31",
        "text_start": seed_text().index("giai đoạn"),
        "text_end": seed_text().index("giai đoạn") + len("giai đoạn 2013 – 2023"),
    }
    assert result["org_units"] == []
    by_value = {f["value"]: i for i, f in enumerate(result["figures"])}
    assert result["figures"][by_value[122]]["part_of"] == by_value[209]


def _write_docx(path: Path, text: str, font: str | None = None) -> None:
    document = docx.Document()
    for line in text.split("\n"):
        run = document.add_paragraph().add_run(line)
        if font:
            run.font.name = font
    document.save(str(path))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "variant", ["utf8", "utf8_nfd", "utf8_crlf", "tcvn3", "vni", "docx", "docx_vntime", "docx_vni"]
)
def test_seed_in_every_encoding_and_format_gives_the_same_figures(tmp_path, variant):
    text = seed_text()
    path = tmp_path / ("seed.docx" if variant.startswith("docx") else "seed.txt")
    if variant == "utf8":
        path.write_bytes(text.encode("utf-8"))
    elif variant == "utf8_nfd":
        path.write_bytes(unicodedata.normalize("NFD", text).encode("utf-8"))
    elif variant == "utf8_crlf":
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    elif variant == "tcvn3":
        path.write_bytes(encode_tcvn3(text))
    elif variant == "vni":
        path.write_bytes(encode_vni(text))
    elif variant == "docx":
        _write_docx(path, text)
    elif variant == "docx_vntime":
        _write_docx(path, encode_tcvn3(text).decode("cp1252"), font=".VnTime")
    else:
        _write_docx(path, encode_vni(text).decode("cp1252"), font="VNI-Times")
    decoded = read_text(path)
    if variant in {"tcvn3", "docx_vntime"}:
        # TCVN3 has no code for "Ủ"; inside a sentence it comes back as "ủ".
        assert decoded.replace("ủy ban", "Ủy ban") == text
    else:
        assert decoded == text
    assert extract(decoded, lexicon()).as_dict() == extract(text, lexicon()).as_dict()


# --- Catalog and lexicon ----------------------------------------------------------------------


NEW_ELEMENTS = {
    "public_tips",
    "cases_solved",
    "subjects_arrested_handled",
    "wanted_arrested",
    "training_classes",
    "training_participants",
    "legal_aid_sessions",
    "model_points",
    "model_members",
    "grassroots_security_teams",
    "safe_residential_areas",
    "residential_areas_total",
    "safe_communes",
    "communes_total",
    "safe_agencies",
    "agencies_total",
    "models_new",
    "models_replicated",
    "propaganda_sessions",
    "festival_sites",
    "front_members",
}


@pytest.mark.django_db
def test_every_element_has_phrases_and_new_elements_stay_out_of_data_sets():
    phrases = lexicon()
    codes = set(DataElement.objects.values_list("code", flat=True))
    assert NEW_ELEMENTS <= codes
    assert all(phrases.get(code) for code in codes)
    assert not DataSetElement.objects.filter(element__code__in=NEW_ELEMENTS).exists()
    new = DataElement.objects.filter(code__in=NEW_ELEMENTS)
    assert set(new.values_list("source", flat=True)) == {"reports"}
    assert set(new.values_list("time_aggregation", flat=True)) <= {"sum", "last"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sentence", "indicator", "value"),
    [
        ("Quần chúng cung cấp 1.500 nguồn tin có giá trị.", "public_tips", 1500),
        ("giúp khám phá 35 vụ án", "cases_solved", 35),
        ("bắt 42 đối tượng, trong đó 5 đối tượng truy nã", "subjects_arrested_handled", 42),
        ("bắt 42 đối tượng, trong đó 5 đối tượng truy nã", "wanted_arrested", 5),
        ("tổ chức 15 lớp tập huấn cho 1.200 lượt học viên", "training_classes", 15),
        ("tổ chức 15 lớp tập huấn cho 1.200 lượt học viên", "training_participants", 1200),
        ("tổ chức 40 buổi trợ giúp pháp lý lưu động", "legal_aid_sessions", 40),
        ("xây dựng 12 mô hình điểm", "model_points", 12),
        ("duy trì mô hình với 3.400 thành viên", "model_members", 3400),
        ("thành lập 1.890 tổ bảo vệ an ninh, trật tự ở cơ sở", "grassroots_security_teams", 1890),
        (
            "có 1.042/1.165 khu dân cư đạt tiêu chuẩn “An toàn về ANTT”",
            "safe_residential_areas",
            1042,
        ),
        (
            "có 1.042/1.165 khu dân cư đạt tiêu chuẩn “An toàn về ANTT”",
            "residential_areas_total",
            1165,
        ),
        (
            "150/193 xã, phường, thị trấn đạt tiêu chuẩn an toàn về an ninh, trật tự",
            "safe_communes",
            150,
        ),
        (
            "150/193 xã, phường, thị trấn đạt tiêu chuẩn an toàn về an ninh, trật tự",
            "communes_total",
            193,
        ),
        (
            "870/900 cơ quan, doanh nghiệp, nhà trường đạt tiêu chuẩn an toàn về ANTT",
            "safe_agencies",
            870,
        ),
        (
            "870/900 cơ quan, doanh nghiệp, nhà trường đạt tiêu chuẩn an toàn về ANTT",
            "agencies_total",
            900,
        ),
        ("xây dựng mới 50 mô hình", "models_new", 50),
        ("nhân rộng 20 mô hình", "models_replicated", 20),
        ("tổ chức 120 buổi tuyên truyền", "propaganda_sessions", 120),
        ("tổ chức 120 đợt tuyên truyền", "propaganda_rounds", 120),
        ("tổ chức “Ngày hội Toàn dân bảo vệ ANTQ” tại 1.150 điểm", "festival_sites", 1150),
        ("thu hút 95.000 đoàn viên, hội viên", "front_members", 95000),
    ],
)
def test_shipped_lexicon_names_the_indicators_reports_commonly_state(sentence, indicator, value):
    found = extract(sentence, lexicon()).as_dict()["figures"]
    assert {"indicator": indicator, "value": value} in [
        {"indicator": f["indicator"], "value": f["value"]} for f in found
    ]


# --- Numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2.500", Decimal("2500")),
        ("248.600", Decimal("248600")),
        ("1.250.000", Decimal("1250000")),
        ("23,7", Decimal("23.7")),
        ("78,24", Decimal("78.24")),
        ("1.250,5", Decimal("1250.5")),
        ("1,250,000", Decimal("1250000")),
        ("1,250.5", Decimal("1250.5")),
        ("2.5", Decimal("2.5")),
        ("2,500", Decimal("2.5")),
        ("31", Decimal("31")),
        ("1.2.3", None),
        ("12.34.567", None),
        ("abc", None),
    ],
)
def test_scan_number(written, expected):
    assert scan_number(written) == expected


@pytest.mark.parametrize(
    ("sentence", "value", "unit"),
    [
        ("tổ chức 2.500 đợt tuyên truyền", 2500, "đợt"),
        ("triệt phá 23,7 ha cây thuốc phiện", 23.7, "ha"),
        ("triệt phá 5ha cây thuốc phiện", 5, "ha"),
        ("với 610 nghìn lượt người", 610_000, "lượt"),
        ("với 610 ngàn lượt người", 610_000, "lượt"),
        ("thu hút 46 triệu lượt người", 46_000_000, "lượt"),
        ("hỗ trợ 35 tỷ đồng", 35_000_000_000, "đồng"),
        ("hỗ trợ 1,2 tỷ đồng", 1_200_000_000, "đồng"),
        ("hỗ trợ 2 tỷ 500 triệu đồng", 2_500_000_000, "đồng"),
        ("tỷ lệ đạt 78,24%", 78.24, "%"),
        ("tỷ lệ đạt 78,24 phần trăm", 78.24, "%"),
        ("có 1.250.000 lượt người", 1_250_000, "lượt"),
        ("có 2023 lượt người", 2023, "lượt"),
        ("thu hồi 25.643 vũ khí, vật liệu nổ", 25643, "vũ khí"),
    ],
)
def test_number_forms(sentence, value, unit):
    figure = only(sentence)
    assert (figure["value"], figure["unit"]) == (value, unit)
    assert sentence[figure["start"] : figure["end"]] == figure["quote"]


def test_fraction_gives_the_part_and_the_total():
    sentence = "Toàn tỉnh có 1.042/1.165 khu dân cư đạt tiêu chuẩn “An toàn về ANTT”."
    part, total = figures(sentence)
    assert (part["value"], part["indicator"], part["part_of"]) == (
        1042,
        "safe_residential_areas",
        1,
    )
    assert (total["value"], total["indicator"], total["part_of"]) == (
        1165,
        "residential_areas_total",
        None,
    )
    assert part["quote"] == "1.042/1.165 khu dân cư đạt tiêu chuẩn “An toàn về ANTT”"
    assert total["quote"] == "1.165 khu dân cư"
    assert part["unit"] == total["unit"] == "khu dân cư"


def test_total_stated_in_words_is_named_and_a_date_with_a_slash_is_not_a_fraction():
    assert only("trên tổng số 1.165 khu dân cư")["indicator"] == "residential_areas_total"
    assert figures("Ngày 12/12, Công an tỉnh họp.") == []


# --- Qualifiers and parts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "qualifier"),
    [
        ("hơn", MORE_THAN),
        ("trên", MORE_THAN),
        ("gần", NEARLY),
        ("khoảng", ABOUT),
        ("xấp xỉ", ABOUT),
        ("ước tính", ABOUT),
        ("dưới", LESS_THAN),
        ("chưa đến", LESS_THAN),
        ("", None),
    ],
)
def test_qualifiers(word, qualifier):
    sentence = f"vận động triệt phá {word} 23,7 ha cây thuốc phiện".replace("  ", " ")
    figure = only(sentence)
    assert (figure["qualifier"], figure["value"], figure["indicator"]) == (
        qualifier,
        23.7,
        "poppy_destroyed_ha",
    )
    assert figure["quote"] == f"{word} 23,7 ha cây thuốc phiện".strip()


def test_trong_do_marks_the_parts_of_the_figure_before_it():
    sentence = (
        "vận động 209 đối tượng ra đầu thú, trong đó, có 122 đối tượng truy nã, "
        "15 đối tượng nghiện; tổ chức 20 đợt tuyên truyền."
    )
    found = figures(sentence)
    assert [(f["value"], f["indicator"], f["part_of"]) for f in found] == [
        (209, "surrendered_subjects", None),
        (122, "surrendered_wanted", 0),  # named through the whole's verb "vận động"
        (15, None, 0),
        (20, "propaganda_rounds", None),
    ]


def test_a_part_takes_its_meaning_from_its_whole():
    found = figures("bắt 42 đối tượng, trong đó 5 đối tượng truy nã.")
    assert [(f["indicator"], f["part_of"]) for f in found] == [
        ("subjects_arrested_handled", None),
        ("wanted_arrested", 0),
    ]


def test_trong_do_list_ends_at_a_figure_of_another_unit():
    found = figures(
        "cung cấp 2.310 nguồn tin, trong đó có 1.980 nguồn tin có giá trị, giúp làm rõ 87 vụ, "
        "bắt 132 đối tượng."
    )
    assert [(f["value"], f["part_of"]) for f in found] == [
        (2310, None),
        (1980, 0),
        (87, None),
        (132, None),
    ]


def test_trong_do_opening_a_sentence_refers_to_the_sentence_before():
    found = figures("Toàn tỉnh có 300 tổ hòa giải. Trong đó, 120 tổ hòa giải mới thành lập.")
    assert [f["part_of"] for f in found] == [None, 0]


def test_gom_marks_parts_only_in_the_same_unit():
    found = figures("tổ chức 5 lớp gồm 300 học viên; có 300 tổ gồm 200 tổ hòa giải")
    assert [f["part_of"] for f in found] == [None, None, None, 2]


# --- What is not a figure ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Ngày 30/5, Công an tỉnh tổ chức hội nghị.",
        "chương trình phối hợp số 09/CTr-BCA-MTTW ngày 1/8/2013",
        "ngày 30/5/2023",
        "ngày 30.5.2023",
        "từ 15/12 đến 14/1",
        "tháng 5/2023",
        "giai đoạn 2013 – 2023",
        "giai đoạn 2013-2023",
        "tổng kết 10 năm (2013-2023)",
        "Qua 10 năm triển khai",
        "trong 6 tháng đầu năm 2024",
        "năm 2023",
        "theo Quyết định số 521 của UBND tỉnh",
        "Quyết định số 521/QĐ-UBND",
        "thực hiện Nghị quyết số 12-NQ/TW của Bộ Chính trị",
        "Thông tư 124/2021/TT-BCA quy định",
        "Kế hoạch 09 của Công an tỉnh",
        "Điều 5 của Luật",
        "Trung đoàn 915 tham gia",
        "Công an Phường 7 tham gia",
        "nhân rộng mô hình “5 giúp 1”",
        "mô hình 5 giúp 1 và 3 không",
        "xây dựng mô hình “3 không”",
        "Đại hội lần thứ 3",
        "đợt 2 năm 2023",
        "lúc 8 giờ 30",
        "đường dây nóng 113.",
        "phòng, chống dịch COVID-19",
    ],
)
def test_not_figures(sentence):
    assert figures(sentence) == []


# --- Indicators -------------------------------------------------------------------------------


def test_matching_ignores_case_and_where_the_tone_sits():
    assert fold("hoà") == fold("hòa") and fold("Uỷ") == fold("ủy")
    assert only("có 300 tổ hoà giải")["indicator"] == "mediation_teams"
    assert only("CÓ 300 TỔ HÒA GIẢI")["indicator"] == "mediation_teams"


def test_indicator_is_null_when_unsure():
    tie = {"a": ["tổ hòa giải"], "b": ["tổ hòa giải"]}
    assert only("có 300 tổ hòa giải", tie)["indicator"] is None
    unknown = only("tặng 300 suất quà cho hộ nghèo")
    assert (unknown["indicator"], unknown["unit"], unknown["quote"]) == (
        None,
        "suất",
        "300 suất quà",
    )


def test_longest_phrase_wins():
    lexicon_ = {"short": ["tổ"], "long": ["tổ hòa giải"]}
    assert only("có 300 tổ hòa giải", lexicon_)["indicator"] == "long"


def test_verb_before_the_number_is_matched_and_quoted():
    figure = only("tuyên truyền được 2.500 đợt")
    assert (figure["indicator"], figure["quote"]) == (
        "propaganda_rounds",
        "tuyên truyền được 2.500 đợt",
    )


def test_offsets_point_into_the_nfc_text_even_for_nfd_input():
    text = unicodedata.normalize("NFD", "Toàn tỉnh có 300 tổ hòa giải.")
    figure = only(text)
    assert unicodedata.normalize("NFC", text)[figure["start"] : figure["end"]] == figure["quote"]


# --- Period and administrative units ----------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "start", "end"),
    [
        ("Hội nghị tổng kết giai đoạn 2013 – 2023", "2013-01-01", "2023-12-31"),
        ("tổng kết 10 năm (2013-2023)", "2013-01-01", "2023-12-31"),
        ("từ năm 2013 đến năm 2023", "2013-01-01", "2023-12-31"),
        ("Báo cáo kết quả năm 2023", "2023-01-01", "2023-12-31"),
        ("6 tháng đầu năm 2024", "2024-01-01", "2024-06-30"),
        ("6 tháng cuối năm 2024", "2024-07-01", "2024-12-31"),
        ("9 tháng đầu năm 2024", "2024-01-01", "2024-09-30"),
        ("quý I năm 2024", "2024-01-01", "2024-03-31"),
        ("quý 3/2024", "2024-07-01", "2024-09-30"),
        ("tháng 2 năm 2024", "2024-02-01", "2024-02-29"),
        ("tháng 5/2024", "2024-05-01", "2024-05-31"),
        ("từ ngày 15/12/2023 đến ngày 14/6/2024", "2023-12-15", "2024-06-14"),
        ("ngày 1/8/2013, năm 2023 và giai đoạn 2013 – 2023", "2013-01-01", "2023-12-31"),
    ],
)
def test_period(sentence, start, end):
    period = find_period(sentence)
    assert period is not None
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)
    assert sentence[period.text_start : period.text_end] == period.text


def test_the_date_line_of_a_report_is_no_period():
    text = "Hà Giang, ngày 14 tháng 6 năm 2024\nBÁO CÁO kết quả 6 tháng đầu năm 2024"
    period = find_period(text)
    assert (period.text, period.start.isoformat()) == ("6 tháng đầu năm 2024", "2024-01-01")


@pytest.mark.parametrize(
    "sentence", ["không nêu kỳ", "ngày 30/5/2023", "Qua 10 năm", "ngày 14 tháng 6 năm 2024"]
)
def test_no_period(sentence):
    assert find_period(sentence) is None


def test_org_units():
    text = (
        "Công an tỉnh Hà Giang phối hợp UBND huyện Đồng Văn, xã Lũng Cú, thị trấn Mèo Vạc, "
        "Phường 7 và thành phố Hà Giang; TP. Hà Giang; các huyện, thành phố; xã hội; Huyện ủy."
    )
    assert find_org_units(text) == [
        "tỉnh Hà Giang",
        "huyện Đồng Văn",
        "xã Lũng Cú",
        "thị trấn Mèo Vạc",
        "phường 7",
        "thành phố Hà Giang",
    ]
    assert extract(text, LEXICON).org_units == find_org_units(text)


def test_org_units_listed_after_a_plural_and_in_capitals():
    text = "CÔNG AN TỈNH HÀ GIANG\nCác huyện Đồng Văn, Mèo Vạc và Yên Minh; các xã: Lũng Cú, Má Là."
    assert find_org_units(text) == [
        "tỉnh Hà Giang",
        "huyện Đồng Văn",
        "huyện Mèo Vạc",
        "huyện Yên Minh",
        "xã Lũng Cú",
        "xã Má Là",
    ]
    assert find_org_units("huyện Đồng Văn, Công an tỉnh") == ["huyện Đồng Văn"]
