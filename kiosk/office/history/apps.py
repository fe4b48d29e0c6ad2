from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "kiosk.office.history"
    label = "history"
    verbose_name = "操作记录"
    # action -> Chinese label; every app may declare its own ``history_actions`` on its AppConfig
    history_actions = {
        "login": "登录", "login_failed": "登录失败", "logout": "退出登录",
        "export": "导出记录",
    }
