"""The named parameters a policy's notice template (银行短信模板) may use: what each paid payment's notice
(逐项告知) gives, in English names and in the Chinese names the policy list's own templates use."""

from __future__ import annotations

from yikatong.core.domain.template import TemplateError, placeholders

# policy, period, amount (元), pay date, agent bank; and the same in Chinese, with the account's last four.
PAYMENT_NOTICE_PARAMS = (
    "policy",
    "period",
    "amount",
    "date",
    "bank",
    "项目名称",
    "期间",
    "金额",
    "日期",
    "银行",
    "账号后四位",
)
# Added by the platform to every notice: the SMS signature (短信签名).
PLATFORM_PARAMS = ("signature",)


def template_problem(template: str) -> str:
    """Why a notice template cannot be used ("" = it can): unpaired braces, or a placeholder no payment
    notice fills (which would hold back every notice of the policy)."""
    if not template.strip():
        return ""
    try:
        names = placeholders(template)
    except TemplateError as exc:
        return str(exc)
    unknown = [name for name in names if name not in (*PAYMENT_NOTICE_PARAMS, *PLATFORM_PARAMS)]
    if unknown:
        listed = "、".join(f"{{{name}}}" for name in unknown)
        usable = "、".join(f"{{{name}}}" for name in (*PAYMENT_NOTICE_PARAMS, *PLATFORM_PARAMS))
        return f"告知模板中的占位符 {listed} 不是可用的参数；可用：{usable}"
    return ""
