from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "kiosk.office.fleet"
    label = "fleet"
    verbose_name = "屏幕"
    history_actions = {
        "fleet.add": "登记屏幕", "fleet.code": "生成开通码", "fleet.enrol": "屏幕开通",
        "fleet.edit": "修改屏幕", "fleet.retire": "停用屏幕", "fleet.screenshot": "请求截图",
        "fleet.review": "确认屏幕告警", "fleet.coverage": "导出公示覆盖报告", "fleet.proof": "下载显示记录",
    }
