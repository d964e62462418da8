"""Django admin for reference data, open to the `admin` role only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest

from yikatong.accounts.permissions import allowed
from yikatong.audit.services import audit_record
from yikatong.core.models import Department, Region
from yikatong.core.restrict import RestrictedQuerySet


def _is_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and allowed(user, "reference.admin"))


admin.site.has_permission = _is_admin  # type: ignore[method-assign]


class AdminRoleOnly(admin.ModelAdmin[Any]):
    """Every permission belongs to the admin role, and to nobody else."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request)

    def get_queryset(self, request: HttpRequest) -> Any:
        """Restricted like every other screen, where the model is region-scoped."""
        queryset = super().get_queryset(request)
        if isinstance(queryset, RestrictedQuerySet):
            queryset = queryset.restrict(request.user, "change")
        return queryset

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reference data is retired, never deleted

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Save through the audit log, like every other change."""
        before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                action=f"{obj._meta.model_name}.{'change' if change else 'create'}",
                obj=obj,
                before=before,
                after=model_to_dict(obj),
            )


@admin.register(Region)
class RegionAdmin(AdminRoleOnly):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Department)
class DepartmentAdmin(AdminRoleOnly):
    list_display = ("code", "name", "kind", "region")
    list_filter = ("kind",)
    search_fields = ("code", "name")
