"""SMS gateways (短信通道): the one interface a notice goes out through, and the demo gateway.

A provider is a class with no constructor arguments named by ``settings.YIKATONG_SMS_PROVIDER``. Its two
methods fit the gateways Chinese governments buy (阿里云短信 SendSms/QuerySendDetails, 腾讯云短信
SendSms/PullSmsSendStatus, the carriers' own platforms):

- ``send`` takes one phone number, the gateway's registered template code (TemplateCode / TemplateId), the
  named parameters that fill it (TemplateParam JSON), the registered signature (SignName) and the notice's
  own reference (OutId / SessionContext, the outbox's dedup key, so a gateway that keeps it can refuse a
  repeat), and answers with the gateway's message id (BizId / SerialNo) or why it refused;
- ``status`` takes message ids the gateway gave and answers a delivery report for those it has one for
  (DELIVRD, or the reason it was not delivered); ids without a report yet are left out.

``send`` may raise on a network failure; the outbox counts that as a failed try. docs/notices.md says how a
real gateway plugs in.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class ProviderAnswer:
    """The gateway's answer to one message: accepted with its id, or refused and why (its own words)."""

    message_id: str
    accepted: bool
    error: str = ""


DELIVERED = "delivered"
UNDELIVERED = "failed"


@dataclass(frozen=True)
class DeliveryStatus:
    """A delivery report: delivered (and when), or not delivered and why."""

    state: str  # DELIVERED or UNDELIVERED
    error: str = ""
    at: dt.datetime | None = None


@runtime_checkable
class SmsProvider(Protocol):
    """What the outbox needs of an SMS gateway."""

    # Shown on the notices page, so nobody takes the demo gateway for a real one.
    label: str
    records_only: bool

    def send(
        self,
        phone: str,
        template_code: str,
        params: Mapping[str, str],
        signature: str,
        *,
        reference: str = "",
    ) -> ProviderAnswer:
        """Hand one message to the gateway."""
        ...

    def status(self, message_ids: Sequence[str]) -> dict[str, DeliveryStatus]:
        """Delivery reports for the given message ids (those without one yet are left out)."""
        ...


class RecordingProvider:
    """演示短信通道: sends nothing; the outbox row (its text on the notices page) is the record.

    Every message is accepted with a fresh id and reported delivered, except that numbers ending in
    ``YIKATONG_SMS_DEMO_REFUSE_SUFFIX`` are refused and numbers ending in
    ``YIKATONG_SMS_DEMO_UNDELIVERED_SUFFIX`` are reported undelivered, so failures and retries can be seen.
    It keeps nothing itself: whether a message is undelivered is carried in its id.
    """

    label = gettext_noop("演示短信通道（只记录在本平台，不真正发出）")
    records_only = True
    _UNDELIVERED_MARK = "-U"

    def send(
        self,
        phone: str,
        template_code: str,
        params: Mapping[str, str],
        signature: str,
        *,
        reference: str = "",
    ) -> ProviderAnswer:
        """Accept the message, or refuse a number with the demo's refusing ending."""
        refuse = settings.YIKATONG_SMS_DEMO_REFUSE_SUFFIX
        if refuse and phone.endswith(refuse):
            error = f"号码无效（演示通道：尾号{refuse}的号码一律拒收）"
            return ProviderAnswer("", accepted=False, error=error)
        message_id = f"REC{timezone.now():%Y%m%d}{secrets.token_hex(8)}"
        undelivered = settings.YIKATONG_SMS_DEMO_UNDELIVERED_SUFFIX
        if undelivered and phone.endswith(undelivered):
            message_id += self._UNDELIVERED_MARK
        return ProviderAnswer(message_id, accepted=True)

    def status(self, message_ids: Sequence[str]) -> dict[str, DeliveryStatus]:
        """Every message delivered now, except those marked undelivered when sent."""
        now = timezone.now()
        reports: dict[str, DeliveryStatus] = {}
        for message_id in message_ids:
            if not message_id.startswith("REC"):
                continue
            if message_id.endswith(self._UNDELIVERED_MARK):
                reports[message_id] = DeliveryStatus(UNDELIVERED, "用户手机关机或停机（演示通道）", now)
            else:
                reports[message_id] = DeliveryStatus(DELIVERED, "", now)
        return reports


@lru_cache(maxsize=4)
def _provider_class(path: str) -> type:
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"短信通道 YIKATONG_SMS_PROVIDER={path} 无法载入：{exc}") from exc


def sms_provider() -> SmsProvider:
    """The gateway the settings name (a new instance each time it is asked for)."""
    provider = _provider_class(settings.YIKATONG_SMS_PROVIDER)()
    if not isinstance(provider, SmsProvider):
        raise ImproperlyConfigured(
            f"短信通道 {settings.YIKATONG_SMS_PROVIDER} 不符合接口："
            "需要 label、records_only、send() 和 status()"
        )
    return provider
