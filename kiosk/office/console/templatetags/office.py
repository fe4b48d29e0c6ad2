"""Template helpers: ``errs|get:"field"`` (a dict's value by key), durations in Chinese."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:  # noqa: ANN401 - any mapping
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def seconds(value: float) -> str:
    """``95.0`` -> ``1 分 35 秒``."""
    total = round(float(value))
    return f"{total // 60} 分 {total % 60} 秒" if total >= 60 else f"{total} 秒"


@register.simple_tag
def field_name(prefix: str, n: int, suffix: str) -> str:
    return f"{prefix}{n}{suffix}"


@register.filter
def get_item(sequence: Any, index: int) -> Any:  # noqa: ANN401
    try:
        return sequence[index]
    except (IndexError, TypeError, KeyError):
        return None
