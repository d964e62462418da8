"""Users, their roles, departments and regions, and API tokens for departments' systems."""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from yikatong.accounts.roles import DEPARTMENT_SCOPED_ROLES, READ_ONLY_ROLES, Role
from yikatong.core.fields import EncryptedTextField
from yikatong.core.models import Department, Region, region_prefix
from yikatong.core.restrict import RestrictedQuerySet, Scope


class _UserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """工作人员: a staff user with one role in one department and one region."""

    full_name = models.CharField("姓名", max_length=32)
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, verbose_name="部门")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, verbose_name="所属区划")
    phone = EncryptedTextField("联系电话", blank=True, default="", context="user.phone")
    phone_bidx = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)

    scope = Scope(region="region__code", department="department_id")
    objects: ClassVar[_UserManager] = _UserManager()

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name or self.username}（{self.get_role_display()}）"

    @property
    def department_scoped(self) -> bool:
        """Whether the user's rows are further limited to their own department (policies owned, bank)."""
        return self.role in DEPARTMENT_SCOPED_ROLES

    @property
    def read_only(self) -> bool:
        """Whether the user's role only reads."""
        return self.role in READ_ONLY_ROLES

    @property
    def region_prefix(self) -> str:
        """The code prefix of the user's region subtree."""
        if self.region is None:
            return "\x00"  # matches no code
        return region_prefix(self.region.code, self.region.level)

    @property
    def display_name(self) -> str:
        """Name shown on screens."""
        return self.full_name or self.username


class ApiToken(models.Model):
    """API令牌: a secret that lets a department's system call the API as one user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="用户")
    name = models.CharField("用途", max_length=64)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    expires_at = models.DateTimeField("失效时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked = models.BooleanField("已吊销", default=False)
    # A department's token (数据共享): its user is the department's system account in one region, made for
    # it by an admin; a personal token leaves these empty.
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="部门"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="区划"
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="签发人"
    )

    class Meta:
        verbose_name = "API令牌"
        verbose_name_plural = "API令牌"

    def __str__(self) -> str:
        return f"{self.prefix}…（{self.name}）"

    @staticmethod
    def hash_key(key: str) -> str:
        """Tokens are stored only as their SHA-256."""
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        """A fresh token secret, shown to its owner once."""
        return "ykt_" + secrets.token_urlsafe(32)

    @property
    def for_department(self) -> bool:
        """A department's token (not one person's)."""
        return self.department_id is not None

    def is_usable(self) -> bool:
        """Not revoked and not expired."""
        return not self.revoked and (self.expires_at is None or self.expires_at > timezone.now())
