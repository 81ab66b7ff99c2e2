"""The one list of the movement's indicators: what each counts, from where, and how it is written.

Plain data, read by the catalog (`catalog.services.catalog_load_shipped` ships these elements and
their extraction phrases), by analytics (`analytics.sources` computes the codes whose `registry`
names one of its sources; the dashboard shows them), by the review (`reports.builders` keeps
their order, charts the `main` ones and labels their breakdowns; `reports.narrative` writes them
with `compared_vi`, `typical_vi` and the parts' words) and so by the extraction lexicon.
`../shared/indicators.csv` is the agreed definition; a test holds this module to it.

Three definitions are rules of this module, not accidents of the seed (docs/INDICATORS.md):

- `self_management_organizations` is `same_as="model_addresses"`: every active self-management
  model address is one self-management organisation doing security and order work, so the two
  figures are equal by definition. No record tells them apart, so nothing is counted twice.
- A figure whose parts have different counting units (weapons: khẩu, viên, kg, quả, chiếc) is
  reported part by part with each part's unit; parts are added up only within one unit
  (`unit_totals`). Its overall value keeps the seed's convention, "items handed in": each
  recorded unit (a gun, a round, a kilogram, a grenade, a tool) counts as one item, and it is
  written without a unit ("25.643 vũ khí, vật liệu nổ các loại").
- How long a reviewed range is called ("10 năm" for 01/8/2013-30/5/2023) is
  `reports.narrative.duration_vi`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache


@dataclass(frozen=True)
class Part:
    """One option of a figure's split, with its counting unit and its words in a sentence."""

    key: str
    name_vi: str
    unit_vi: str = ""
    noun_vi: str = ""  # "súng": "120 khẩu súng"


@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    short_name_vi: str
    unit_vi: str
    value_type: str  # catalog ValueType
    time_aggregation: str  # catalog TimeAggregation
    orgunit_aggregation: str  # catalog OrgUnitAggregation
    kind: str  # what the records are about: the `source` column of indicators.csv
    notes: str
    # The analytics.sources Source that computes it from the records; None: entered values only.
    registry: str | None
    # Equal to another indicator by definition: computed exactly as that one.
    same_as: str | None = None
    main: bool = False  # charted by year and tabulated by child unit in the review
    category_combo: str = "default"  # the catalog split of entered values
    # Where the labels of the breakdown keys come from: "group_type" (the model types table),
    # "reason", "outcome", "handover_kind" (the registries' choices), "" (the catalog split).
    breakdown: str = ""
    group_type: str | None = None  # counts only active models of this type
    typical_vi: str = ""  # named among the typical models: "17.429 nhóm liên gia tự quản"
    compared_vi: str = ""  # named in the comparison with the period before
    parts: tuple[Part, ...] = ()
    phrases: tuple[str, ...] = ()  # how reports write it, for reading figures out of them

    @property
    def mixed_units(self) -> bool:
        """Return True when the parts are counted in different units (no meaningful total)."""
        return len({p.unit_vi for p in self.parts}) > 1

    @property
    def compared_unit_vi(self) -> str:
        """Return the unit written after the figure in a comparison; none for mixed units."""
        return "" if self.mixed_units else self.unit_vi


# Weapons, explosives and support tools handed in, by kind: the keys are the registries'
# HandoverKind and the catalog's weapon_kind split.
WEAPON_PARTS = (
    Part("sung", "Súng", "khẩu", "súng"),
    Part("dan", "Đạn", "viên", "đạn"),
    Part("luu_dan", "Lựu đạn", "quả", "lựu đạn"),
    Part("min", "Mìn", "quả", "mìn"),
    Part("vat_lieu_no", "Vật liệu nổ", "kg", "vật liệu nổ"),
    Part("cong_cu_ho_tro", "Công cụ hỗ trợ", "chiếc", "công cụ hỗ trợ"),
)

# Names of the catalog splits made of an indicator's parts.
SPLIT_NAMES = {"weapon_kind": "Theo loại vũ khí, vật liệu nổ, công cụ hỗ trợ"}

# Who gives which commendation, in the seed's words ("UBND tỉnh tặng bằng khen cho ..."), by
# option of the catalog's award_form_authority split.
AWARD_PHRASES = {
    "bang_khen_chu_tich_ubnd_tinh": "UBND tỉnh tặng bằng khen cho ",
    "giay_khen_giam_doc_ca_tinh": "Giám đốc Công an tỉnh tặng giấy khen ",
    "bang_khen_bo_truong_bca": "Bộ trưởng Bộ Công an tặng bằng khen cho ",
    "bang_khen_ubtw_mttq": "Ủy ban Trung ương MTTQ Việt Nam tặng bằng khen cho ",
    "bang_khen_ubmttq_tinh": "Ủy ban MTTQ Việt Nam tỉnh tặng bằng khen cho ",
    "giay_khen_chu_tich_ubnd_huyen": "Chủ tịch UBND huyện tặng giấy khen ",
    "khac": "các hình thức khen thưởng khác cho ",
}

# In the order of ../shared/indicators.csv, which is the order of the review.
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        code="propaganda_rounds",
        name_vi="Số đợt tuyên truyền",
        short_name_vi="Đợt tuyên truyền",
        unit_vi="đợt",
        value_type="integer",
        time_aggregation="sum",
        orgunit_aggregation="sum",
        kind="activities",
        notes="each propaganda activity record is one round",
        registry="propaganda",
        main=True,
        compared_vi="số đợt tuyên truyền",
        phrases=(
            "đợt tuyên truyền",
            "tuyên truyền # đợt",
            "tổ chức # đợt tuyên truyền",
            "đợt ra quân tuyên truyền",
            "cuộc tuyên truyền",
        ),
    ),
    Indicator(
        code="propaganda_participants",
        name_vi="Số lượt người được tuyên truyền",
        short_name_vi="Lượt người được tuyên truyền",
        unit_vi="lượt",
        value_type="integer",
        time_aggregation="sum",
        orgunit_aggregation="sum",
        kind="activities",
        notes="attendances (lượt) not distinct people",
        registry="propaganda",
        main=True,
        compared_vi="số lượt người được tuyên truyền",
        phrases=(
            "lượt đoàn viên",
            "lượt đoàn viên, hội viên",
            "lượt hội viên",
            "lượt người",
            "lượt người dân",
            "lượt người nghe",
            "lượt người tham dự",
            "lượt người được tuyên truyền",
            "lượt quần chúng",
            "lượt quần chúng nhân dân",
            "lượt nhân dân",
            "lượt cán bộ, đảng viên",
            "tuyên truyền # lượt",
            "tuyên truyền cho # lượt",
        ),
    ),
    Indicator(
        code="model_types",
        name_vi="Số loại mô hình tự quản",
        short_name_vi="Loại mô hình tự quản",
        unit_vi="loại",
        value_type="integer",
        time_aggregation="last",
        orgunit_aggregation="distinct",
        kind="models",
        notes="distinct model types active at period end: NOT summable over org units",
        registry="groups",
        breakdown="group_type",
        phrases=(
            "loại mô hình",
            "loại mô hình tự quản",
            "loại hình mô hình",
        ),
    ),
    Indicator(
        code="model_addresses",
        name_vi="Số địa chỉ (mô hình) đang hoạt động",
        short_name_vi="Địa chỉ mô hình hoạt động",
        unit_vi="địa chỉ",
        value_type="integer",
        time_aggregation="last",
        orgunit_aggregation="sum",
        kind="models",
        notes="active self-management models at period end",
        registry="groups",
        main=True,
        breakdown="group_type",
        compared_vi="số địa chỉ mô hình tự quản hoạt động",
        phrases=(
            "địa chỉ",
            "địa chỉ hoạt động",
            "địa chỉ đang hoạt động",
            "địa chỉ mô hình",
            "mô hình đang hoạt động",
            "mô hình tự quản đang hoạt động",
            "duy trì # mô hình",
            "duy trì hoạt động # mô hình",
        ),
    ),
    Indicator(
        code="self_managed_household_groups",
        name_vi="Nhóm liên gia tự quản",
        short_name_vi="Nhóm liên gia tự quản",
        unit_vi="nhóm",
        value_type="integer",
        time_aggregation="last",
        orgunit_aggregation="sum",
        kind="models",
        notes="model type lien_gia_tu_quan",
        registry="groups",
        breakdown="group_type",
        group_type="lien_gia_tu_quan",
        typical_vi="nhóm liên gia tự quản",
        phrases=(
            "nhóm liên gia tự quản",
            "nhóm liên gia",
            "nhóm hộ liên gia",
            "tổ liên gia tự quản",
            "tổ liên gia",
            "nhóm hộ gia đình tự quản",
        ),
    ),
    Indicator(
        code="people_security_teams",
        name_vi="Tổ an ninh nhân dân",
        short_name_vi="Tổ an ninh nhân dân",
        unit_vi="tổ",
        value_type="integer",
        time_aggregation="last",
        orgunit_aggregation="sum",
        kind="models",
        notes="model type to_an_ninh_nhan_dan",
        registry="groups",
        breakdown="group_type",
        group_type="to_an_ninh_nhan_dan",
        typical_vi="tổ an ninh nhân dân",
        phrases=(
            "tổ an ninh nhân dân",
            "tổ ANND",
            "tổ an ninh nhân dân tự quản",
        ),
    ),
    Indicator(
        code="mediation_teams",
        name_vi="Tổ hòa giải",
        short_name_vi="Tổ hòa giải",
        unit_vi="tổ",
        value_type="integer",
        time_aggregation="last",
        orgunit_aggregation="sum",
        kind="models",
        notes="model type to_hoa_giai",
        registry="groups",
        breakdown="group_type",
        group_type="to_hoa_giai",
        typical_vi="tổ hòa giải",
        phrases=(
            "tổ hòa giải",
            "tổ hòa giải cơ sở",
            "tổ hòa giải ở cơ sở",
        ),
    ),
    Indicator(
        code="fire_prevention_teams",
        name_vi="Tổ phòng cháy chữa cháy",
        short_name_vi="Tổ phòng cháy chữa cháy",
        unit_vi="tổ",
        value_type="integer",
        time_aggregation="last",
        orgunit_aggregation="sum",
        kind="models",
        notes="model type to_pccc",
        registry="groups",
        breakdown="group_type",
        group_type="to_pccc",
        typical_vi="tổ phòng cháy chữa cháy",
        phrases=(
            "tổ phòng cháy chữa cháy",
            "tổ phòng cháy, chữa cháy",
            "tổ PCCC",
            "tổ PCCC tự quản",
            "tổ phòng cháy chữa cháy tự quản",
            "tổ liên gia an toàn PCCC",
            "tổ liên gia an toàn phòng cháy, chữa cháy",
        ),
    ),
    Indicator(
        code="self_management_organizations",
        name_vi="Tổ chức tự quản làm công tác ANTT",
        short_name_vi="Tổ chức tự quản ANTT",
        unit_vi="tổ chức",
        value_type="integer",
        time_aggregation="last",
        orgunit_aggregation="sum",
        kind="models",
        notes="the seed states the same figure as model_addresses",
        registry="groups",
        same_as="model_addresses",
        breakdown="group_type",
        phrases=(
            "tổ chức tự quản",
            "tổ chức tự quản làm công tác ANTT",
            "tổ chức tự quản làm công tác an ninh, trật tự",
            "tổ chức quần chúng tự quản",
        ),
    ),
    Indicator(
        code="persons_managed_educated",
        name_vi="Người lầm lỗi được quản lý giáo dục giúp đỡ tại gia đình và cộng đồng",
        short_name_vi="Người lầm lỗi được giáo dục",
        unit_vi="người",
        value_type="integer",
        time_aggregation="distinct",
        orgunit_aggregation="distinct",
        kind="persons",
        notes="distinct persons with a management episode overlapping the period",
        registry="episodes",
        main=True,
        breakdown="reason",
        compared_vi="số người lầm lỗi được quản lý, giáo dục, giúp đỡ",
        phrases=(
            "người lầm lỗi",
            "người lầm lỗi tại gia đình",
            "người lầm lỗi tại gia đình và cộng đồng",
            "người lầm lỗi tại gia đình và cộng đồng dân cư",
            "người vi phạm pháp luật được quản lý, giáo dục",
            "đối tượng được quản lý, giáo dục tại gia đình và cộng đồng",
        ),
    ),
    Indicator(
        code="rehab_rounds",
        name_vi="Số đợt cai nghiện ma túy tại cộng đồng",
        short_name_vi="Đợt cai nghiện cộng đồng",
        unit_vi="đợt",
        value_type="integer",
        time_aggregation="sum",
        orgunit_aggregation="sum",
        kind="rehab",
        notes="",
        registry="rehab_rounds",
        main=True,
        compared_vi="số đợt cai nghiện ma túy tại cộng đồng",
        phrases=(
            "đợt cai nghiện",
            "đợt cai nghiện ma túy",
            "đợt cai nghiện tại cộng đồng",
            "đợt cai nghiện ma túy tại cộng đồng",
            "đợt cai nghiện ma túy tại gia đình và cộng đồng",
        ),
    ),
    Indicator(
        code="rehab_participants",
        name_vi="Số người nghiện tham gia cai nghiện tại cộng đồng",
        short_name_vi="Người cai nghiện cộng đồng",
        unit_vi="người",
        value_type="integer",
        time_aggregation="distinct",
        orgunit_aggregation="distinct",
        kind="rehab",
        notes="distinct persons enrolled in a round in the period",
        registry="enrolments",
        main=True,
        breakdown="outcome",
        compared_vi="số người tham gia cai nghiện",
        phrases=(
            "người nghiện ma túy",
            "người nghiện",
            "người cai nghiện",
            "người cai nghiện ma túy",
            "người nghiện tham gia cai nghiện",
            "người nghiện ma túy tham gia cai nghiện",
            "người tham gia cai nghiện",
            "học viên cai nghiện",
        ),
    ),
    Indicator(
        code="rehab_quit",
        name_vi="Số người từ bỏ được ma túy",
        short_name_vi="Người từ bỏ ma túy",
        unit_vi="người",
        value_type="integer",
        time_aggregation="distinct",
        orgunit_aggregation="distinct",
        kind="rehab",
        notes="must be <= rehab_participants",
        registry="enrolments",
        breakdown="outcome",
        phrases=(
            "người từ bỏ ma túy",
            "người từ bỏ được ma túy",
            "người bỏ được ma túy",
            "người cai nghiện thành công",
            "người đã cai nghiện thành công",
        ),
    ),
    Indicator(
        code="poppy_destroyed_ha",
        name_vi="Diện tích cây thuốc phiện bị triệt phá",
        short_name_vi="Diện tích thuốc phiện triệt phá",
        unit_vi="ha",
        value_type="decimal",
        time_aggregation="sum",
        orgunit_aggregation="sum",
        kind="eradication",
        notes="one decimal place",
        registry="poppy",
        main=True,
        compared_vi="diện tích cây thuốc phiện bị triệt phá",
        phrases=(
            "ha cây thuốc phiện",
            "ha thuốc phiện",
            "ha cây anh túc",
            "ha diện tích cây thuốc phiện",
            "ha diện tích trồng cây thuốc phiện",
            "héc ta cây thuốc phiện",
        ),
    ),
    Indicator(
        code="weapons_explosives_collected",
        name_vi="Vũ khí vật liệu nổ công cụ hỗ trợ thu hồi",
        short_name_vi="Vũ khí, VLN, CCHT thu hồi",
        unit_vi="khẩu/quả/kg/chiếc",
        value_type="integer",
        time_aggregation="sum",
        orgunit_aggregation="sum",
        kind="handovers",
        notes="disaggregated by category; the total counts items",
        registry="handovers",
        main=True,
        category_combo="weapon_kind",
        breakdown="handover_kind",
        compared_vi="số vũ khí, vật liệu nổ thu hồi",
        parts=WEAPON_PARTS,
        phrases=(
            "vũ khí, vật liệu nổ",
            "vũ khí, vật liệu nổ, công cụ hỗ trợ",
            "vũ khí, vật liệu nổ và công cụ hỗ trợ",
            "vũ khí vật liệu nổ",
            "vũ khí",
            "vũ khí các loại",
        ),
    ),
    Indicator(
        code="surrendered_subjects",
        name_vi="Đối tượng ra đầu thú",
        short_name_vi="Đối tượng ra đầu thú",
        unit_vi="đối tượng",
        value_type="integer",
        time_aggregation="sum",
        orgunit_aggregation="sum",
        kind="surrenders",
        notes="",
        registry="surrenders",
        main=True,
        compared_vi="số đối tượng ra đầu thú",
        phrases=(
            "đối tượng ra đầu thú",
            "đối tượng đầu thú",
            "người ra đầu thú",
            "đối tượng phạm tội ra đầu thú",
        ),
    ),
    Indicator(
        code="surrendered_wanted",
        name_vi="Đối tượng truy nã ra đầu thú",
        short_name_vi="Đối tượng truy nã ra đầu thú",
        unit_vi="đối tượng",
        value_type="integer",
        time_aggregation="sum",
        orgunit_aggregation="sum",
        kind="surrenders",
        notes="must be <= surrendered_subjects",
        registry="surrenders",
        phrases=(
            "đối tượng đang có lệnh truy nã",
            "đối tượng truy nã ra đầu thú",
            "đối tượng truy nã đầu thú",
            "đối tượng đang bị truy nã ra đầu thú",
            "vận động # đối tượng truy nã",
            "vận động # đối tượng đang có lệnh truy nã",
        ),
    ),
    Indicator(
        code="awards_collectives",
        name_vi="Tập thể được khen thưởng",
        short_name_vi="Tập thể được khen thưởng",
        unit_vi="tập thể",
        value_type="integer",
        time_aggregation="sum",
        orgunit_aggregation="sum",
        kind="awards",
        notes="disaggregated by form (bằng khen/giấy khen) and issuing authority",
        registry="awards",
        main=True,
        category_combo="award_form_authority",
        phrases=(
            "tập thể",
            "tập thể có thành tích",
            "khen thưởng # tập thể",
            "bằng khen # tập thể",
            "giấy khen # tập thể",
            "tặng bằng khen # tập thể",
            "tặng giấy khen # tập thể",
        ),
    ),
    Indicator(
        code="awards_individuals",
        name_vi="Cá nhân được khen thưởng",
        short_name_vi="Cá nhân được khen thưởng",
        unit_vi="cá nhân",
        value_type="integer",
        time_aggregation="sum",
        orgunit_aggregation="sum",
        kind="awards",
        notes="disaggregated by form and issuing authority",
        registry="awards",
        main=True,
        category_combo="award_form_authority",
        phrases=(
            "cá nhân",
            "cá nhân có thành tích",
            "khen thưởng # cá nhân",
            "bằng khen # cá nhân",
            "giấy khen # cá nhân",
            "tặng bằng khen # cá nhân",
            "tặng giấy khen # cá nhân",
        ),
    ),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


def indicator_get(code: str) -> Indicator | None:
    """Return the indicator of a code, or None for an element the registry does not list."""
    return BY_CODE.get(code)


def indicator_codes() -> tuple[str, ...]:
    """Return every indicator's code, in the review's order."""
    return tuple(i.code for i in INDICATORS)


def main_codes() -> tuple[str, ...]:
    """Return the codes charted by year and tabulated by child unit, in the review's order."""
    return tuple(i.code for i in INDICATORS if i.main)


def registry_codes() -> tuple[str, ...]:
    """Return the codes computed from the records, in the review's order."""
    return tuple(i.code for i in INDICATORS if i.registry is not None)


def identities() -> dict[str, str]:
    """Return {code: code it equals by definition}."""
    return {i.code: i.same_as for i in INDICATORS if i.same_as}


@cache
def part_units(code: str) -> dict[str, str]:
    """Return {breakdown key: counting unit} of an indicator's parts."""
    indicator = BY_CODE.get(code)
    return {} if indicator is None else {p.key: p.unit_vi for p in indicator.parts}


def unit_totals(code: str, parts: Iterable[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """Return the parts added up within each counting unit, in the order units first appear.

    Keys without a known unit are left out: they cannot be added to anything.
    """
    units = part_units(code)
    totals: dict[str, Decimal] = {}
    for key, value in parts:
        unit = units.get(key)
        if unit:
            totals[unit] = totals.get(unit, Decimal(0)) + value
    return list(totals.items())


def catalog_elements() -> list[dict[str, object]]:
    """Return the indicators as elements of a catalog document (`catalog.services`)."""
    return [
        {
            "code": i.code,
            "name": i.name_vi,
            "short_name": i.short_name_vi,
            "unit": i.unit_vi,
            "value_type": i.value_type,
            "time_aggregation": i.time_aggregation,
            "orgunit_aggregation": i.orgunit_aggregation,
            "category_combo": i.category_combo,
            "source": i.kind,
            "description": i.notes,
            "phrases": list(i.phrases),
        }
        for i in INDICATORS
    ]


def catalog_combos() -> list[dict[str, object]]:
    """Return the catalog splits whose options are an indicator's parts."""
    combos: dict[str, dict[str, object]] = {}
    for i in INDICATORS:
        if i.parts and i.category_combo not in combos:
            combos[i.category_combo] = {
                "code": i.category_combo,
                "name": SPLIT_NAMES[i.category_combo],
                "options": [{"code": p.key, "name": p.name_vi, "unit": p.unit_vi} for p in i.parts],
            }
    return list(combos.values())
