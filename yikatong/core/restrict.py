"""Row-level access: the one queryset restriction that every view, API endpoint and export goes through.

In the manner of NetBox's ``RestrictedQuerySet``: a model says which field holds the region code of a row
(and, where it applies, which field holds the owning department); ``restrict(user, action)`` keeps only the
rows inside the user's region subtree and, for department-scoped users, their department's rows.

"Which rows" lives here, below every app; "which actions" is the permission table
(``accounts/permissions.py``). The user is asked only for what it says of itself (``region_prefix``,
``department_scoped``, ``read_only``), so this module knows no roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class Scope:
    """Where a model keeps the region code of a row, and optionally its owning department."""

    region: str
    department: str | None = None
    # Rows that apply to their whole region (a county's policies) are seen by everyone inside it as well;
    # they are still changed only by users whose own region covers them.
    shared_down: bool = False


class AccessDenied(PermissionDenied):
    """A user acted on a row outside their scope, or with a role that may not take the action.

    A PermissionDenied, so a screen answers it with the 403 page; the API answers 403 with the message,
    the command line prints it on one line and exits 1.
    """


def scope_of(model: type[models.Model]) -> Scope:
    """The model's declared Scope; every restricted model must declare one."""
    scope = getattr(model, "scope", None)
    if not isinstance(scope, Scope):
        raise TypeError(f"{model.__name__} declares no row scope")
    return scope


def _ancestors(code: str) -> list[str]:
    """A region code with the codes of its township and county."""
    return sorted({code, code[:9] + "000", code[:6] + "000000"})


def scope_filter(user: Any, scope: Scope, action: str = "view") -> Q | None:
    """The Q that keeps a user's rows, or None when they may see nothing."""
    if not user.is_authenticated or not user.is_active or user.region_id is None:
        return None
    condition = Q(**{f"{scope.region}__startswith": user.region_prefix})
    if scope.shared_down and action == "view":
        condition |= Q(**{f"{scope.region}__in": _ancestors(str(user.region_id))})
    if scope.department and getattr(user, "department_scoped", False):
        condition &= Q(**{scope.department: user.department_id})
    return condition


class RestrictedQuerySet(models.QuerySet[_M]):
    """A queryset that can be restricted to what a user may see or change."""

    def restrict(self, user: Any, action: str = "view") -> Self:
        """Keep only rows the user may ``view`` or ``change``."""
        if user is None:
            return self.none()
        if action not in {"view", "change"}:
            raise ValueError(f"unknown action {action!r}")
        if action == "change" and getattr(user, "read_only", False):
            return self.none()
        condition = scope_filter(user, scope_of(self.model), action)
        if condition is None:
            return self.none()
        return self.filter(condition)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def ensure_in_scope(user: Any, obj: models.Model, action: str = "change") -> None:
    """Re-check inside a write's transaction that the row is still the user's to change."""
    model = type(obj)
    manager = model._default_manager
    queryset = manager.all()
    if (
        not isinstance(queryset, RestrictedQuerySet)
        or not queryset.restrict(user, action).filter(pk=obj.pk).exists()
    ):
        raise AccessDenied("无权操作该数据（超出本人所属区划或部门范围）")
