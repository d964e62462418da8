"""The money's rules held by the database itself, as migrated (not only as the models declare them)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _constraints(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def test_payments_keep_their_unique_rules() -> None:
    found = _constraints("payments_payment")
    for name in (
        "one_payment_per_line_attempt",
        "one_payment_in_flight_per_line",
        "one_paid_payment_per_line",
        "payment_end_to_end_id_unique",
    ):
        assert name in found and found[name]["unique"], name
    # No second index on what another index already leads with (each costs every payment's write).
    single = {tuple(c["columns"]) for c in found.values() if c["index"] and not c["unique"]}
    assert ("batch_id",) not in single and ("line_id",) not in single


def test_plan_lines_keep_one_open_plan_per_roster_line() -> None:
    found = _constraints("payments_planline")
    assert found["one_open_plan_per_line"]["unique"]
    assert found["plan_line_amount_positive"]["check"]
    keys = {c["foreign_key"][0] for c in found.values() if c["foreign_key"]}
    assert "rosters_rosterline" in keys and "payments_disbursementplan" in keys
