"""Region isolation of the data-sharing routes (collected by tests/test_region_isolation.py): each is
restricted through ``restrict`` or the admin's region prefix, and tested in tests/sharing."""

from __future__ import annotations

EXEMPT = {
    "api:change_feed": "the audit log restricted to the caller's region (and department's objects): "
    "tests/sharing/test_changes.py::test_the_feed_keeps_to_the_region, test_tokens.py (民政局/农业农村局)",
    "api:payment_results": "payments of PlanLine.restrict() only: "
    "tests/sharing/test_tokens.py (农业农村局 sees none)",
    "api:finding_results": "checks.selectors.finding_list (restrict): tests/sharing/test_tokens.py",
    "api:disclosure_status": "Disclosure.restrict() and the department's own policies",
    "api:token_list": "departments' tokens inside the admin's region prefix only",
    "api:token_create": "department_token_create refuses a region outside the admin's own",
    "api:token_revoke": "found among the admin's region's tokens (404 outside); "
    "api_token_revoke checks again",
    "api:sharing_status": "SharingUse.restrict(); registry freshness is county-wide reference, no rows",
    "sharing:tokens": "the screen of api:token_list / api:token_create (same selector and service): "
    "tests/sharing/test_tokens.py::test_another_townships_admin_and_finance_see_none_of_a_townships_tokens_or_uses",
    "sharing:token_revoke": "the screen of api:token_revoke (404 outside the admin's region): "
    "tests/sharing/test_tokens.py::test_another_townships_admin_and_finance_see_none_of_a_townships_tokens_or_uses",
    "sharing:status": "the screen of api:sharing_status (SharingUse.restrict()): "
    "tests/sharing/test_tokens.py::test_another_townships_admin_and_finance_see_none_of_a_townships_tokens_or_uses",
}
