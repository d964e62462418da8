"""Persons, households, agent banks, social security card accounts and the outside registries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yikatong.core.fields import EncryptedTextField
from yikatong.core.models import Department, Region
from yikatong.core.restrict import RestrictedManager, Scope


class BankFileFormat(models.TextChoices):
    FLAT = "flat", _("代发文件（GBK 文本）")
    ISO20022 = "iso20022", _("ISO 20022 pain.001/pain.002")


class AgentBank(models.Model):
    """代发银行: a bank chosen by finance to pay subsidies onto social security cards."""

    code = models.CharField(_("银行代码"), max_length=12, unique=True)
    name = models.CharField(_("银行名称"), max_length=64, unique=True)
    branch = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("县支行（操作员所属部门）"),
    )
    file_format = models.CharField(
        _("代发文件格式"), max_length=16, choices=BankFileFormat.choices, default=BankFileFormat.FLAT
    )
    agreement_no = models.CharField(_("代发协议编号"), max_length=64, blank=True)
    free_of_charge = models.BooleanField(_("免收代发手续费"), default=True)
    sms_notice = models.BooleanField(_("逐笔短信告知"), default=True)
    service_points = models.TextField(_("服务网点"), blank=True)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("代发银行")
        verbose_name_plural = _("代发银行")

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """户: a registered household of a village; household subsidies are paid to its head's card."""

    household_no = models.CharField(_("户编号"), max_length=40, unique=True)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("村/社区"))

    scope = Scope(region="village__code")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self) -> str:
        return self.household_no


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Person(models.Model):
    """受益人: a resident identified by the ID number, which is stored only encrypted and as a blind index."""

    id_number = EncryptedTextField(_("身份证号"), context="person.id_number")
    id_bidx = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(_("姓名"), max_length=32, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    phone = EncryptedTextField(_("联系电话"), blank=True, default="", context="person.phone")
    phone_bidx = models.CharField(max_length=64, blank=True, default="", editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("村/社区"))
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("户"),
    )
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    scope = Scope(region="village__code")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("受益人")
        verbose_name_plural = _("受益人")

    def __str__(self) -> str:
        return self.name


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    LOST = "lost", _("挂失")
    FROZEN = "frozen", _("冻结")
    CLOSED = "closed", _("注销")


OPEN_CARD = ~Q(status=CardStatus.CLOSED)


class SocialSecurityCard(models.Model):
    """社保卡金融账户: a person's social security card and its account at an agent bank.

    A person has at most one card that is not closed (a database constraint); a closed card stays as
    history. An account belongs to one open card only, so it cannot pay two people.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="cards", verbose_name=_("持卡人")
    )
    bank = models.ForeignKey(AgentBank, on_delete=models.PROTECT, verbose_name=_("代发银行"))
    card_no = EncryptedTextField(_("社保卡号"), blank=True, default="", context="card.card_no")
    account_no = EncryptedTextField(_("银行账号"), context="card.account_no")
    # Indexed through the partial unique constraint below (open cards), which is what look-ups need.
    account_bidx = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("卡状态"), max_length=16, choices=CardStatus.choices, default=CardStatus.ACTIVE
    )
    opened_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    scope = Scope(region="person__village__code")
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("社保卡账户")
        verbose_name_plural = _("社保卡账户")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=OPEN_CARD, name="one_open_card_per_person"),
            models.UniqueConstraint(
                fields=["account_bidx"], condition=OPEN_CARD, name="one_open_card_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.get_status_display()}"


class CardChange(models.Model):
    """社保卡变更记录: one change of a card after its registration (lost, frozen, closed, replaced).

    The registration itself is the card row (``opened_at``), so a county's first import of a million cards
    writes no million history rows.
    """

    card = models.ForeignKey(SocialSecurityCard, on_delete=models.PROTECT, related_name="changes")
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16)

    reason = models.CharField(_("原因"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("时间"), default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("社保卡变更记录")
        verbose_name_plural = _("社保卡变更记录")

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"

    def from_label(self) -> str:
        """The old state in the page's language (正常、挂失…), "—" for a new card."""
        return str(CardStatus(self.from_status).label) if self.from_status in CardStatus.values else "—"

    def to_label(self) -> str:
        """The new state in the page's language."""
        return (
            str(CardStatus(self.to_status).label) if self.to_status in CardStatus.values else self.to_status
        )


class RegistryKind(models.TextChoices):
    PERSONS = "persons", _("人员")
    CARDS = "cards", _("社保卡账户")
    DEATHS = "deaths", _("死亡人员")
    CADRES = "cadres", _("村干部及财政供养人员")
    LAND = "land", _("土地承包")


class RegistrySnapshot(models.Model):
    """比对数据快照: one dated import of a registry, so a check can say which data it used."""

    kind = models.CharField(_("数据类别"), max_length=16, choices=RegistryKind.choices)
    source = models.CharField(_("数据来源"), max_length=100)
    as_of = models.DateField(_("数据截止日期"))
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("内容摘要"), max_length=64)
    rows = models.IntegerField(_("行数"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    uploaded_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("比对数据快照")
        verbose_name_plural = _("比对数据快照")
        constraints = [models.UniqueConstraint(fields=["kind", "sha256"], name="one_snapshot_per_content")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.as_of}（{self.source}）"


class DeathRecord(models.Model):
    """死亡登记: one death in a deaths snapshot."""

    snapshot = models.ForeignKey(RegistrySnapshot, on_delete=models.CASCADE, related_name="deaths")
    id_number = EncryptedTextField(_("身份证号"), context="death.id_number")
    id_bidx = models.CharField(max_length=64, db_index=True)
    name = models.CharField(_("姓名"), max_length=32)
    death_date = models.DateField(_("死亡日期"))

    class Meta:
        verbose_name = _("死亡登记")
        verbose_name_plural = _("死亡登记")

    def __str__(self) -> str:
        return f"{self.name} {self.death_date}"


class CadreRecord(models.Model):
    """村干部及财政供养人员: one cadre or public official in a cadres snapshot."""

    snapshot = models.ForeignKey(RegistrySnapshot, on_delete=models.CASCADE, related_name="cadres")
    id_number = EncryptedTextField(_("身份证号"), context="cadre.id_number")
    id_bidx = models.CharField(max_length=64, db_index=True)
    name = models.CharField(_("姓名"), max_length=32)
    village_code = models.CharField(_("村代码"), max_length=12, db_index=True)
    position = models.CharField(_("职务"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("村干部及财政供养人员")
        verbose_name_plural = _("村干部及财政供养人员")

    def __str__(self) -> str:
        return f"{self.name} {self.position}"


class LandContract(models.Model):
    """承包地确权: one household's contracted area in a land snapshot."""

    snapshot = models.ForeignKey(RegistrySnapshot, on_delete=models.CASCADE, related_name="land")
    household_no = models.CharField(_("户编号"), max_length=40, db_index=True)
    contractor_id_number = EncryptedTextField(_("承包方身份证号"), context="land.contractor_id_number")
    contractor_id_bidx = models.CharField(max_length=64, db_index=True)
    village_code = models.CharField(_("村代码"), max_length=12, db_index=True)
    contract_area_mu = models.DecimalField(_("承包面积（亩）"), max_digits=14, decimal_places=4)

    class Meta:
        verbose_name = _("土地承包")
        verbose_name_plural = _("土地承包")

    def __str__(self) -> str:
        return f"{self.household_no} {self.contract_area_mu}亩"


class ImportStatus(models.TextChoices):
    LOADED = "loaded", _("已导入")
    PARTIAL = "partial", _("部分导入（错误行未导入）")
    UNCHANGED = "unchanged", _("无变化")
    CHECKED = "checked", _("试导入（未写入）")
    REFUSED = "refused", _("含错误行，未导入")
    UNREADABLE = "unreadable", _("文件无法读取")


class ImportBatch(models.Model):
    """数据导入批次: one uploaded registry file, what became of each of its rows, and its error report."""

    kind = models.CharField(_("数据类别"), max_length=16, choices=RegistryKind.choices)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True)
    encoding = models.CharField(_("编码"), max_length=16, blank=True)
    status = models.CharField(_("结果"), max_length=16, choices=ImportStatus.choices)
    message = models.TextField(_("说明"), blank=True)
    dry_run = models.BooleanField(_("试导入"), default=False)
    accept_partial = models.BooleanField(_("允许部分导入"), default=False)
    total_rows = models.IntegerField(_("总行数"), default=0)
    inserted = models.IntegerField(_("新增"), default=0)
    updated = models.IntegerField(_("更新"), default=0)
    unchanged = models.IntegerField(_("未变"), default=0)
    rejected = models.IntegerField(_("错误行"), default=0)
    unknown_columns = models.JSONField(_("未识别的列"), default=list)
    report_csv = models.CharField(_("错误报告（CSV）"), max_length=300, blank=True)
    report_xlsx = models.CharField(_("错误报告（Excel）"), max_length=300, blank=True)
    snapshot = models.ForeignKey(RegistrySnapshot, on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    region_code = models.CharField(_("区划"), max_length=12, db_index=True)
    created_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    scope = Scope(region="region_code")
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("数据导入批次")
        verbose_name_plural = _("数据导入批次")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"
