"""Password rules speak Vietnamese, in the CLI's setup as on the web's forms."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts

from phongtrao.accounts.services import password_check
from phongtrao.core.errors import InvalidInput


def test_a_short_common_password_is_refused_with_both_reasons_in_vietnamese():
    with pytest.raises(InvalidInput) as refused:
        password_check("abc")
    message = str(refused.value)
    assert "quá ngắn: cần ít nhất 8 ký tự" in message
    assert "quá phổ biến" in message
    assert "password" not in message.lower()


def test_a_long_uncommon_password_passes():
    password_check("phongtrao-demo-2023-ha-giang")


def test_the_help_texts_are_vietnamese():
    texts = password_validators_help_texts()
    assert texts and all("Mật khẩu" in text for text in texts)


def test_setup_refuses_a_weak_admin_password_before_touching_the_database(tmp_path):
    env = dict(os.environ, PHONGTRAO_VAR_DIR=str(tmp_path), PHONGTRAO_ADMIN_PASSWORD="abc")
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "phongtrao.cli", "setup"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Mật khẩu chưa đạt" in done.stderr + done.stdout
    assert not (tmp_path / "phongtrao.sqlite3").exists()
