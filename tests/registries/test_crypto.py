from pathlib import Path

import pytest
from django.db import connection

from phongtrao.registries.models import Person

pytestmark = pytest.mark.django_db


def test_national_id_is_encrypted_at_rest_and_masked(commune):
    p = Person(orgunit=commune, full_name="Lò Văn Sáng", birth_year=1985)
    p.national_id = "002085012345"
    p.save()
    assert Person.objects.get(pk=p.pk).national_id == "002085012345"
    assert p.national_id_masked == "*********345"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT national_id_encrypted, national_id_index FROM registries_person WHERE id = %s",
            [p.pk],
        )
        encrypted, index = cursor.fetchone()
    assert "002085012345" not in encrypted and "002085012345" not in index


SCRIPT = """
from phongtrao.orgunits.models import OrgUnit
from phongtrao.registries.models import Person
unit = OrgUnit.objects.create(hierarchy="2008", code="99999", name="Xã Thử", short_name="Thử",
    unit_type="xã", level="commune", depth=1, path="2008/99999/", search_name="xa thu")
p = Person(orgunit=unit, full_name="Lò Văn Sáng")
p.national_id = "002085012345"
p.save()
print(Person.objects.get().national_id)
"""


@pytest.mark.slow
def test_the_raw_number_is_not_in_the_database_file(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PHONGTRAO_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    phongtrao = str(Path(sys.executable).with_name("phongtrao"))
    subprocess.run([phongtrao, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    shown = subprocess.run(
        [phongtrao, "shell", "-c", SCRIPT],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert shown.strip().splitlines()[-1] == "002085012345"  # the key in var/ decrypts it
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("db.sqlite3*"))
    assert "Lò Văn Sáng".encode() in stored  # the data did reach the file
    assert b"002085012345" not in stored


def test_same_number_finds_the_same_person_without_decrypting(commune):
    from phongtrao.registries import crypto

    p = Person(orgunit=commune, full_name="A")
    p.national_id = "123456789"
    p.save()
    assert Person.objects.filter(national_id_index=crypto.blind_index("123456789")).get() == p


@pytest.mark.parametrize("bad", ["12345", "0020850123AB", "00208501234567"])
def test_malformed_national_id_is_refused(commune, bad):
    from django.core.exceptions import ValidationError

    p = Person(orgunit=commune, full_name="B")
    with pytest.raises(ValidationError, match="9 hoặc 12 chữ số"):
        p.national_id = bad
