"""PHONGTRAO_READ_DATABASE_URL: one replica alias per URL, each a test mirror of default."""

from __future__ import annotations

import re
import runpy

import pytest
from django.core.exceptions import ImproperlyConfigured

from phongtrao import settings as settings_module

PRIMARY = "postgresql://phongtrao@primary:5432/phongtrao"


def settings_with(monkeypatch, **environ: str) -> dict:
    monkeypatch.delenv("PHONGTRAO_READ_DATABASE_URL", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(settings_module.__file__)


def test_without_the_variable_there_is_only_default(monkeypatch):
    values = settings_with(monkeypatch, DATABASE_URL=PRIMARY)
    assert list(values["DATABASES"]) == ["default"]
    assert values["PHONGTRAO_READ_REPLICAS"] == []


def test_each_url_is_a_replica_alias_mirroring_default_in_tests(monkeypatch):
    values = settings_with(
        monkeypatch,
        DATABASE_URL=PRIMARY,
        PHONGTRAO_READ_DATABASE_URL=(
            "postgresql://phongtrao@replica-a:5432/phongtrao, postgresql://doc@replica-b:6432/pt"
        ),
    )
    assert values["PHONGTRAO_READ_REPLICAS"] == ["replica1", "replica2"]
    first, second = values["DATABASES"]["replica1"], values["DATABASES"]["replica2"]
    assert (first["HOST"], first["PORT"], first["NAME"]) == ("replica-a", 5432, "phongtrao")
    assert (second["HOST"], second["PORT"], second["USER"]) == ("replica-b", 6432, "doc")
    assert first["TEST"] == {"MIRROR": "default"}
    assert second["TEST"] == {"MIRROR": "default"}
    assert values["DATABASES"]["default"]["HOST"] == "primary"
    assert values["DATABASE_ROUTERS"] == ["phongtrao.core.replicas.ReplicaRouter"]


def test_a_replica_must_be_the_same_kind_of_database(monkeypatch):
    message = (
        "PHONGTRAO_READ_DATABASE_URL: bản sao chỉ đọc phải cùng loại cơ sở dữ liệu với "
        "DATABASE_URL."
    )
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        settings_with(
            monkeypatch, DATABASE_URL="sqlite:///:memory:", PHONGTRAO_READ_DATABASE_URL=PRIMARY
        )
