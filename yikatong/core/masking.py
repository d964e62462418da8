"""Masking of personal data, the one place every screen, export and log line takes it from."""

from __future__ import annotations


def mask_name(name: str | None) -> str:
    """张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜."""
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str | None) -> str:
    """232722198001011234 → 232722********123X style: region kept, birth date and sequence hidden."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_account(account: str | None) -> str:
    """Bank account: only the last four digits stay."""
    if not account:
        return ""
    if len(account) <= 4:
        return "*" * len(account)
    return "*" * (len(account) - 4) + account[-4:]


def mask_phone(phone: str | None) -> str:
    """13812341234 → 138****1234."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


SENSITIVE_KEYS = frozenset({"id_number", "phone", "account_no", "account", "card_no", "password"})


def mask_value(key: str, value: object) -> object:
    """Mask one value of an audit or log record by the name of its field."""
    if value is None or not isinstance(value, str):
        return value
    if key == "password":
        return "******"
    if key == "id_number":
        return mask_id_number(value)
    if key == "phone":
        return mask_phone(value)
    if key in {"account_no", "account", "card_no"}:
        return mask_account(value)
    if key in {"name", "holder_name"}:
        return mask_name(value)
    return value


def mask_record(record: dict[str, object]) -> dict[str, object]:
    """A copy of a flat record with every sensitive field masked."""
    return {k: mask_value(k, v) for k, v in record.items()}
