"""Translations: the English catalogue is complete, compiled, covers every msgid in the code, and is served.

The msgids are the Simplified Chinese interface text. After adding or changing a translatable string:

    cd yikatong && YIKATONG_TESTING=1 YIKATONG_DATA_DIR=../var \\
        ../.venv/bin/python ../manage.py makemessages -l en --no-obsolete --add-location file && cd ..
    # translate the new entries in yikatong/locale/en/LC_MESSAGES/django.po, then
    .venv/bin/python bin/compilemessages
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import override
from django.utils.translation.template import templatize

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "yikatong"
LOCALE_DIR = PACKAGE / "locale"
TEMPLATES = PACKAGE / "templates"
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
REGENERATE = (
    "run makemessages, translate, then `.venv/bin/python bin/compilemessages` (see tests/test_i18n.py)"
)

# The gettext functions xgettext looks for in Python (Django's makemessages keywords), with the
# positions of (context, msgid) among their arguments.
GETTEXT_CALLS = {
    **dict.fromkeys(["_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"], (None, 0)),
    **dict.fromkeys(["pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"], (0, 1)),
}
PRINTF = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
HTML_TAG = re.compile(r"<[^>]+>")

Key = tuple[str | None, str]


def _translated(po: polib.POFile) -> dict[Key, polib.POEntry]:
    return {(e.msgctxt, e.msgid): e for e in po.translated_entries()}


def _messages(translations: gettext.GNUTranslations) -> dict[object, str]:
    return {k: v for k, v in translations._catalog.items() if k != ""}  # type: ignore[attr-defined]


def _header(translations: gettext.GNUTranslations) -> dict[str, str]:
    return {k: v for k, v in translations.info().items() if k != "pot-creation-date"}


def _msgids_in_templates() -> dict[Key, str]:
    """(context, msgid) of every {% translate %} and {% blocktranslate %}, found the way makemessages does."""
    found: dict[Key, str] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        for i, token in enumerate(tokens[:-1]):
            if (
                token.type != tokenize.NAME
                or token.string not in GETTEXT_CALLS
                or tokens[i + 1].string != "("
            ):
                continue
            args = []
            for arg in tokens[i + 2 :]:
                if arg.string == ")":
                    break
                if arg.type == tokenize.STRING:
                    args.append(ast.literal_eval(arg.string))
            context_at, msgid_at = GETTEXT_CALLS[token.string]
            context = args[context_at] if context_at is not None else None
            found[context, args[msgid_at]] = f"{path.relative_to(PACKAGE)}:{token.start[0]}"
    return found


def _msgids_in_python() -> dict[Key, str]:
    """(context, msgid) of every gettext call on string literals in the package's Python code."""
    found: dict[Key, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in GETTEXT_CALLS:
                continue
            context_at, msgid_at = GETTEXT_CALLS[name]
            wanted = [msgid_at] if context_at is None else [context_at, msgid_at]
            args = [node.args[i] if i < len(node.args) else None for i in wanted]
            if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                continue  # not a literal: nothing makemessages could extract
            values = [a.value for a in args]  # type: ignore[union-attr]
            context = values[0] if context_at is not None else None
            found[context, values[-1]] = f"{path.relative_to(PACKAGE)}:{node.lineno}"
    return found


@pytest.fixture(autouse=True)
def _keep_the_active_language() -> Iterator[None]:
    """A request through the test client leaves its language active in this thread: undo that, so that
    later tests (and the lazy labels they store) do not run in English."""
    language = translation.get_language()
    yield
    if language is None:
        translation.deactivate_all()
    else:
        translation.activate(language)


def test_there_is_an_english_catalogue() -> None:
    assert EN_PO in PO_FILES
    assert polib.pofile(str(EN_PO)).metadata.get("Language") == "en"


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_mo_file_is_compiled_from_the_current_po_file(po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `.venv/bin/python bin/compilemessages`"
    expected = gettext.GNUTranslations(io.BytesIO(polib.pofile(str(po_path)).to_binary()))
    with mo_path.open("rb") as mo:
        shipped = gettext.GNUTranslations(mo)
    stale = f"{mo_path} is out of date: run `.venv/bin/python bin/compilemessages`"
    # Compared as Python's gettext (and so Django) reads them; the header's POT-Creation-Date, which
    # makemessages changes on every run, is left out of the .mo.
    assert _messages(shipped) == _messages(expected), stale
    assert _header(shipped) == _header(expected), stale


def test_compilemessages_script_finds_nothing_to_do() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "bin" / "compilemessages"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "django.po: up to date" in result.stdout


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_every_entry_is_translated_and_none_is_fuzzy(po_path: Path) -> None:
    po = polib.pofile(str(po_path))
    assert not po.metadata_is_fuzzy, "remove the fuzzy flag from the header"
    assert [e.msgid for e in po.fuzzy_entries()] == [], f"fuzzy entries: check and unflag them; {REGENERATE}"
    assert [e.msgid for e in po.untranslated_entries()] == [], f"untranslated entries; {REGENERATE}"
    assert [e.msgid for e in po.obsolete_entries()] == [], "obsolete entries: run makemessages --no-obsolete"


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_translations_keep_placeholders_and_markup(po_path: Path) -> None:
    for entry in polib.pofile(str(po_path)).translated_entries():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for msgstr in translations:
            if "python-format" in entry.flags:
                assert sorted(PRINTF.findall(msgstr)) == sorted(PRINTF.findall(entry.msgid)), entry.msgid
            assert sorted(HTML_TAG.findall(msgstr)) == sorted(HTML_TAG.findall(entry.msgid)), entry.msgid
            assert msgstr.strip(), entry.msgid


def test_every_template_string_has_an_english_translation() -> None:
    found = _msgids_in_templates()
    assert (None, "工作人员登录") in found  # the scan itself works
    assert (None, "第 %(n)s / %(total)s 页") in found  # blocktranslate, with its variables
    translated = _translated(polib.pofile(str(EN_PO)))
    missing = sorted(
        f"{where}: {msgid}" for (context, msgid), where in found.items() if (context, msgid) not in translated
    )
    assert missing == [], f"not in the English catalogue; {REGENERATE}"


def test_every_python_string_has_an_english_translation() -> None:
    found = _msgids_in_python()
    assert (None, "村/社区经办人") in found  # the scan itself works
    translated = _translated(polib.pofile(str(EN_PO)))
    missing = sorted(
        f"{where}: {msgid}" for (context, msgid), where in found.items() if (context, msgid) not in translated
    )
    assert missing == [], f"not in the English catalogue; {REGENERATE}"


def test_lazy_labels_follow_the_active_language() -> None:
    from yikatong.accounts.roles import Role

    with override("en"):
        assert str(Role.VILLAGE_CLERK.label) == "Village clerk"
    with override("zh-hans"):
        assert str(Role.VILLAGE_CLERK.label) == "村/社区经办人"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "html_lang"),
    [("en", "Staff sign-in", 'lang="en"'), ("zh-hans", "工作人员登录", 'lang="zh-hans"')],
)
def test_login_page_is_served_in_the_language_of_the_cookie(
    client: Client, language: str, heading: str, html_lang: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/accounts/login/").content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert html_lang in page
    # the selector names each language in that language, so that either reader can switch back
    assert '<option value="zh-hans" lang="zh-hans"' in page
    assert ">简体中文</option>" in page
    assert ">English</option>" in page


@pytest.mark.django_db
def test_login_page_defaults_to_chinese() -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert "<h1>工作人员登录</h1>" in page


@pytest.mark.django_db
def test_language_selector_switches_to_english_and_back(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert "<h1>Staff sign-in</h1>" in page
    assert ">Sign in</button>" in page

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "<h1>工作人员登录</h1>" in client.get("/accounts/login/").content.decode()
