"""The names the audit log is read in: its action codes (操作名称), in the groups the log page offers them,
and the keys of recorded values that are no model field.

Every code that ``audit_record`` is called with must be named here; tests/audit/test_action_names.py reads
the source for every call and fails on a code without a name. The names are Chinese msgids of the English
catalogue, so an English page shows them in English.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

ACTION_GROUPS: dict[str, dict[str, str]] = {
    gettext_noop("登录与账号"): {
        "login.success": gettext_noop("登录成功"),
        "login.failed": gettext_noop("登录失败"),
        "user.create": gettext_noop("新增工作人员"),
        "api_token.create": gettext_noop("发放API令牌"),
        "api_token.revoke": gettext_noop("吊销API令牌"),
        "api.use": gettext_noop("调用数据共享接口"),
    },
    gettext_noop("政策"): {
        "policy.draft": gettext_noop("新建政策草稿"),
        "policy.update": gettext_noop("修改政策"),
        "policy.new_version": gettext_noop("新建政策版本"),
        "policy.submit": gettext_noop("提交政策待发布"),
        "policy.return": gettext_noop("退回政策"),
        "policy.publish": gettext_noop("发布政策"),
        "policy.retire": gettext_noop("停止执行政策"),
    },
    gettext_noop("资金发放"): {
        "budget.set": gettext_noop("录入预算指标"),
        "plan.build": gettext_noop("编制发放计划"),
        "plan.checked": gettext_noop("核查发放计划"),
        "plan.submitted": gettext_noop("提交发放计划到财政"),
        "plan.approved": gettext_noop("财政审批发放计划"),
        "plan.sent": gettext_noop("发放计划已送银行"),
        "plan.partly_paid": gettext_noop("发放计划部分到账"),
        "plan.closed": gettext_noop("发放计划办结"),
        "plan.cancelled": gettext_noop("作废发放计划"),
        "batch.create": gettext_noop("生成发放批次"),
        "batch.file": gettext_noop("生成代发文件"),
        "batch.download": gettext_noop("下载代发文件"),
        "batch.sent": gettext_noop("代发文件报送银行"),
        "batch.rejected": gettext_noop("银行整批拒绝"),
        "return.import": gettext_noop("导入银行回盘"),
        "return.duplicate": gettext_noop("重复导入银行回盘（未改变记录）"),
        "return.refused": gettext_noop("银行回盘未能导入"),
        "payment.fix": gettext_noop("更正发放失败的行"),
        "payment.fix_all": gettext_noop("全部更正发放失败的行"),
        "payment.decide": gettext_noop("财政决定补发上限的行"),
        "bank.setup": gettext_noop("维护代发文件格式"),
        "export.simulated_returns": gettext_noop("写出模拟银行回盘文件（命令行）"),
    },
    gettext_noop("名册"): {
        "roster.create": gettext_noop("建立名册"),
        "roster.upload": gettext_noop("上传名册"),
        "roster.upload_start": gettext_noop("上传名册文件"),
        "roster.upload_check": gettext_noop("校验名册文件"),
        "roster.upload_confirm": gettext_noop("确认导入名册文件"),
        "roster.upload_refused": gettext_noop("名册文件未能导入"),
        "roster.prefill": gettext_noop("沿用上期名册"),
        "roster.line_add": gettext_noop("名册添加人员"),
        "roster.line_remove": gettext_noop("名册移除人员"),
        "roster.submitted": gettext_noop("提交名册"),
        "roster.publicizing": gettext_noop("开始公示"),
        "roster.objection": gettext_noop("登记异议"),
        "roster.objection_settle": gettext_noop("处理异议"),
        "roster.publicized": gettext_noop("结束公示"),
        "roster.line_review": gettext_noop("审核名册人员"),
        "roster.bulk_accept": gettext_noop("批量审核通过"),
        "roster.township_reviewed": gettext_noop("乡镇审核完成"),
        "roster.approved": gettext_noop("主管部门审批通过"),
        "roster.returned": gettext_noop("退回名册"),
        "roster.line_correct": gettext_noop("更正退回的名册人员"),
        "roster.line_withdraw": gettext_noop("撤回退回的名册人员"),
        "roster.corrections_approve": gettext_noop("审批名册更正"),
    },
    gettext_noop("人员与社保卡"): {
        "person.view_clear": gettext_noop("查看明文个人信息"),
        "card.register": gettext_noop("登记社保卡账户"),
        "card.status": gettext_noop("变更社保卡状态"),
        "agent_bank.save": gettext_noop("保存代发银行"),
        "registry.import.persons": gettext_noop("导入人员信息"),
        "registry.import.cards": gettext_noop("导入社保卡账户"),
        "registry.import.deaths": gettext_noop("导入死亡人员信息"),
        "registry.import.cadres": gettext_noop("导入村干部及财政供养人员"),
        "registry.import.land": gettext_noop("导入土地承包信息"),
    },
    gettext_noop("核查"): {
        "checks.run.inflight": gettext_noop("事前比对"),
        "checks.run.posthoc": gettext_noop("事后专项核查"),
        "checks.finding_settle": gettext_noop("处理疑点"),
        "checks.rule_setting": gettext_noop("修改核查规则设置"),
        "checks.sample": gettext_noop("抽取核实样本"),
    },
    gettext_noop("绩效双监控"): {
        "performance.draft": gettext_noop("起草预算和绩效目标"),
        "performance.submit": gettext_noop("预算和绩效目标报财政审核"),
        "performance.return": gettext_noop("退回预算和绩效目标"),
        "performance.approve": gettext_noop("同步下达预算和绩效目标"),
        "performance.survey": gettext_noop("填报满意度调查结果"),
        "performance.publish": gettext_noop("公开绩效评价摘要"),
    },
    gettext_noop("告知短信"): {
        "notice.enqueue": gettext_noop("生成告知短信"),
        "notice.send": gettext_noop("发送告知短信"),
        "notice.deliver": gettext_noop("记录短信送达回执"),
        "notice.requeue": gettext_noop("中断的告知短信重新排队"),
        "notice.retry": gettext_noop("重新发送告知短信"),
    },
    gettext_noop("个人查询"): {
        "lookup.query": gettext_noop("个人补贴查询"),
        "lookup.code_send": gettext_noop("发送个人查询验证码"),
        "lookup.code_check": gettext_noop("凭验证码个人查询"),
    },
    gettext_noop("投诉举报"): {
        "complaint.file": gettext_noop("提交投诉举报"),
        "complaint.route": gettext_noop("分办投诉举报"),
        "complaint.info_added": gettext_noop("投诉人补充材料"),
        "complaint.reply": gettext_noop("答复投诉举报"),
        "complaint.ask_info": gettext_noop("要求投诉人补充材料"),
        "complaint.note": gettext_noop("投诉举报内部记录"),
        "complaint.reassign": gettext_noop("转办投诉举报"),
        "complaint.link": gettext_noop("投诉举报关联发放记录"),
        "complaint.close": gettext_noop("办结投诉举报"),
        "complaint.finding": gettext_noop("投诉举报转为核查疑点"),
        "complaint.attachment_view": gettext_noop("查看投诉举报附件"),
    },
    gettext_noop("补贴发放公开"): {
        "disclosure.publish": gettext_noop("审核公开补贴发放"),
        "disclosure.withdraw": gettext_noop("撤回已公开的发放"),
    },
    gettext_noop("导出"): {
        "export.check_findings": gettext_noop("导出核查疑点清单"),
        "export.check_sample": gettext_noop("导出抽样核实清单"),
        "export.findings_csv": gettext_noop("导出疑点文件（命令行）"),
        "export.import_report": gettext_noop("下载导入错误报告"),
        "export.roster_file_report": gettext_noop("下载名册文件错误报告"),
    },
    gettext_noop("基础数据与系统"): {
        "region.create": gettext_noop("新增行政区划"),
        "region.change": gettext_noop("修改行政区划"),
        "department.create": gettext_noop("新增部门"),
        "department.change": gettext_noop("修改部门"),
        "task.start": gettext_noop("发起后台任务"),
        "task.lost": gettext_noop("后台任务中断"),
        "audit.verify": gettext_noop("校验审计日志"),
        "demo.reference_data": gettext_noop("载入演示基础数据"),
        "demo.agent_banks": gettext_noop("载入演示代发银行"),
    },
}

ACTIONS: dict[str, str] = {code: name for group in ACTION_GROUPS.values() for code, name in group.items()}

# Keys of recorded values that are not a field of the recorded model (counts, outcomes, comments); the keys
# that are fields take the model's verbose_name.
FIELD_NAMES: dict[str, str] = {
    "accept_partial": gettext_noop("接受部分导入"),
    "added": gettext_noop("已添加"),
    "bands": gettext_noop("标准档次"),
    "bank": gettext_noop("代发银行"),
    "banks": gettext_noop("银行数"),
    "blocking": gettext_noop("阻断发放"),
    "broken_seq": gettext_noop("断裂处序号"),
    "channel": gettext_noop("渠道"),
    "code": gettext_noop("代码"),
    "comment": gettext_noop("意见"),
    "count": gettext_noop("人数"),
    "departments": gettext_noop("部门数"),
    "differs": gettext_noop("与登记信息不一致"),
    "file": gettext_noop("文件"),
    "findings": gettext_noop("疑点数"),
    "format": gettext_noop("格式"),
    "id_numbers_in_clear": gettext_noop("含明文身份证号"),
    "ineligible": gettext_noop("不符合条件的行"),
    "inserted": gettext_noop("新增"),
    "late": gettext_noop("超期办理"),
    "line": gettext_noop("名册行"),
    "line_returned": gettext_noop("名册行已退回"),
    "lines": gettext_noop("行数"),
    "loaded": gettext_noop("已载入"),
    "message": gettext_noop("说明"),
    "ok": gettext_noop("完整"),
    "periods": gettext_noop("发放期间"),
    "persons": gettext_noop("人员"),
    # the outside registries, by kind (a check run's snapshots)
    "cards": gettext_noop("社保卡账户"),
    "deaths": gettext_noop("死亡登记"),
    "cadres": gettext_noop("村干部及财政供养人员"),
    "land": gettext_noop("土地承包"),
    "policy": gettext_noop("补贴项目"),
    "operation": gettext_noop("接口"),
    "population": gettext_noop("总体行数"),
    "reason": gettext_noop("原因"),
    "regions": gettext_noop("区划数"),
    "rejected": gettext_noop("未通过"),
    "role": gettext_noop("角色"),
    "rows": gettext_noop("行数"),
    "rule": gettext_noop("规则"),
    "seed": gettext_noop("随机种子"),
    "settlement": gettext_noop("处理结果"),
    "sha256": gettext_noop("文件摘要"),
    "size": gettext_noop("样本量"),
    "snapshots": gettext_noop("比对数据快照"),
    "state": gettext_noop("状态"),
    "status": gettext_noop("状态"),
    "summary": gettext_noop("结论"),
    "title": gettext_noop("标题"),
    "total": gettext_noop("总行数"),
    "unchanged": gettext_noop("未变"),
    "updated": gettext_noop("更新"),
    "user": gettext_noop("用户"),
    # the notices' outbox (counts of one enqueue, send, report or requeue)
    "skipped": gettext_noop("已存在而跳过"),
    "unsendable": gettext_noop("无法发送"),
    "source": gettext_noop("来源"),
    "sent": gettext_noop("已发送"),
    "failed": gettext_noop("失败待重试"),
    "gave_up": gettext_noop("停止重试"),
    "delivered": gettext_noop("已送达"),
    "requeued": gettext_noop("重新排队"),
    # complaints (投诉举报)
    "attachments": gettext_noop("附件数"),
    "by_policy": gettext_noop("按补贴项目分办"),
    "complaint": gettext_noop("投诉举报"),
    "finding": gettext_noop("核查疑点"),
    # budgets and performance targets (绩效双监控)
    "targets": gettext_noop("绩效目标"),
    "satisfaction": gettext_noop("满意度调查结果"),
    # personal lookups (个人查询)
    "method": gettext_noop("查询方式"),
    "result": gettext_noop("查询结果"),
}

# Where an event came from (core.context.ActorContext.channel).
CHANNELS: dict[str, str] = {
    "web": gettext_noop("网页"),
    "api": gettext_noop("接口"),
    "cli": gettext_noop("命令行"),
    "task": gettext_noop("后台任务"),
    "system": gettext_noop("系统"),
}


def action_name(code: str) -> str:
    """The name of an action code in the active language; a code without a name (old events) as it is."""
    name = ACTIONS.get(code)
    return gettext(name) if name else code


def channel_name(channel: str) -> str:
    """The name of an event's channel in the active language (an unknown one as it is)."""
    name = CHANNELS.get(channel)
    return gettext(name) if name else channel


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The codes as grouped select options in the active language: (group, [(code, name)])."""
    return [
        (gettext(group), [(code, gettext(name)) for code, name in codes.items()])
        for group, codes in ACTION_GROUPS.items()
    ]
