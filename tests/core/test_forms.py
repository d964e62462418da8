"""Forms drawn through one field template: required fields carry the * and the legend explains it; the policy
form comes in sections, the code first."""

from __future__ import annotations

import pytest
from django import forms
from django.template import Context, Template
from django.test import Client

from tests.support.world import World
from yikatong.core.forms import Fieldset, FieldsetsMixin
from yikatong.policies.forms import VersionForm
from yikatong.policies.models import PolicyVersion
from yikatong.registry.forms import AgentBankForm, ImportForm

MARK = '<span class="required-mark" aria-hidden="true">*</span>'


class Sample(FieldsetsMixin, forms.Form):
    name = forms.CharField(label="名称")
    note = forms.CharField(label="备注", required=False)

    fieldsets = (Fieldset("one", "第一部分", ("name",)), Fieldset("two", "第二部分", ("note",)))


def _render(source: str, **context: object) -> str:
    return Template("{% load yikatong %}" + source).render(Context(context))


def test_a_required_field_has_the_mark_an_optional_one_does_not_and_the_legend_comes_once() -> None:
    html = _render("{% form_fields form %}", form=Sample())
    assert f'<label for="id_name">名称{MARK}</label>' in html
    assert '<label for="id_note">备注</label>' in html
    assert html.count("带 <span") == 1 and html.count('class="required-legend"') == 1
    assert '<fieldset data-testid="fieldset-one"><legend>第一部分</legend>' in html
    assert html.index("fieldset-one") < html.index("fieldset-two")


def test_a_form_with_nothing_required_has_no_legend() -> None:
    class Optional(forms.Form):
        note = forms.CharField(label="备注", required=False)

    assert "required-legend" not in _render("{% form_fields form %}", form=Optional())


def test_a_field_in_no_fieldset_or_in_two_is_refused() -> None:
    class Forgotten(Sample):
        extra = forms.CharField(label="多余")

    with pytest.raises(ValueError, match="extra"):
        Forgotten().groups()

    class Twice(Sample):
        fieldsets = (Fieldset("a", "甲", ("name", "note")), Fieldset("b", "乙", ("note",)))

    with pytest.raises(ValueError, match="note"):
        Twice().groups()


@pytest.mark.parametrize("form_class", [AgentBankForm, ImportForm])
def test_every_form_rendered_by_the_shared_template_marks_each_required_field(
    db: None, form_class: type[forms.BaseForm]
) -> None:
    form = form_class()
    html = _render("{% form_fields form %}", form=form)
    for bound in form.visible_fields():
        label = f'<label for="{bound.id_for_label}">{bound.label}'
        assert label + (MARK if bound.field.required else "</label>") in html, bound.name


def test_the_policy_form_is_in_sections_with_the_code_first_and_every_field_in_one(db: None) -> None:
    groups = VersionForm().groups()
    assert [g.key for g in groups] == ["basic", "basis", "target", "standard", "payment", "funding", "limits"]
    assert [f.name for f in groups[0].fields][:1] == ["code"]
    assert sum(len(g.fields) for g in groups) == len(VersionForm().fields)
    required = {f.name for g in groups for f in g.fields if f.field.required}
    assert {"code", "name", "effective_from", "basis_title", "target", "unit", "frequency"} <= required
    assert not {"basis_doc_no", "conditions_text", "min_age", "pay_months"} & required


def test_a_new_version_of_a_policy_does_not_ask_for_its_code(db: None) -> None:
    version = PolicyVersion(pk=1, name="高龄津贴", number=2)
    assert "code" not in VersionForm(instance=version).fields
    assert VersionForm().fields["code"].required


def test_the_policy_page_shows_its_sections_the_marks_and_the_legend(world: World) -> None:
    client = Client()
    client.force_login(world.user("dept_reviewer"))
    page = client.get("/policies/new/").content.decode()
    for legend in ("基本信息", "政策依据", "补贴对象与条件", "补贴标准", "发放", "资金承担", "办理时限"):
        assert f"<legend>{legend}</legend>" in page
    assert page.index('id="id_code"') < page.index('id="id_name"') < page.index('id="id_basis_title"')
    assert f'<label for="id_code">项目代码{MARK}</label>' in page
    assert '<label for="id_basis_doc_no">政策依据文号</label>' in page
    assert "带 <span" in page
    assert page.index('data-testid="fieldset-standard"') < page.index('data-testid="bands"')
    assert page.index('data-testid="bands"') < page.index('data-testid="fieldset-payment"')
