"""People of the office: roles per feed (拟稿人, 审核人, 监督人, 管理员) and personal signing keys."""
