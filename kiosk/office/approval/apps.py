from django.apps import AppConfig


class ApprovalConfig(AppConfig):
    name = "kiosk.office.approval"
    label = "approval"
    verbose_name = "审批与发布"
    history_actions = {
        "notice.submit": "提交审核", "notice.sign": "签名", "notice.reject": "退回", "notice.publish": "发布",
        "notice.withdraw": "撤回", "notice.correct": "更正", "publication.stale": "需重新签名",
        "publication.cancel": "取消发布", "keychange.propose": "提出密钥变更", "keychange.sign": "密钥变更签名",
        "keychange.apply": "密钥变更生效",
    }
