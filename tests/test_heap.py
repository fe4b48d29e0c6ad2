"""The player fixes glibc's mmap threshold at start (kiosk/device/heap.py)."""

from __future__ import annotations

import ctypes
import platform

import pytest

from kiosk.device import heap


def test_threshold_is_set_on_glibc() -> None:
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert heap.big_blocks_from_the_kernel() is True


def test_the_operators_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    called: list[object] = []
    monkeypatch.setattr(ctypes, "CDLL", lambda *a, **k: called.append(a))
    assert heap.big_blocks_from_the_kernel() is False
    assert called == []


def test_a_c_library_without_mallopt_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)

    class NoMallopt:
        def __init__(self, *args: object) -> None:
            pass

        def __getattr__(self, name: str) -> object:
            raise AttributeError(name)

    monkeypatch.setattr(ctypes, "CDLL", NoMallopt)
    assert heap.big_blocks_from_the_kernel() is False


def test_the_player_sets_it_before_opening_the_display(monkeypatch: pytest.MonkeyPatch) -> None:
    import pygame

    from kiosk.config import load_config
    from kiosk.player import runner

    order: list[str] = []
    monkeypatch.setattr(heap, "big_blocks_from_the_kernel", lambda: order.append("heap") or True)

    def no_display(*args: object, **kwargs: object) -> None:
        order.append("display")
        raise pygame.error("no display here")

    monkeypatch.setattr(runner, "Runner", no_display)
    assert runner.run(load_config(), runner.PlayOptions(headless=True)) == 3
    assert order == ["heap", "display"]
