from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "kiosk.office.feedback"
    label = "feedback"
    verbose_name = "群众意见"
    default_auto_field = "django.db.models.BigAutoField"
    history_actions = {
        "feedback.receive": "收到群众意见或申请",
        "feedback.assign": "分配处理人",
        "feedback.status": "更改办理状态",
        "feedback.reply": "答复",
        "feedback.reject": "不予受理",
        "feedback.extend": "延期答复",
        "feedback.unpublish": "撤下公开答复",
        "feedback.contact": "查看联系方式",
        "feedback.export": "导出群众意见",
        "feedback.erase": "到期删除联系方式",
    }

    def ready(self) -> None:
        from kiosk.office.feedback import conf

        conf.current()  # a wrong [feedback] table stops the office at start, naming file and key
