"""Field encryption (AES-256-GCM) and keyed blind indexes (HMAC-SHA256) for personal data.

Ciphertext is stored as text ``v1:<key id>:<base64(nonce || ciphertext || tag)>`` so that bulk loaders
(PostgreSQL COPY, Polars) can move it like any other column, and so that a key can be rotated: the key id
says which key decrypts a value. Blind indexes are deterministic HMACs over the normalised clear value,
keyed with a key derived from one fixed key of the ring, so that exact look-ups survive a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"
NONCE_BYTES = 12
# 128 bits of HMAC-SHA256: collisions are out of reach for any population, and the indexes stay half as big.
BLIND_INDEX_CHARS = 32


class DecryptionError(ValueError):
    """A stored value cannot be decrypted with any key of the ring."""


@dataclass(frozen=True)
class KeyRing:
    """The encryption keys in force: the first encrypts, every one decrypts."""

    keys: dict[str, bytes]
    active_id: str
    index_key: bytes

    def encrypt(self, clear: str, *, context: str) -> str:
        """Encrypt one value; ``context`` (the field's name) is bound as associated data."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active_id]).encrypt(nonce, clear.encode(), context.encode())
        return f"{PREFIX}:{self.active_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, *, context: str) -> str:
        """Decrypt one stored value, naming no part of it in the error."""
        try:
            version, key_id, payload = stored.split(":", 2)
            raw = base64.b64decode(payload)
            key = self.keys[key_id]
        except (ValueError, KeyError) as exc:
            raise DecryptionError("密文格式错误或密钥不存在") from exc
        if version != PREFIX:
            raise DecryptionError("不支持的密文版本")
        try:
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except Exception as exc:  # cryptography raises InvalidTag without detail
            raise DecryptionError("密文校验失败") from exc

    def blind_index(self, clear: str, *, context: str) -> str:
        """Keyed, deterministic index of a normalised value for exact look-up."""
        digest = hmac.new(self.index_key, f"{context}\x00{clear}".encode(), hashlib.sha256).hexdigest()
        return digest[:BLIND_INDEX_CHARS]

    def decrypt_many(self, values: Sequence[str | None], *, context: str) -> list[str | None]:
        """Decrypt a whole column (one cipher object per key, not per value); None and "" stay None."""
        ciphers = {key_id: AESGCM(key) for key_id, key in self.keys.items()}
        ad = context.encode()
        head = f"{PREFIX}:"
        b64decode = base64.b64decode
        out: list[str | None] = []
        for stored in values:
            if not stored:
                out.append(None)
                continue
            try:
                if not stored.startswith(head):
                    raise ValueError(stored[:3])
                key_id, payload = stored[len(head) :].split(":", 1)
                raw = b64decode(payload)
                cipher = ciphers[key_id]
            except (ValueError, KeyError) as exc:
                raise DecryptionError("密文格式错误、版本不支持或密钥不存在") from exc
            try:
                out.append(cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], ad).decode())
            except Exception as exc:  # cryptography raises InvalidTag without detail
                raise DecryptionError("密文校验失败") from exc
        return out

    def encrypt_many(self, values: Sequence[str | None], *, context: str) -> list[str | None]:
        """Encrypt a whole column; None stays None."""
        aead = AESGCM(self.keys[self.active_id])
        ad = context.encode()
        head = f"{PREFIX}:{self.active_id}:"
        out: list[str | None] = []
        for value in values:
            if value is None:
                out.append(None)
                continue
            nonce = os.urandom(NONCE_BYTES)
            out.append(head + base64.b64encode(nonce + aead.encrypt(nonce, value.encode(), ad)).decode())
        return out

    def blind_index_many(self, values: Iterable[str | None], *, context: str) -> list[str | None]:
        """Blind indexes for a whole column; None stays None."""
        prefix = f"{context}\x00".encode()
        base = hmac.new(self.index_key, prefix, hashlib.sha256)
        out: list[str | None] = []
        for value in values:
            if value is None:
                out.append(None)
                continue
            h = base.copy()
            h.update(value.encode())
            out.append(h.hexdigest()[:BLIND_INDEX_CHARS])
        return out


def parse_key_ring(spec: str, index_key_id: str = "") -> KeyRing:
    """Parse ``kid:base64key[,kid:base64key...]``; each key must be 32 bytes."""
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not key_id.isalnum():
            raise ImproperlyConfigured("YIKATONG_DATA_KEY 格式应为 “密钥编号:Base64密钥”，多个以逗号分隔")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured(f"YIKATONG_DATA_KEY 中密钥 {key_id} 不是有效的 Base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"YIKATONG_DATA_KEY 中密钥 {key_id} 长度须为 32 字节")
        keys[key_id] = key
    if not keys:
        raise ImproperlyConfigured("缺少环境变量 YIKATONG_DATA_KEY（个人信息加密密钥），平台拒绝启动")
    ids = list(keys)
    # The blind-index key stays with the oldest key (listed last) unless named, so rotation keeps look-ups.
    index_id = index_key_id or ids[-1]
    if index_id not in keys:
        raise ImproperlyConfigured(f"YIKATONG_INDEX_KEY_ID 指定的密钥 {index_id} 不在 YIKATONG_DATA_KEY 中")
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=b"yikatong-blind-index", info=b"v1")
    return KeyRing(keys=keys, active_id=ids[0], index_key=hkdf.derive(keys[index_id]))


def generate_key_spec(key_id: str = "k1") -> str:
    """A fresh key ring specification with one random key."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


@lru_cache(maxsize=1)
def _ring_for(spec: str, index_key_id: str) -> KeyRing:
    return parse_key_ring(spec, index_key_id)


def key_ring() -> KeyRing:
    """The process's key ring, from settings."""
    return _ring_for(settings.YIKATONG_DATA_KEY, settings.YIKATONG_INDEX_KEY_ID)
