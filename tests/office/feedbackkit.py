"""Feedback tests' helpers: a feed of the office published with real signatures, people with roles."""

from __future__ import annotations

import datetime as dt
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.feed.publish import publish
from kiosk.feed.repo import init_feed
from kiosk.office.accounts.models import Membership, Role
from kiosk.office.datadir import DataDir
from kiosk.office.feedback.notices import clear_cache
from kiosk.office.feeds.models import Feed

sys.path.insert(0, str(Path(__file__).parent.parent / "feed"))
from feedkit import CATALOGUE  # noqa: E402 - the feed tests' catalogue (党内决策情况, 党的组织管理情况)

DUES = """\
+++
id = "dues-q3"
category = "organisation"
title = "2026年第三季度党费收缴情况公示"
issuer = "中共青禾镇委员会"
date = 2026-10-08
show_from = 2026-10-08
show_until = {until}
+++
根据《中国共产党章程》和党费收缴使用管理的有关规定，现将我镇各党支部2026年第三季度党费收缴情况公示如下。

## 收缴明细

| 支部 | 党员人数 | 应缴（元） | 实缴（元） |
|---|---:|---:|---:|
| 柳溪村党支部 | 42 | 3,150.00 | 3,150.00 |
| 青禾社区党支部 | 35 | 2,480.50 | 2,480.50 |

![第三季度党员大会](images/meeting.jpg)

公示期间如有意见，请扫描二维码反映。
"""

PLAN = """\
+++
id = "work-plan"
category = "decisions"
title = "青禾镇党委2026年工作计划"
issuer = "中共青禾镇委员会"
date = 2026-01-05
{extra}
+++
一、全面加强党的政治建设。

二、持续推进基层党组织标准化规范化建设。
"""


def photo(width: int = 1600, height: int = 900) -> bytes:
    """A photo-like JPEG (noise over a gradient: compresses like a real photograph)."""
    from PIL import Image

    r = Image.effect_noise((width, height), 60).point(lambda v: min(255, v + 40))
    g = Image.linear_gradient("L").resize((width, height))
    b = Image.effect_noise((width, height), 30)
    out = io.BytesIO()
    Image.merge("RGB", (r, g, b)).save(out, "JPEG", quality=92)
    return out.getvalue()


@dataclass
class Published:
    feed: Feed
    content: Path
    keys: Path

    def publish(self, items: dict[str, str], now: dt.datetime | None = None) -> None:
        write_content(self.content, self.feed, items)
        publish(self.content, self.feed.tree, [self.keys], now or dt.datetime.now(dt.UTC))
        clear_cache()


def default_items(until: str = "2099-12-31", plan_extra: str = "") -> dict[str, str]:
    return {"dues": DUES.format(until=until), "plan": PLAN.format(extra=plan_extra)}


def write_content(root: Path, feed: Feed, items: dict[str, str]) -> Path:
    (root / "items").mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(exist_ok=True)
    for old in (root / "items").glob("*.md"):
        old.unlink()
    (root / "content.toml").write_text(f'name = "{feed.publisher}"\nlabel = "{feed.label}"\n'
                                       f'feedback_url = "{feed.feedback_template()}"\n', encoding="utf-8")
    (root / "catalogue.toml").write_text(feed.catalogue, encoding="utf-8")
    if not (root / "images" / "meeting.jpg").exists():
        (root / "images" / "meeting.jpg").write_bytes(photo())
    for stem, text in items.items():
        (root / "items" / f"{stem}.md").write_text(text, encoding="utf-8")
    return root


def published_feed(office: DataDir, tmp_path: Path, name: str = "township", items: dict[str, str] | None = None,
                   publisher: str = "中共青禾镇委员会") -> Published:
    feed = Feed.objects.create(name=name, publisher=publisher, catalogue=CATALOGUE)
    keys = tmp_path / f"keys-{name}"
    init_feed(feed.tree, keys, dt.datetime.now(dt.UTC), threshold=1)
    result = Published(feed, tmp_path / f"content-{name}", keys)
    result.publish(items or default_items())
    return result


def member(make_user: Any, feed: Feed, username: str, *roles: Role, full_name: str = "") -> Any:  # noqa: ANN401
    user = make_user(username, full_name=full_name)
    for role in roles:
        Membership.objects.create(user=user, feed=feed, role=role)
    return user


def token_for(client: Any, path: str) -> str:  # noqa: ANN401
    """The form token of the page at ``path`` (what a browser sends back)."""
    import re

    page = client.get(path).content.decode()
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, f"no form token on {path}"
    return found.group(1)
