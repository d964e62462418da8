"""Writes on users and API tokens; each one audited in its own transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yikatong.accounts.models import ApiToken, User
from yikatong.accounts.permissions import authorize
from yikatong.accounts.roles import Role
from yikatong.audit.services import audit_record
from yikatong.core.fields import blind_index
from yikatong.core.models import Department, Region, county
from yikatong.core.restrict import AccessDenied


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "department": user.department.code if user.department else None,
        "region": user.region_id,
        "phone": user.phone,
        "is_active": user.is_active,
    }


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    full_name: str,
    role: str,
    region_code: str,
    department_code: str,
    phone: str = "",
    actor: User | None,
    check_password_strength: bool = True,
) -> User:
    """Create a staff user in a region and department; an admin may only create inside their own region."""
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = f"未知角色“{role}”，可选：{'、'.join(Role.values)}"
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        errors["region"] = f"区划代码 {region_code} 不存在"
    department = Department.objects.filter(code=department_code).first()
    if department is None:
        errors["department"] = f"部门代码 {department_code} 不存在"
    if User.objects.filter(username=username).exists():
        errors["username"] = f"登录名 {username} 已被使用"
    if errors:
        raise ValidationError(errors)
    assert region is not None and department is not None
    if actor is not None:
        authorize(actor, "staff.create")
        if not region.code.startswith(actor.region_prefix):
            raise AccessDenied("只有本区划的系统管理员可以新建用户")
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        region=region,
        department=department,
        phone=phone,
        phone_bidx=blind_index(phone, context="user.phone") or "",
        is_staff=role == Role.ADMIN,
        is_superuser=False,
    )
    if check_password_strength:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(
        action="user.create", obj=user, after=_user_snapshot(user), actor=actor, region_code=region.code
    )
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: User) -> tuple[ApiToken, str]:
    """Issue a token for a user's system; the secret is returned once and stored only hashed."""
    authorize(actor, "token.manage" if actor.pk == user.pk else "token.manage_others")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:12], key_hash=ApiToken.hash_key(key))
    audit_record(
        action="api_token.create", obj=token, after={"user": user.username, "name": name}, actor=actor
    )
    return token, key


# The roles a department's system may act in: what its staff do on screen, no more.
SYSTEM_ROLES = (Role.DEPT_REVIEWER, Role.HRSS, Role.FINANCE, Role.VILLAGE_CLERK, Role.TOWNSHIP_REVIEWER)


def system_username(*, department: Department, region: Region, role: str) -> str:
    """The login name of a department's system account in a region (never signs in: no password)."""
    return f"api.{department.code}.{region.code}.{role}"[:150]


@transaction.atomic
def department_token_create(
    *,
    department_code: str,
    region_code: str,
    role: str,
    name: str,
    expires_at: dt.datetime,
    actor: User,
) -> tuple[ApiToken, str]:
    """Issue a department's token (数据共享): scoped to one department and one region, with an expiry.

    The token acts as the department's system account in that region (made here on first use, with no
    password, so it never signs in on screen): every check of the platform — the permission table, the
    region subtree, the department's own policies — applies to it as to the department's staff.
    """
    authorize(actor, "token.manage_others")
    errors: dict[str, str] = {}
    department = Department.objects.filter(code=department_code).first()
    if department is None:
        errors["department"] = f"部门代码 {department_code} 不存在"
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        errors["region"] = f"区划代码 {region_code} 不存在"
    if role not in SYSTEM_ROLES:
        errors["role"] = f"接口账号的角色应为{'、'.join(str(Role(r).label) for r in SYSTEM_ROLES)}之一"
    if not name.strip():
        errors["name"] = "请填写令牌用途"
    if expires_at <= timezone.now():
        errors["expires_at"] = "失效时间应晚于现在"
    elif expires_at > timezone.now() + dt.timedelta(days=731):
        errors["expires_at"] = "令牌有效期最长两年"
    if errors:
        raise ValidationError(errors)
    assert department is not None and region is not None
    if not region.code.startswith(actor.region_prefix):
        raise AccessDenied("只能为本区划及下级签发部门令牌")
    username = system_username(department=department, region=region, role=role)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            full_name=f"{department.short_name or department.name}接口（{region.name}）"[:32],
            role=role,
            region=region,
            department=department,
            is_staff=False,
            is_superuser=False,
        )
        user.set_unusable_password()
        user.save()
        audit_record(
            action="user.create",
            obj=user,
            after={**_user_snapshot(user), "department": department.name, "role": str(Role(role).label)},
            actor=actor,
            region_code=region.code,
        )
    elif not user.is_active:
        raise ValidationError({"role": "该部门接口账号已停用"})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:64],
        prefix=key[:12],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
        department=department,
        region=region,
        created_by=actor,
    )
    audit_record(
        action="api_token.create",
        obj=token,
        object_repr=f"{department.name}令牌（{token.name}）",
        after={
            "user": user.username,
            "name": token.name,
            "department": department.name,
            "region": region.code,
            "role": str(Role(role).label),
            "expires_at": expires_at.isoformat(),
        },
        actor=actor,
        region_code=region.code,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    """Revoke a token."""
    authorize(actor, "token.manage" if actor.pk == token.user_id else "token.manage_others")
    if token.region_id is not None and not str(token.region_id).startswith(actor.region_prefix):
        raise AccessDenied("只能吊销本区划及下级的部门令牌")
    token.revoked = True
    token.save(update_fields=["revoked"])
    audit_record(action="api_token.revoke", obj=token, actor=actor)


def login_record(*, user: User | None, username: str, succeeded: bool) -> None:
    """Audit a login attempt (failed attempts name the login tried, never the password)."""
    audit_record(
        action="login.success" if succeeded else "login.failed",
        object_type="accounts.user",
        object_id=str(user.pk) if user else "",
        object_repr=username[:64],
        actor=user,
        actor_name=username[:64],
        # A failed sign-in names no user: it belongs to the county, whose auditors must see it.
        region_code=str(user.region_id) if user and user.region_id else _county_code(),
    )


def _county_code() -> str:
    served = county()
    return served.code if served is not None else ""
