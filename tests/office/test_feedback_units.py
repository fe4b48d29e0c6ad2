"""Plain parts of the feedback app: working days, residents' text, receipt codes, settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.office.datadir import OfficeConfigError
from kiosk.office.feedback.conf import parse
from kiosk.office.feedback.text import CODE_DIGITS, clean_text, damm, new_code, normalize_code, show_code
from kiosk.office.feedback.workdays import Calendar, CalendarError, parse_days

D = dt.date


def test_twenty_working_days_skip_weekends() -> None:
    cal = Calendar()
    assert cal.add(D(2026, 12, 4), 1) == D(2026, 12, 7)  # Friday -> Monday
    assert cal.add(D(2026, 12, 5), 1) == D(2026, 12, 7)  # received on a Saturday: Monday is day 1
    assert cal.add(D(2026, 12, 1), 20) == D(2026, 12, 29)  # Tuesday + 4 weeks
    assert cal.count(D(2026, 12, 1), D(2026, 12, 29)) == 20
    assert cal.count(D(2026, 12, 29), D(2026, 12, 1)) == -20
    assert cal.add(D(2026, 12, 1), 0) == D(2026, 12, 1)


def test_holidays_and_make_up_days() -> None:
    # National Day week: 1-7 October off, Saturday 10 October worked (调休)
    cal = Calendar(holidays=parse_days(["2026-10-01..2026-10-07"]), workdays=parse_days([D(2026, 10, 10)]))
    assert not cal.is_workday(D(2026, 10, 5)) and cal.is_workday(D(2026, 10, 10))
    assert cal.add(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert cal.add(D(2026, 9, 30), 3) == D(2026, 10, 10)  # Thu 8, Fri 9, Sat 10 (worked)
    assert cal.add(D(2026, 9, 30), 20) == Calendar().add(D(2026, 9, 30), 20) + dt.timedelta(days=6)


@pytest.mark.parametrize("bad", ["2026-13-01", "soon", "2026-10-07..2026-10-01", "2026-01-01..2028-01-01", 5,
                                 dt.datetime(2026, 1, 1, 9)])
def test_bad_calendar_entries_are_named(bad: object) -> None:
    with pytest.raises(CalendarError, match="2026|soon|5|time"):
        parse_days([bad])


def test_feedback_settings_checked_with_file_and_key() -> None:
    cfg = parse({"holidays": ["2026-10-01..2026-10-07"], "workdays": [D(2026, 10, 10)], "answer_workdays": 5,
                 "contact_roles": ["admin"]})
    assert cfg.answer_workdays == 5 and cfg.contact_roles == ("admin",) and len(cfg.calendar.holidays) == 7
    where = Path("/srv/office/office.toml")
    cases = [({"colour": 1}, "feedback.colour", "unknown setting"),
             ({"request_workdays": 0}, "feedback.request_workdays", "from 1 to 250"),
             ({"comment_max_chars": True}, "feedback.comment_max_chars", "whole number"),
             ({"holidays": "2026-10-01"}, "feedback.holidays", "list of dates"),
             ({"holidays": ["2026-10-32"]}, "feedback.holidays", "not a date"),
             ({"holidays": [D(2026, 10, 10)], "workdays": [D(2026, 10, 10)]}, "feedback.workdays", "also listed"),
             ({"contact_roles": ["everyone"]}, "feedback.contact_roles", "list of roles")]
    for table, key, reason in cases:
        with pytest.raises(OfficeConfigError) as e:
            parse(table, where)
        assert e.value.key == key and reason in e.value.reason and str(where) in str(e.value)


def test_clean_text() -> None:
    assert clean_text("  你好\r\n\r\n\r\n\r\n世界  ") == "你好\n\n世界"
    assert clean_text("a\x00b\x1bc\x7fd\u0085e") == "abcde"
    assert clean_text("名\u202e字\u2066\u200b\ufeff") == "名字"  # bidi overrides, zero-width, BOM
    assert clean_text("👨\u200d👩\u200d👧 家") == "👨\u200d👩\u200d👧 家"  # emoji sequences intact
    assert clean_text("一\n二\t三", multiline=False) == "一 二 三"
    assert clean_text("e\u0301") == "é"  # NFC


def test_receipt_codes() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:200]:
        assert len(code) == CODE_DIGITS and code[0] != "0" and damm(code) == 0
        assert normalize_code(show_code(code)) == code
        assert normalize_code(code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))) == code
        for i in range(CODE_DIGITS):  # any single wrong digit is caught
            wrong = code[:i] + str((int(code[i]) + 3) % 10) + code[i + 1:]
            assert normalize_code(wrong) is None or wrong == code
        for i in range(CODE_DIGITS - 1):  # any swap of neighbours is caught
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            assert swapped == code or normalize_code(swapped) is None
    assert normalize_code("abc") is None and normalize_code("") is None and normalize_code("12345") is None
