"""Read the official units out of the `vietnam-provinces` package (GSO codes), never by hand."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version

from .models import COUNTRY_CODE, COUNTRY_NAME, Hierarchy, Level

# The package lists the old tree as it stood on 30/6/2025; 63 provinces exist since 1/8/2008.
OLD_TREE_VALID_FROM = date(2008, 8, 1)
OLD_TREE_VALID_TO = date(2025, 6, 30)
NEW_TREE_VALID_FROM = date(2025, 7, 1)

_TYPE_PREFIXES = (
    "Thành phố",
    "Thị trấn",
    "Thị xã",
    "Đặc khu",
    "Phường",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Xã",
)


@dataclass(frozen=True)
class SourceUnit:
    hierarchy: str
    code: str
    name: str
    unit_type: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class SourceSuccession:
    old_code: str
    new_code: str
    level: str
    partial: bool


def source_label() -> str:
    return f"vietnam-provinces {version('vietnam-provinces')}"


def short_name(name: str) -> str:
    """Return the name without its type word: "Tỉnh Hà Giang" -> "Hà Giang"."""
    for prefix in _TYPE_PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


def province_code(value: int) -> str:
    return f"{value:02d}"


def district_code(value: int) -> str:
    return f"{value:03d}"


def commune_code(value: int) -> str:
    return f"{value:05d}"


def country_unit(hierarchy: str) -> SourceUnit:
    """Return the country unit that heads a tree (not in the package: it lists provinces up)."""
    return SourceUnit(hierarchy, COUNTRY_CODE, COUNTRY_NAME, "Quốc gia", Level.COUNTRY, None)


def old_tree_units(provinces: Collection[str] | None = None) -> Iterator[SourceUnit]:
    """Yield the pre-July-2025 units, parents before children.

    With provinces (old-tree codes), only those provinces and the units under them, below the
    country: a part of the same official tree (the tests' small world).
    """
    from vietnam_provinces import legacy

    def kept(code: int) -> bool:
        return provinces is None or province_code(code) in provinces

    old = Hierarchy.OLD
    yield country_unit(old)
    districts: set[int] = set()
    for p in legacy.Province.iter_all():
        if not kept(p.code.value):
            continue
        yield SourceUnit(
            old,
            province_code(p.code.value),
            p.name,
            str(p.division_type),
            Level.PROVINCE,
            COUNTRY_CODE,
        )
    for d in legacy.District.iter_all():
        if not kept(d.province_code.value):
            continue
        districts.add(d.code.value)
        yield SourceUnit(
            old,
            district_code(d.code.value),
            d.name,
            str(d.division_type),
            Level.DISTRICT,
            province_code(d.province_code.value),
        )
    for w in legacy.Ward.iter_all():
        if provinces is not None and w.district_code.value not in districts:
            continue
        yield SourceUnit(
            old,
            commune_code(w.code.value),
            w.name,
            str(w.division_type),
            Level.COMMUNE,
            district_code(w.district_code.value),
        )


def new_tree_units(provinces: Collection[str] | None = None) -> Iterator[SourceUnit]:
    """Yield the units in force from 1/7/2025, parents before children.

    With provinces (new-tree codes), only those provinces and their communes, below the country.
    """
    from vietnam_provinces import Province, Ward

    def kept(code: int) -> bool:
        return provinces is None or province_code(code) in provinces

    new = Hierarchy.NEW
    yield country_unit(new)
    for p in Province.iter_all():
        if not kept(p.code.value):
            continue
        yield SourceUnit(
            new,
            province_code(p.code.value),
            p.name,
            str(p.division_type),
            Level.PROVINCE,
            COUNTRY_CODE,
        )
    for w in Ward.iter_all():
        if not kept(w.province_code.value):
            continue
        yield SourceUnit(
            new,
            commune_code(w.code.value),
            w.name,
            str(w.division_type),
            Level.COMMUNE,
            province_code(w.province_code.value),
        )


def provinces_closed(old_provinces: Collection[str]) -> tuple[set[str], set[str]]:
    """Return the old and new province codes of a part of the country closed under succession.

    From the old provinces given: the 2025 provinces that took any of them over, then every old
    province those took over, and so on; ("02",) gives ({"02", "08"}, {"08"}): Hà Giang and
    Tuyên Quang became the new Tuyên Quang. Every unit of such a part has its predecessors and
    successors in it.
    """
    pairs = [
        (s.old_code, s.new_code)
        for s in successions_2025()
        if s.level == Level.PROVINCE and s.old_code != COUNTRY_CODE
    ]
    old, new = set(old_provinces), set[str]()
    while True:
        more_new = {n for o, n in pairs if o in old} - new
        new |= more_new
        more_old = {o for o, n in pairs if n in new} - old
        old |= more_old
        if not more_new and not more_old:
            return old, new


def successions_2025() -> Iterator[SourceSuccession]:
    """Yield the official old -> new conversion of 1/7/2025, for provinces and communes."""
    from vietnam_provinces import Province

    # The commune table is the package's data module; its public API drops the "partly" flag.
    from vietnam_provinces._ward_conversion_2025 import NEW_TO_OLD

    yield SourceSuccession(COUNTRY_CODE, COUNTRY_CODE, Level.COUNTRY, False)
    for p in Province.iter_all():
        for old in p.get_legacy_sources():
            yield SourceSuccession(
                province_code(old.code.value), province_code(p.code.value), Level.PROVINCE, False
            )
    for new_code, entry in NEW_TO_OLD.items():
        for ref in entry.old_wards:
            yield SourceSuccession(
                commune_code(ref.code),
                commune_code(new_code),
                Level.COMMUNE,
                bool(ref.is_partly_merged),
            )
