from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    name = "kiosk.office.authoring"
    label = "authoring"
    verbose_name = "公告撰写"
    history_actions = {"notice.write": "编写公告", "notice.delete": "删除草稿", "image.upload": "上传图片",
                       "content.import": "导入内容", "content.export": "导出内容"}
