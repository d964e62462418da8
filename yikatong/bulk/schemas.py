"""The columns of every uploaded table (docs: FORMATS.md "Registries", "Policies", "Rosters")."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = frozenset(
    {
        "id_number",
        "text",
        "name",
        "date",
        "village_code",
        "bank_code",
        "account",
        "phone",
        "decimal",
        "int",
        "enum",
        "period",
        "codes",
    }
)


@dataclass(frozen=True)
class Column:
    """One column of an uploaded table: its canonical name, its Chinese header and how its cells are read."""

    name: str
    chinese: str
    required: bool
    kind: str
    aliases: tuple[str, ...] = ()
    # decimal places a "decimal" column may carry; its canonical form always shows exactly this many
    places: int = 2
    # accepted spellings (Chinese or English, compared case-insensitively) → canonical code, for "enum"
    choices: tuple[tuple[str, str], ...] = ()
    # a "date" that cannot lie after the day of the upload (birth, death)
    not_future: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if (self.kind == "enum") != bool(self.choices):
            raise ValueError(f"column {self.name!r}: choices go with kind 'enum' and only with it")

    def headers(self) -> tuple[str, ...]:
        """Every header that names this column: the Chinese one, the English one and the aliases."""
        return (self.chinese, self.name, *self.aliases)


GENDERS = (("男", "M"), ("男性", "M"), ("male", "M"), ("m", "M"), ("女", "F"), ("女性", "F"), ("female", "F"),
           ("f", "F"))  # fmt: skip

# The relations of GB/T 4761 that registries spell out, folded into the platform's seven.
RELATIONS = (
    ("户主", "head"), ("本人", "head"), ("head", "head"),
    ("配偶", "spouse"), ("妻", "spouse"), ("妻子", "spouse"), ("夫", "spouse"), ("丈夫", "spouse"),
    ("spouse", "spouse"),
    ("子女", "child"), ("子", "child"), ("女", "child"), ("儿子", "child"), ("女儿", "child"),
    ("长子", "child"), ("次子", "child"), ("长女", "child"), ("次女", "child"), ("child", "child"),
    ("父母", "parent"), ("父亲", "parent"), ("母亲", "parent"), ("parent", "parent"),
    ("孙子女", "grandchild"), ("孙子", "grandchild"), ("孙女", "grandchild"), ("外孙子", "grandchild"),
    ("外孙女", "grandchild"), ("grandchild", "grandchild"),
    ("兄弟姐妹", "sibling"), ("兄", "sibling"), ("弟", "sibling"), ("姐", "sibling"), ("妹", "sibling"),
    ("哥哥", "sibling"), ("弟弟", "sibling"), ("姐姐", "sibling"), ("妹妹", "sibling"),
    ("sibling", "sibling"),
    ("其他", "other"), ("其它", "other"), ("other", "other"),
)  # fmt: skip

CARD_STATUSES = (
    ("正常", "active"), ("active", "active"),
    ("挂失", "lost"), ("lost", "lost"),
    ("冻结", "frozen"), ("frozen", "frozen"),
    ("注销", "closed"), ("销户", "closed"), ("closed", "closed"),
)  # fmt: skip

YES_NO = (
    ("是", "true"), ("yes", "true"), ("y", "true"), ("true", "true"), ("1", "true"),
    ("否", "false"), ("no", "false"), ("n", "false"), ("false", "false"), ("0", "false"),
)  # fmt: skip

UNITS = (("亩", "mu"), ("mu", "mu"), ("月", "month"), ("month", "month"), ("人", "person"),
         ("person", "person"), ("户", "household"), ("household", "household"))  # fmt: skip

ID_ALIASES = ("身份证号码", "公民身份号码", "证件号码", "身份证")


def _id(name: str = "id_number", chinese: str = "身份证号", aliases: tuple[str, ...] = ID_ALIASES) -> Column:
    return Column(name, chinese, True, "id_number", aliases)


def _village() -> Column:
    return Column(
        "village_code", "村代码", True, "village_code", ("村级区划代码", "行政区划代码", "区划代码")
    )


def _account(required: bool = True) -> Column:
    return Column("account_no", "银行账号", required, "account", ("账号", "社保卡账号", "卡号", "社保卡号"))


SCHEMAS: dict[str, tuple[Column, ...]] = {
    "persons": (
        _id(),
        Column("name", "姓名", True, "name"),
        Column("gender", "性别", False, "enum", choices=GENDERS),
        Column("birth_date", "出生日期", False, "date", ("出生年月日",), not_future=True),
        _village(),
        Column("household_id", "户编号", True, "text", ("户号",)),
        Column("relation", "与户主关系", True, "enum", ("家庭关系", "关系"), choices=RELATIONS),
        Column("phone", "联系电话", False, "phone", ("电话", "手机号", "手机号码", "联系方式")),
    ),
    "deaths": (
        _id(),
        Column("name", "姓名", True, "name"),
        Column("death_date", "死亡日期", True, "date", ("死亡时间",), not_future=True),
    ),
    "cards": (
        _id(),
        Column("holder_name", "持卡人姓名", True, "name", ("姓名", "持卡人")),
        Column("bank_code", "开户银行代码", True, "bank_code", ("银行代码", "开户行代码")),
        _account(),
        Column("status", "卡状态", True, "enum", ("状态", "账户状态"), choices=CARD_STATUSES),
    ),
    "cadres": (
        _id(),
        Column("name", "姓名", True, "name"),
        _village(),
        Column("position", "职务", True, "text"),
    ),
    "land": (
        Column("household_id", "户编号", True, "text", ("户号",)),
        _id("contractor_id_number", "承包方身份证号", ("承包方身份证号码", "承包方证件号码")),
        _village(),
        Column("contract_area_mu", "承包面积", True, "decimal", ("承包面积（亩）", "面积"), places=4),
    ),
    "policies": (
        Column("code", "项目代码", True, "text"),
        Column("name", "项目名称", True, "text"),
        Column("basis", "政策依据", False, "text"),
        Column("department", "主管部门", False, "text"),
        Column("unit", "计量单位", True, "enum", ("单位",), choices=UNITS),
        Column("rate", "补贴标准", True, "decimal", ("补贴标准（元）",), places=7),
        Column("min_age", "最低年龄", False, "int"),
        Column("max_age", "最高年龄", False, "int"),
        Column("means_tested", "困难救助", False, "enum", choices=YES_NO),
        Column("exclusive_with", "互斥项目", False, "codes"),
    ),
    "roster": (
        Column("line_no", "序号", True, "int"),
        Column("policy_code", "项目代码", True, "text"),
        Column("period", "发放期间", True, "period"),
        _id(),
        Column("name", "姓名", True, "name"),
        _village(),
        Column("quantity", "数量", False, "decimal", places=4),
        Column("amount", "金额", True, "decimal", ("金额（元）", "发放金额"), places=2),
        # Empty means "the person's social security card on file" (FORMATS.md): 一人一卡.
        _account(required=False),
    ),
}

# A key that may appear only once in a file: a second row with the same key is refused, naming the first.
KEYS: dict[str, tuple[str, ...]] = {
    "persons": ("id_number",),
    "deaths": ("id_number",),
    "cards": ("account_no",),
    "cadres": ("id_number",),
    "land": ("household_id",),
    "roster": ("line_no",),
}
