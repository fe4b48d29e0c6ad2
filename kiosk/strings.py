"""Every piece of Chinese text the screen shows of its own (not the notices): change wording here.

One place for the lobby, touch browsing, the LED board, the USB panel and the technician status
line.  Texts with ``{...}`` are filled in with :meth:`str.format` by the module that shows them
(the names of the fields are part of the text).  Plain Python, imported by every layer.

Kept short on purpose: residents read from two or three metres, many of them elderly; technicians
read the USB panel while holding the stick.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

# ------------------------------------------------------------------ dates (as notices write them)

WEEKDAYS = "一二三四五六日"


def chinese_day(d: dt.date) -> str:
    """2026年10月8日 (as a notice's 落款 writes it)."""
    return f"{d.year}年{d.month}月{d.day}日"


def chinese_date_with_weekday(d: dt.date) -> str:
    """2026年10月8日 星期四 (the header)."""
    return f"{chinese_day(d)} 星期{WEEKDAYS[d.weekday()]}"


# ------------------------------------------------------------------ the lobby loop

NO_CONTENT = "暂无公开内容"  # the idle screen, also on an LED board
DEVICE_NUMBER = "设备编号 {device}"  # under it, so a caller can name the screen
BOARD_TITLE = "信息公开栏"  # the header before any content names its issuing body
BOARD_NAME = "公开栏"  # the idle screen's issuing body when there is none
PAGE_OF = "第 {page} / {pages} 页"
URGENT_NOTICE = "紧急通知"  # the slide band of an urgent notice
URGENT_MARK = "【紧急】"  # before an urgent title in the ticker and on LED boards
TICKER_BULLET = "◆ "  # before every other title in the ticker
CONTINUED = "（续）"  # after the title on a notice's following pages
IMAGE_UNAVAILABLE = "图片暂时无法显示"
FEEDBACK_CAPTION = "扫码提意见"  # under the feedback QR code
REQUEST_CAPTION = "扫码申请公开"  # under the 依申请公开 QR code

# ------------------------------------------------------------------ touch browsing

HOME_TITLE = "公开目录"
BUTTONS = MappingProxyType({"back": "返回", "home": "首页", "large": "大字", "prev": "上一页", "next": "下一页"})
HINT_HOME = "请点击要查看的类别"
HINT_LIST = "请点击要查看的公开事项"
HINT_DETAIL = "点“上一页”“下一页”或左右滑动翻页"
EMPTY_CATEGORY = "本类暂无当前公开事项"
URGENT_BANNER = "紧急通知：{title}"
URGENT_BANNER_ACTION = "点此查看 ›"
URGENT_CHIP = "紧急"
TILE_COUNT = "{count} 条"
TILE_EMPTY = "暂无"
IMAGE_CLOSE_HINT = "点击任意处返回"
COUNTDOWN = "{seconds} 秒后返回"
COUNTDOWN_HINT = "点击屏幕继续浏览"

# ------------------------------------------------------------------ the USB panel

USB_DETECTED = "检测到U盘…"
USB_VERIFYING = "正在校验 {percent}%"
USB_PLEASE_WAIT = "请稍候，不要拔出U盘"
USB_PULL_OUT = "可以拔出U盘"
USB_UPDATED = "更新成功：版本 {version}，共 {items} 条公开内容"
USB_NOT_UPDATED = "未更新：{reason}"
USB_STATUS = "U盘 {feed}: {message}"  # a line of the technician status
#: why a stick was (not) taken, by ``kiosk.usb.events.Outcome`` value: plain words, no jargon
USB_REASONS = MappingProxyType({
    "accepted": "更新成功",
    "up_to_date": "已是最新版本",
    "bad_signature": "签名无效",
    "rollback": "内容比当前旧",
    "incomplete": "文件不完整",
    "damaged": "文件已损坏",
    "not_ours": "不是本设备的内容源",
    "expired": "内容已过期，请发布单位重新发布",
    "clock": "设备时间不对，请校准时间",
    "busy": "设备正在联网更新，请稍后重新插入U盘",
    "device_error": "设备存储出错",
})

# ------------------------------------------------------------------ the technician status line

STATUS_FEED = "{feed}: 版本 {version} {items}条"
STATUS_LOCAL_VERSION = "本地"  # a folder played as is, not a signed version
STATUS_NO_CONTENT = "无内容"
STATUS_DEVICE = "设备 {device}   {feeds}   问题 {problems}"
STATUS_SYNC = "同步 {line}"
STATUS_LAST_PROBLEM = "最近问题: {problem}"
