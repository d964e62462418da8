"""In-platform checks: the same engine over the platform's own tables instead of files.

Lines are roster lines of a period that are on their way to payment (accepted by the township or approved
by the department), each with the account it would be paid to (the person's open card). Registries are the
registry tables and the latest outside snapshots; ID numbers and accounts are decrypted column by column
for the run only and never leave the process. Findings name the roster line by its id.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import polars as pl
from django.utils import timezone

from yikatong.checks.engine.inputs import AuditInputs
from yikatong.checks.engine.rules import yuan
from yikatong.core.crypto import key_ring
from yikatong.core.periods import Period
from yikatong.core.tables import read_frame
from yikatong.policies.models import PolicyVersion
from yikatong.policies.selectors import published_in_force, standard_of
from yikatong.registry.models import RegistryKind, RegistrySnapshot

IN_FLIGHT = ("accepted", "approved")


def _decrypt(frame: pl.DataFrame, column: str, context: str, into: str) -> pl.DataFrame:
    ring = key_ring()
    clear = [ring.decrypt(v, context=context) if v else None for v in frame[column].to_list()]
    return frame.with_columns(pl.Series(into, clear, dtype=pl.String)).drop(column)


def _quantity(frame: pl.DataFrame) -> pl.DataFrame:
    # The roster reader's canonical quantity has four decimals; SQLite may hand back "1" or "1.0".
    values = [f"{Decimal(v):.4f}" if v is not None else None for v in frame["quantity"].to_list()]
    return frame.with_columns(pl.Series("quantity", values, dtype=pl.String))


def _lines(period: str, states: Iterable[str], policy_code: str | None, region_prefix: str) -> pl.DataFrame:
    marks = ", ".join(["%s"] * len(tuple(states)))
    sql = (
        "SELECT l.id AS row_no, l.id AS line_no, pol.code AS policy_code, l.period, p.id_number AS enc_id, "
        "p.name, r.village_id AS village_code, CAST(l.quantity AS varchar(24)) AS quantity, l.amount_fen, "
        "c.account_no AS enc_account "
        "FROM rosters_rosterline l JOIN rosters_roster r ON r.id = l.roster_id "
        "JOIN policies_policy pol ON pol.id = l.policy_id JOIN registry_person p ON p.id = l.person_id "
        "LEFT JOIN registry_socialsecuritycard c ON c.person_id = p.id AND c.status <> 'closed' "
        f"WHERE l.period = %s AND l.state IN ({marks}) AND r.village_id LIKE %s"
    )
    params: list[Any] = [period, *states, f"{region_prefix}%"]
    if policy_code:
        sql += " AND pol.code = %s"
        params.append(policy_code)
    frame = read_frame(sql, params, schema={"row_no": pl.Int64, "line_no": pl.Int64, "amount_fen": pl.Int64})
    if frame.height == 0:
        return pl.DataFrame(
            schema={
                **dict.fromkeys(["policy_code", "period", "id_number", "name", "village_code"], pl.String),
                **{"quantity": pl.String, "amount": pl.String, "account_no": pl.String},
                **{"row_no": pl.Int64, "line_no": pl.Int64},
            }
        )
    frame = _decrypt(frame, "enc_id", "person.id_number", "id_number")
    frame = _decrypt(frame, "enc_account", "card.account_no", "account_no")
    return _quantity(frame).with_columns(yuan(pl.col("amount_fen")).alias("amount")).drop("amount_fen")


def _persons() -> pl.DataFrame:
    frame = read_frame(
        "SELECT p.id_number AS enc_id, p.name, p.gender, CAST(p.birth_date AS varchar(10)) AS birth_date, "
        "p.village_id AS village_code, h.household_no AS household_id, p.relation "
        "FROM registry_person p LEFT JOIN registry_household h ON h.id = p.household_id"
    )
    return _decrypt(frame, "enc_id", "person.id_number", "id_number")


def _cards() -> pl.DataFrame:
    frame = read_frame(
        "SELECT p.id_number AS enc_id, p.name AS holder_name, b.code AS bank_code, "
        "c.account_no AS enc_account, c.status FROM registry_socialsecuritycard c "
        "JOIN registry_person p ON p.id = c.person_id JOIN registry_agentbank b ON b.id = c.bank_id"
    )
    frame = _decrypt(frame, "enc_id", "person.id_number", "id_number")
    return _decrypt(frame, "enc_account", "card.account_no", "account_no")


def _snapshot(kind: str) -> RegistrySnapshot | None:
    return RegistrySnapshot.objects.filter(kind=kind).order_by("-uploaded_at").first()


def _policies(period: Period) -> pl.DataFrame:
    rows = []
    version: PolicyVersion
    for version in published_in_force(period.start):
        for band in version.bands.all():
            rows.append(
                {
                    "code": version.policy.code,
                    "name": version.name,
                    "unit": version.unit,
                    "rate": f"{band.rate:f}",
                    "min_age": None if band.min_age is None else str(band.min_age),
                    "max_age": None if band.max_age is None else str(band.max_age),
                    "means_tested": "true" if version.means_tested else "false",
                    "exclusive_with": ";".join(version.exclusive_with or []) or None,
                }
            )
    return pl.DataFrame(rows, schema=dict.fromkeys(
        ["code", "name", "unit", "rate", "min_age", "max_age", "means_tested", "exclusive_with"], pl.String
    ))  # fmt: skip


def platform_inputs(
    *,
    period: Period,
    policy_code: str | None = None,
    region_prefix: str = "",
    states: Iterable[str] = IN_FLIGHT,
) -> AuditInputs:
    """Everything one check run needs, loaded once from the database."""
    states = tuple(states)
    inputs = AuditInputs(
        period=period,
        lines=_lines(str(period), states, policy_code, region_prefix),
        persons=_persons(),
        cards=_cards(),
        policies=_policies(period),
        previous=_lines(str(period.previous()), ("approved",), policy_code, region_prefix),
    )
    sources: dict[str, str] = {}
    deaths = _snapshot(RegistryKind.DEATHS)
    if deaths is not None:
        frame = read_frame(
            "SELECT id_number AS enc_id, name, CAST(death_date AS varchar(10)) AS death_date "
            "FROM registry_deathrecord WHERE snapshot_id = %s",
            [deaths.pk],
        )
        inputs.deaths = _decrypt(frame, "enc_id", "death.id_number", "id_number")
        sources["deaths"] = f"{deaths.source}，{timezone.localtime(deaths.uploaded_at):%Y-%m}导入"
    cadres = _snapshot(RegistryKind.CADRES)
    if cadres is not None:
        frame = read_frame(
            "SELECT id_number AS enc_id, name, village_code, position FROM registry_cadrerecord "
            "WHERE snapshot_id = %s",
            [cadres.pk],
        )
        inputs.cadres = _decrypt(frame, "enc_id", "cadre.id_number", "id_number")
        sources["cadres"] = f"{cadres.source}，{timezone.localtime(cadres.uploaded_at):%Y-%m}导入"
    land = _snapshot(RegistryKind.LAND)
    if land is not None:
        frame = read_frame(
            "SELECT household_no AS household_id, contractor_id_number AS enc_id, village_code, "
            "CAST(contract_area_mu AS varchar(24)) AS contract_area_mu FROM registry_landcontract "
            "WHERE snapshot_id = %s",
            [land.pk],
        )
        frame = _decrypt(frame, "enc_id", "land.contractor_id_number", "contractor_id_number")
        areas = [f"{Decimal(v):.4f}" for v in frame["contract_area_mu"].to_list()]
        inputs.land = frame.with_columns(pl.Series("contract_area_mu", areas, dtype=pl.String))
        sources["land"] = f"{land.source}，{timezone.localtime(land.uploaded_at):%Y-%m}导入"
    inputs.sources = sources
    # The platform's rate tables come straight from the published versions, tiers included, rather than
    # from the flat FORMATS rows that files carry (which cannot say "一级/二级").
    inputs.cache["standards"] = {v.policy.code: standard_of(v) for v in published_in_force(period.start)}
    return inputs
