"""The signed-in user and the staff of their region through the API."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from yikatong.accounts.models import User
from yikatong.accounts.permissions import may_see_clear, requires
from yikatong.core.masking import mask_phone

router = Router(tags=["用户 users"])


class UserOut(Schema):
    username: str
    full_name: str
    role: str
    role_display: str
    department: str | None
    region: str | None
    phone: str


def _out(user: User, viewer: User) -> UserOut:
    return UserOut(
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        role_display=user.get_role_display(),
        department=user.department.name if user.department else None,
        region=user.region_id,
        phone=user.phone
        if viewer.pk == user.pk or may_see_clear(viewer, "phone")
        else mask_phone(user.phone),
    )


@router.get("/me", response=UserOut, summary="当前用户")
@requires("workbench.view")
def me(request: HttpRequest) -> UserOut:
    user: User = request.user  # type: ignore[assignment]
    return _out(user, user)


@router.get("/users", response=list[UserOut], summary="本人区划（及部门）范围内的工作人员")
@requires("staff.view")
def user_list(request: HttpRequest) -> list[UserOut]:
    viewer: User = request.user  # type: ignore[assignment]
    users = User.objects.restrict(viewer, "view").select_related("department")
    return [_out(u, viewer) for u in users[:1000]]
