"""The data folder and its settings file: clear messages naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.office.datadir import DataDir, OfficeConfigError, load_settings


def test_create_writes_owner_only_secret_and_settings(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "o")
    data.create("http://10.1.2.3:8080/")
    assert (data.secret_file.stat().st_mode & 0o777) == 0o600
    assert data.settings().public_url == "http://10.1.2.3:8080"
    with pytest.raises(OfficeConfigError, match="already exists"):
        data.create()


@pytest.mark.parametrize(("text", "key"), [
    ('public_url = "ftp://x"', "public_url"),
    ("publc_url = 1", "publc_url"),
    ('secure_cookies = "yes"', "secure_cookies"),
    ('database_url = "mysql://x"', "database_url"),
    ("session_hours = 0", "session_hours"),
    ("allowed_hosts = [1]", "allowed_hosts"),
    ("public_url = [", "file"),
])
def test_bad_settings_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OfficeConfigError) as e:
        load_settings(path)
    assert e.value.key == key and str(path) in str(e.value)


def test_app_sections_are_passed_through(tmp_path: Path) -> None:
    path = tmp_path / "office.toml"
    path.write_text("[feedback]\nretention_days = 180\n", encoding="utf-8")
    assert load_settings(path).section("feedback") == {"retention_days": 180}
    assert load_settings(path).section("fleet") == {}
