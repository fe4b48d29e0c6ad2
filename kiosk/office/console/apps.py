from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "kiosk.office.console"
    label = "console"
    verbose_name = "控制台"
