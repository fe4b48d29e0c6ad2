from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "kiosk.office.feeds"
    label = "feeds"
    verbose_name = "内容源"
    history_actions = {"feed.create": "新建内容源", "feed.settings": "修改内容源设置",
                       "feed.renew": "续签时间戳", "feed.mirror": "同步镜像"}
