import codecs
import unicodedata

import pytest

from phongtrao.ingest.legacy import (
    CP1252,
    TCVN3,
    TCVN3_TABLE,
    UTF8,
    UTF16,
    VNI,
    VNI_TABLE,
    decode_bytes,
    decode_tcvn3,
    decode_vni,
    detect_encoding,
    encode_tcvn3,
    encode_vni,
    legacy_guess,
)

# Sentences whose capitals with a tone start a sentence: TCVN3 has no code for those capitals,
# and only a sentence start (or an all-capitals line) lets the decoder restore them.
SENTENCES = [
    "Công an huyện Đồng Văn, tỉnh Hà Giang vận động nhân dân triệt phá cây thuốc phiện.",
    "Đồng chí Chủ tịch ủy ban nhân dân xã thăm hỏi người lầm lỗi tại gia đình.",
    "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Hà Giang tặng bằng khen cho 4 tập thể, 6 cá nhân.",
    "Người dân Mèo Vạc, Yên Minh, Quản Bạ tự nguyện giao nộp 25.643 vũ khí, vật liệu nổ.",
    "Ở xã Lũng Cú: “Ngày hội Toàn dân bảo vệ an ninh Tổ quốc” – năm 2023.",
    "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG\nỦy ban nhân dân huyện Đồng Văn",
    "Hà Giang\nĐồng Văn\ncây thuốc phiện\nngười lầm lỗi",
]

LOWER = "".join(VNI_TABLE)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tcvn3_round_trip_gives_back_the_sentence(sentence):
    data = encode_tcvn3(sentence)
    assert detect_encoding(data) == TCVN3
    assert decode_bytes(data) == sentence


@pytest.mark.parametrize("sentence", SENTENCES)
def test_vni_round_trip_gives_back_the_sentence(sentence):
    data = encode_vni(sentence)
    assert detect_encoding(data) == VNI
    assert decode_bytes(data) == sentence


@pytest.mark.parametrize("word", ["Hà Giang", "Đồng Văn", "cây thuốc phiện", "người lầm lỗi"])
def test_short_names_round_trip_in_both_encodings(word):
    assert decode_bytes(encode_tcvn3(word)) == word
    assert decode_bytes(encode_vni(word)) == word


def test_uy_ban_inside_a_sentence_keeps_its_lower_case():
    sentence = "các thành viên ủy ban"
    assert decode_tcvn3(encode_tcvn3(sentence).decode(CP1252)) == sentence
    assert decode_vni(encode_vni(sentence).decode(CP1252)) == sentence


def test_every_vietnamese_letter_survives_both_encodings():
    upper = LOWER.upper()
    assert len(set(LOWER)) == 67
    assert decode_vni(encode_vni(LOWER + " " + upper).decode(CP1252)) == LOWER + " " + upper
    # TCVN3 keeps the case of the capitals it has codes for.
    assert decode_tcvn3(encode_tcvn3("x" + LOWER + " ĂÂÊÔƠƯĐ").decode(CP1252)) == (
        "x" + LOWER + " ĂÂÊÔƠƯĐ"
    )
    assert len(TCVN3_TABLE) == 60 + 7 + 7


@pytest.mark.parametrize(
    ("legacy", "decode", "expected"),
    [
        ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", decode_tcvn3, "Cộng hoà xã hội chủ nghĩa Việt Nam"),
        ("§éc lËp - Tù do - H¹nh phóc", decode_tcvn3, "Độc lập - Tự do - Hạnh phúc"),
        ("C«ng an tØnh Hµ Giang", decode_tcvn3, "Công an tỉnh Hà Giang"),
        (
            "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam",
            decode_vni,
            "Cộng hòa xã hội chủ nghĩa Việt Nam",
        ),
        ("Ñoäc laäp - Töï do - Haïnh phuùc", decode_vni, "Độc lập - Tự do - Hạnh phúc"),
        ("Coâng an tænh Haø Giang", decode_vni, "Công an tỉnh Hà Giang"),
        ("ngöôøi laàm loãi", decode_vni, "người lầm lỗi"),
    ],
)
def test_known_legacy_spellings_decode(legacy, decode, expected):
    assert decode(legacy) == expected


def test_tcvn3_capitals_font_gives_capitals():
    assert decode_tcvn3("ñy ban nh©n d©n", capitals=True) == "ỦY BAN NHÂN DÂN"


def test_utf8_in_nfc_or_nfd_reads_as_nfc():
    sentence = SENTENCES[0]
    decomposed = unicodedata.normalize("NFD", sentence).encode("utf-8")
    assert detect_encoding(sentence.encode("utf-8")) == UTF8
    assert detect_encoding(decomposed) == UTF8
    assert decode_bytes(decomposed) == sentence
    assert decode_bytes(codecs.BOM_UTF8 + sentence.encode("utf-8")) == sentence


def test_utf16_with_byte_order_mark():
    data = codecs.BOM_UTF16_LE + SENTENCES[1].encode("utf-16-le")
    assert detect_encoding(data) == UTF16
    assert decode_bytes(data) == SENTENCES[1]


def test_legacy_text_resaved_as_utf8_is_recognised():
    mojibake = encode_vni(SENTENCES[0]).decode(CP1252).encode("utf-8")
    assert detect_encoding(mojibake) == VNI
    assert decode_bytes(mojibake) == SENTENCES[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain ASCII report 2023", None),
        ("Hà Giang", None),  # Unicode that happens to fit in Latin-1
        ("Toàn dân", None),  # "oà" looks like VNI, but one pair is not enough
        ("Công an tỉnh", None),
        ("C«ng an tØnh Hµ Giang ®· phèi hîp víi nh©n d©n", TCVN3),
        ("Coâng an tænh Haø Giang phoái hôïp vôùi UÛy ban", VNI),
        ("Coâng an tænh", None),  # one signature: could be Unicode
    ],
)
def test_legacy_guess(text, expected):
    assert legacy_guess(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("C«ng an tØnh Hµ Giang", TCVN3), ("Coâng an tænh", VNI)]
)
def test_legacy_guess_on_bytes_known_not_utf8_needs_one_signature(text, expected):
    assert legacy_guess(text, weak=True) == expected


def test_a_few_tcvn3_words_without_signature_need_bytes_known_not_utf8():
    assert legacy_guess("C«ng an tØnh") is None
    assert legacy_guess("C«ng an tØnh", weak=True) == TCVN3
    assert decode_bytes("C«ng an tØnh".encode(CP1252)) == "Công an tỉnh"


def test_short_unicode_in_latin1_letters_stays_utf8():
    assert decode_bytes("Toàn dân".encode()) == "Toàn dân"


def test_ascii_bytes_are_utf8_and_unchanged():
    assert detect_encoding(b"30/5/2023") == UTF8
    assert decode_bytes(b"30/5/2023") == "30/5/2023"
