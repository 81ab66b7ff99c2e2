"""The Vietnamese text: the seed's wording from the seed's figures, and text that follows data."""

from datetime import date
from decimal import Decimal

import pytest

from phongtrao.reports.narrative import (
    Fig,
    area_vi,
    change_vi,
    duration_vi,
    number_vi,
    review_narrative,
    review_title,
)

from .helpers import seed_review

# Each figure as the seed writes it (../shared/seed/000_361dfef9dc19900e.txt).
SEED_WORDING = [
    "2.500 đợt",
    "248.600 lượt",
    "86 loại mô hình",
    "28.229 địa chỉ",
    "17.429 nhóm liên gia tự quản",
    "2.530 tổ an ninh nhân dân",
    "2.537 tổ hòa giải",
    "2.182 tổ phòng cháy chữa cháy",
    "28.229 tổ chức tự quản",
    "6.626 người",
    "31 đợt",
    "6.505 người",
    "1.250 người",
    "hơn 23,7 ha",
    "25.643",
    "209 đối tượng",
    "122 đối tượng",
    "4 tập thể",
    "6 cá nhân",
    "2 tập thể",
    "3 cá nhân",
]
# Whole phrases of the seed that the text reproduces word for word.
SEED_SENTENCES = [
    "tuyên truyền 2.500 đợt với 248.600 lượt đoàn viên, hội viên, các tầng lớp nhân dân",
    "86 loại mô hình được xây dựng, hoạt động với 28.229 địa chỉ hoạt động, điển hình như: "
    "17.429 nhóm liên gia tự quản, 2.530 tổ an ninh nhân dân, 2.537 tổ hòa giải, 2.182 tổ phòng "
    "cháy chữa cháy với 28.229 tổ chức tự quản làm công tác ANTT",
    "giúp đỡ 6.626 người lầm lỗi tại gia đình và cộng đồng dân cư",
    "31 đợt cai nghiện ma túy tại cộng đồng, cho 6.505 người nghiện ma túy, có 1.250 người từ "
    "bỏ ma túy",
    "triệt phá hơn 23,7 ha cây thuốc phiện",
    "giao nộp 25.643 vũ khí, vật liệu nổ các loại",
    "209 đối tượng ra đầu thú, trong đó, có 122 đối tượng đang có lệnh truy nã",
    "UBND tỉnh tặng bằng khen cho 4 tập thể, 6 cá nhân; Giám đốc Công an tỉnh tặng giấy khen "
    "2 tập thể, 3 cá nhân.",
]


@pytest.mark.parametrize("wording", SEED_WORDING)
def test_the_text_states_each_seed_figure_as_the_seed_writes_it(wording):
    assert wording in review_narrative(seed_review()).text


@pytest.mark.parametrize("sentence", SEED_SENTENCES)
def test_the_text_reproduces_the_seeds_sentences(sentence):
    assert sentence in review_narrative(seed_review()).text


def test_sections_come_in_the_order_reviews_are_written():
    keys = [s.key for s in review_narrative(seed_review()).sections]
    assert keys == [
        "propaganda",
        "models",
        "persons",
        "rehab",
        "poppy",
        "weapons",
        "surrenders",
        "awards",
    ]


def test_the_title_counts_the_years_of_the_range():
    title = review_title(seed_review())
    assert title.startswith("Tổng kết 10 năm phối hợp thực hiện phong trào Toàn dân bảo vệ")
    assert "tỉnh Hà Giang" in title and "30/05/2023" in title


def test_no_poppy_sentence_without_poppy_data():
    text = review_narrative(seed_review(poppy_destroyed_ha=None)).text
    assert "thuốc phiện" not in text
    assert "poppy" not in [
        s.key for s in review_narrative(seed_review(poppy_destroyed_ha=None)).sections
    ]


def test_a_zero_figure_writes_no_sentence():
    assert "thuốc phiện" not in review_narrative(seed_review(poppy_destroyed_ha="0")).text


def test_no_sections_at_all_without_data():
    from .helpers import make_review

    narrative = review_narrative(make_review({}))
    assert narrative.sections == []
    assert "chưa có số liệu" in narrative.text


@pytest.mark.parametrize(
    ("area", "text"),
    [
        ("23.72", "hơn 23,7"),
        ("23.7", "23,7"),
        ("23.7000", "23,7"),
        ("23.68", "gần 23,7"),
        ("23.75", "gần 23,8"),  # rounds half up, so the exact area lies below
        ("0.05", "gần 0,1"),
        ("5", "5,0"),
    ],
)
def test_area_says_more_than_only_when_the_exact_area_is_above_the_rounded_one(area, text):
    assert area_vi(Decimal(area)) == text


def test_poppy_sentence_without_more_than_when_exact():
    text = review_narrative(seed_review(poppy_destroyed_ha="23.7")).text
    assert "triệt phá 23,7 ha cây thuốc phiện" in text
    assert "hơn 23,7" not in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2500", "2.500"),
        ("248600", "248.600"),
        ("7", "7"),
        ("1795.5", "1.795,5"),
        ("0.125", "0,13"),
    ],
)
def test_numbers_are_written_the_vietnamese_way(value, text):
    assert number_vi(Decimal(value)) == text


def test_rehab_without_rounds_still_counts_people():
    text = review_narrative(seed_review(rehab_rounds=None)).text
    assert (
        "Có 6.505 người nghiện ma túy tham gia cai nghiện tại cộng đồng, trong đó có 1.250" in text
    )


def test_surrenders_without_wanted_people_say_only_the_total():
    text = review_narrative(seed_review(surrendered_wanted=None)).text
    assert "Vận động 209 đối tượng ra đầu thú." in text
    assert "truy nã" not in text


def test_propaganda_without_attendance_keeps_the_rounds():
    text = review_narrative(seed_review(propaganda_participants=None)).text
    assert "tuyên truyền 2.500 đợt cho đoàn viên" in text
    assert "lượt" not in text


def test_models_without_the_type_count():
    text = review_narrative(seed_review(model_types=None)).text
    assert "nhân rộng các mô hình tự quản với 28.229 địa chỉ hoạt động, điển hình như:" in text


def test_commendations_of_one_authority_only():
    review = seed_review()
    for code in ("awards_collectives", "awards_individuals"):
        figure = review.figures[code]
        figure.breakdown = [b for b in figure.breakdown if b.key == "giay_khen_giam_doc_ca_tinh"]
    text = review_narrative(review).text
    assert "Giám đốc Công an tỉnh tặng giấy khen 2 tập thể, 3 cá nhân." in text
    assert "UBND tỉnh" not in text


def test_commendations_entered_without_the_split_are_still_counted():
    review = seed_review()
    review.figures["awards_collectives"].breakdown = []
    review.figures["awards_individuals"].breakdown = []
    assert "khen thưởng cho 6 tập thể, 9 cá nhân." in review_narrative(review).text


def test_weapons_are_listed_by_kind_when_split():
    review = seed_review()
    from phongtrao.reports.builders import BreakdownItem

    review.figures["weapons_explosives_collected"].breakdown = [
        BreakdownItem("sung", "Súng (khẩu)", Decimal(120)),
        BreakdownItem("vat_lieu_no", "Vật liệu nổ (kg)", Decimal("15.5")),
    ]
    text = review_narrative(review).text
    assert "25.643 vũ khí, vật liệu nổ các loại (gồm 120 khẩu súng, 15,5 kg vật liệu nổ)." in text


def test_comparison_with_the_previous_period_of_the_same_length():
    from .helpers import SEED_BREAKDOWNS, SEED_VALUES, make_review

    previous = {"propaganda_rounds": 2000, "surrendered_subjects": 220, "model_addresses": 28229}
    review = make_review(SEED_VALUES, breakdowns=SEED_BREAKDOWNS, previous=previous)
    narrative = review_narrative(review)
    assert narrative.comparison is not None
    text = narrative.comparison.paragraphs[0].text
    assert text.startswith("So với giai đoạn trước có cùng độ dài (từ ngày ")
    assert "số đợt tuyên truyền tăng 25,0% (từ 2.000 lên 2.500 đợt)" in text
    assert "số đối tượng ra đầu thú giảm 5,0% (từ 220 xuống 209 đối tượng)" in text
    assert "số địa chỉ mô hình tự quản hoạt động không thay đổi (28.229 địa chỉ)" in text
    # Figures without data in the period before are not compared.
    assert "lượt người" not in text


def test_no_comparison_without_data_before():
    assert review_narrative(seed_review()).comparison is None


@pytest.mark.parametrize(
    ("now", "before", "text"),
    [
        (125, 100, "tăng 25,0%"),
        (75, 100, "giảm 25,0%"),
        (100, 100, "không thay đổi"),
        (1, 3, "giảm 66,7%"),
    ],
)
def test_change_is_a_percentage_of_the_previous_value(now, before, text):
    assert change_vi(Decimal(now), Decimal(before)) == text


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (date(2013, 8, 1), date(2023, 5, 30), "10 năm"),
        (date(2022, 1, 1), date(2022, 12, 31), "1 năm"),
        (date(2022, 1, 1), date(2022, 6, 30), "6 tháng"),
        (date(2022, 1, 1), date(2022, 1, 20), "20 ngày"),
    ],
)
def test_duration_in_words(start, end, text):
    assert duration_vi(start, end) == text


def test_figures_in_the_text_know_what_they_count():
    narrative = review_narrative(seed_review())
    figs = [p for para in narrative.paragraphs for p in para.parts if isinstance(p, Fig)]
    assert Fig("poppy_destroyed_ha", "hơn 23,7") in figs
    assert Fig("awards_collectives", "4", "bang_khen_chu_tich_ubnd_tinh") in figs
    assert {f.code for f in figs} == set(seed_review().figures)


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        # The seed: 9 years, 9 months and 30 days; from five years on, the nearest year.
        (date(2013, 8, 1), date(2023, 5, 30), "10 năm"),
        (date(2018, 1, 1), date(2023, 6, 30), "6 năm"),  # 5 years 6 months rounds up
        (date(2018, 1, 1), date(2023, 5, 31), "5 năm"),  # 5 years 5 months rounds down
        (date(2020, 1, 1), date(2022, 12, 31), "3 năm"),  # whole years at any length
        (date(2021, 1, 1), date(2022, 6, 30), "18 tháng"),  # shorter: months
        (date(2022, 1, 1), date(2022, 11, 20), "11 tháng"),  # 10 months 20 days
        (date(2022, 1, 1), date(2022, 12, 20), "1 năm"),  # 11 months 20 days: 12 months
        (date(2022, 1, 1), date(2022, 2, 14), "1 tháng"),  # 1 month 14 days
        (date(2022, 1, 1), date(2022, 1, 31), "1 tháng"),
        (date(2022, 1, 31), date(2022, 2, 27), "28 ngày"),
        (date(2023, 8, 1), date(2023, 8, 1), "1 ngày"),
    ],
)
def test_duration_rule(start, end, text):
    assert duration_vi(start, end) == text


def test_weapons_report_their_parts_by_unit_and_add_up_only_within_one():
    review = seed_review()
    from phongtrao.reports.builders import BreakdownItem
    from phongtrao.reports.narrative import unit_totals_vi

    figure = review.figures["weapons_explosives_collected"]
    figure.breakdown = [
        BreakdownItem("sung", "Súng (khẩu)", Decimal(120), "khẩu"),
        BreakdownItem("luu_dan", "Lựu đạn (quả)", Decimal(30), "quả"),
        BreakdownItem("min", "Mìn (quả)", Decimal(12), "quả"),
        BreakdownItem("vat_lieu_no", "Vật liệu nổ (kg)", Decimal("15.5"), "kg"),
    ]
    assert figure.unit_totals == [
        ("khẩu", Decimal(120)),
        ("quả", Decimal(42)),
        ("kg", Decimal("15.5")),
    ]
    assert unit_totals_vi(figure) == "Cộng theo đơn vị tính: 120 khẩu; 42 quả; 15,5 kg"
    text = review_narrative(review).text
    assert "(gồm 120 khẩu súng, 30 quả lựu đạn, 12 quả mìn, 15,5 kg vật liệu nổ)" in text
