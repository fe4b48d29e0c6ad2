"""Outcomes, their Chinese messages and the overlay state machine (pure, no display)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.feed.errors import (
    FeedClockError,
    FeedConfigError,
    FeedError,
    FeedExpiredError,
    FeedFetchError,
    FeedInvalidError,
    FeedRollbackError,
    FeedSignatureError,
    FeedStoreError,
    FeedTamperedError,
    FeedTooBigError,
)
from kiosk.usb.events import FeedOutcome, Outcome, StickDetected, StickDone, StickProgress, StickRemoved, StickResult
from kiosk.usb.importer import classify
from kiosk.usb.panel import PULL_OUT, PanelView, Tone, UsbPanel

V = Path("/media/tech/STICK")


@pytest.mark.parametrize(("error", "incomplete", "outcome"), [
    (FeedSignatureError, False, Outcome.BAD_SIGNATURE),
    (FeedRollbackError, False, Outcome.ROLLBACK),
    (FeedExpiredError, False, Outcome.EXPIRED),
    (FeedTamperedError, True, Outcome.INCOMPLETE),
    (FeedTamperedError, False, Outcome.DAMAGED),
    (FeedTooBigError, False, Outcome.DAMAGED),
    (FeedFetchError, False, Outcome.INCOMPLETE),
    (FeedInvalidError, False, Outcome.INCOMPLETE),
    (FeedClockError, False, Outcome.CLOCK),
    (FeedStoreError, False, Outcome.DEVICE),
    (FeedConfigError, False, Outcome.DEVICE),
    (FeedError, False, Outcome.DEVICE),
])
def test_feed_errors_map_to_reasons(error: type[FeedError], incomplete: bool, outcome: Outcome) -> None:
    assert classify(error("township", "x"), incomplete) is outcome


def test_messages() -> None:
    assert FeedOutcome("t", Outcome.ACCEPTED, 2, 5, 31).message == "更新成功：版本 5，共 31 条公开内容"
    assert FeedOutcome("t", Outcome.UP_TO_DATE, 5, 5, 31).message == "已是最新版本"
    expected = {Outcome.BAD_SIGNATURE: "签名无效", Outcome.ROLLBACK: "内容比当前旧", Outcome.INCOMPLETE: "文件不完整",
                Outcome.NOT_OURS: "不是本设备的内容源", Outcome.DAMAGED: "文件已损坏"}
    for outcome, reason in expected.items():
        assert FeedOutcome("t", outcome).message == f"未更新：{reason}"
        assert not outcome.accepted
    assert all(o.reason for o in Outcome)


def test_panel_sequence_and_hiding_by_itself() -> None:
    panel = UsbPanel(linger=10.0)
    assert panel.view(0.0) is None
    panel = panel.apply(StickDetected(V), 1.0)
    assert panel.view(1.0) == PanelView("检测到U盘…", "请稍候，不要拔出U盘")
    panel = panel.apply(StickProgress(V, 37), 1.1)
    assert panel.view(500.0).message == "正在校验 37%" and panel.view(500.0).progress == 0.37  # no timeout mid-import
    result = FeedOutcome("t", Outcome.ROLLBACK, 3, 3)
    panel = panel.apply(StickResult(V, result), 2.0)
    assert panel.view(2.0) == PanelView("未更新：内容比当前旧", "请稍候，不要拔出U盘", tone=Tone.REFUSED)
    panel = panel.apply(StickDone(V, None), 3.0)
    assert panel.view(3.0) == PanelView("未更新：内容比当前旧", PULL_OUT, tone=Tone.REFUSED)
    assert panel.view(12.99) is not None and panel.view(13.0) is None


def test_pulling_the_stick_out_after_the_result_hides_it_sooner() -> None:
    panel = UsbPanel(linger=20.0, after_removal=3.0)
    for event in (StickDetected(V), StickResult(V, FeedOutcome("t", Outcome.ACCEPTED, 1, 2, 3)), StickDone(V, None)):
        panel = panel.apply(event, 0.0)
    panel = panel.apply(StickRemoved(V), 5.0)
    assert panel.view(7.9) is not None and panel.view(8.0) is None


def test_pulling_the_stick_out_mid_import_keeps_the_panel() -> None:
    panel = UsbPanel().apply(StickDetected(V), 0.0).apply(StickProgress(V, 10), 0.5).apply(StickRemoved(V), 1.0)
    assert panel.view(100.0).message == "正在校验 10%"  # the result (文件不完整) is on its way


def test_second_stick_restarts_the_panel() -> None:
    panel = UsbPanel(linger=5.0)
    for event in (StickDetected(V), StickResult(V, FeedOutcome("t", Outcome.ACCEPTED, 1, 2, 3)), StickDone(V, None)):
        panel = panel.apply(event, 0.0)
    panel = panel.apply(StickDetected(V), 4.0)
    assert panel.view(50.0).message == "检测到U盘…"
