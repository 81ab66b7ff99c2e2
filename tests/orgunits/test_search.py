import pytest

from phongtrao.core.text import search_key
from phongtrao.orgunits.selectors import orgunit_search

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Hà Giang", "ha giang"),
        ("Tỉnh Đắk Lắk", "tinh dak lak"),
        ("  Thừa   Thiên Huế ", "thua thien hue"),
        ("ha giang", "ha giang"),
    ],
)
def test_search_key_drops_diacritics_and_case(text, key):
    assert search_key(text) == key


def test_search_without_diacritics_finds_the_province(django_user_model):
    admin = django_user_model(is_superuser=True, is_active=True)
    names = [u.name for u in orgunit_search(user=admin, query="ha giang")]
    assert names[0] == "Tỉnh Hà Giang"


def test_search_stays_inside_the_users_scope(commune_user, commune):
    results = list(orgunit_search(user=commune_user, query="ha giang"))
    assert results == []
    found = list(orgunit_search(user=commune_user, query=commune.search_name))
    assert found == [commune]
