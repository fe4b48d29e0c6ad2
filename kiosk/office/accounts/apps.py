from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kiosk.office.accounts"
    label = "accounts"
    verbose_name = "人员与权限"
    history_actions = {
        "account.create": "新建账号", "account.password": "修改登录密码", "account.disable": "停用账号",
        "member.add": "授予权限", "member.remove": "撤销权限",
        "key.create": "设置签名密钥", "otp.confirm": "启用动态口令",
    }

    def ready(self) -> None:
        from kiosk.office.accounts import signals  # noqa: F401 - connects login/logout to the history
