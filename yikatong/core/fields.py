"""Model fields that keep personal data encrypted at rest."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

from yikatong.core.crypto import key_ring


class EncryptedTextField(models.TextField):
    """A text column that holds AES-GCM ciphertext; Python code sees the clear value.

    Pair it with a ``*_bidx`` CharField filled from :func:`blind_index` for exact look-ups: the
    ciphertext is randomised, so it cannot be searched or made unique itself.
    """

    def __init__(self, *args: Any, context: str = "", **kwargs: Any) -> None:
        self.context = context
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.context:
            kwargs["context"] = self.context
        return name, path, args, kwargs

    def _context(self) -> str:
        return self.context or self.name

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> Any:
        if value is None or value == "":
            return value
        return key_ring().decrypt(value, context=self._context())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return key_ring().encrypt(str(value), context=self._context())


def blind_index(value: str | None, *, context: str) -> str | None:
    """The blind index stored beside an encrypted field, for ``filter(<field>_bidx=...)``."""
    if value is None or value == "":
        return None
    return key_ring().blind_index(value, context=context)
