"""ISO 20022 external reason codes (the status and return reasons banks put in pain.002, camt.054 and
pacs.004) in plain Chinese, for the payment pages, the failed lines sent back to villages and the notices.

Only ISO codes live here; a flat 回盘's own texts are mapped to these codes by its layout (``flatfile``).
The words are marked for the English catalogue; pages translate them where they show them.
"""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Marks a reason's words for the English catalogue (the domain imports no Django)."""
    return message


#: The code list the codes below come from, stored beside a payment's reason code.
CODE_LIST = "ISO 20022 ExternalStatusReason/ReturnReason"

REASONS: dict[str, str] = {
    "AC01": gettext_noop("账号错误"),
    "AC02": gettext_noop("付款账号无效"),
    "AC03": gettext_noop("收款账号无效"),
    "AC04": gettext_noop("账户已销户"),
    "AC05": gettext_noop("付款账户已销户"),
    "AC06": gettext_noop("账户冻结"),
    "AC07": gettext_noop("收款账户已销户"),
    "AC13": gettext_noop("账户类型不符"),
    "AG01": gettext_noop("账户不允许此类交易"),
    "AG02": gettext_noop("业务类型代码无效"),
    "AGNT": gettext_noop("代理银行信息错误"),
    "AM01": gettext_noop("金额为零"),
    "AM02": gettext_noop("金额超过允许上限"),
    "AM03": gettext_noop("币种不允许"),
    "AM04": gettext_noop("余额不足"),
    "AM05": gettext_noop("重复支付"),
    "AM09": gettext_noop("金额错误"),
    "AM10": gettext_noop("合计金额不符"),
    "AM18": gettext_noop("笔数不符"),
    "BE01": gettext_noop("户名与账号不符"),
    "BE04": gettext_noop("缺少收款人地址"),
    "BE05": gettext_noop("发起单位无法识别"),
    "BE06": gettext_noop("客户不存在"),
    "CURR": gettext_noop("币种错误"),
    "CUST": gettext_noop("客户要求"),
    "DT01": gettext_noop("日期无效"),
    "DUPL": gettext_noop("重复支付"),
    "FF01": gettext_noop("文件格式错误"),
    "FOCR": gettext_noop("按撤销请求退回"),
    "MD06": gettext_noop("客户要求退款"),
    "MD07": gettext_noop("收款人已死亡"),
    "MS02": gettext_noop("收款人原因，未说明"),
    "MS03": gettext_noop("银行原因，未说明"),
    "NARR": gettext_noop("其他原因（见银行说明）"),
    "NOAS": gettext_noop("收款人未回应"),
    "RC01": gettext_noop("银行代码错误"),
    "RR01": gettext_noop("缺少付款人账户或身份信息（监管要求）"),
    "RR02": gettext_noop("缺少付款人名称或地址（监管要求）"),
    "RR03": gettext_noop("缺少收款人名称或地址（监管要求）"),
    "RR04": gettext_noop("监管原因"),
    "TM01": gettext_noop("超过银行截止时间"),
}


def reason_words(code: str) -> str:
    """The plain-Chinese words for an ISO reason code; an unknown code is named as such, never dropped."""
    code = code.strip().upper()
    if not code:
        return ""
    return REASONS.get(code, f"银行原因代码 {code}")
