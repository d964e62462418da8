"""The agent banks' file settings the county starts with (an admin changes them on the bank page)."""

from __future__ import annotations

from yikatong.payments.domain import flatfile
from yikatong.payments.models import BankSetup
from yikatong.registry.models import AgentBank, BankFileFormat

# 12-digit CNAPS codes (bank code, city code 2727 for 大兴安岭, branch) and the county's 代发 unit codes.
BANK_SETUPS = {
    "103": ("103272700011", "TH0001"),
    "105": ("105272700023", "TH0002"),
    "403": ("403272700035", "TH0003"),
    "102": ("102272700047", "TH0004"),
    "402": ("402272700059", "TH0005"),
}


def load_bank_setups() -> int:
    """Give every agent bank without settings its CNAPS code, unit code and a ready flat layout."""
    names = list(flatfile.READY_LAYOUTS)
    created = 0
    for index, bank in enumerate(AgentBank.objects.filter(setup__isnull=True).order_by("code")):
        cnaps, unit = BANK_SETUPS.get(bank.code, (f"{bank.code[:3]:0>3}27270{index:04d}", f"TH9{index:03d}"))
        layout_name = "" if bank.file_format == BankFileFormat.ISO20022 else names[index % len(names)]
        BankSetup.objects.create(bank=bank, cnaps=cnaps, unit_code=unit, layout_name=layout_name)
        created += 1
    return created
