"""The catalogues compile with Babel into .mo files that gettext (and so Django) reads."""

import gettext
import io
import os

import pytest

from config.management.commands.compile_translations import compile_po

HEADER = r"""# French translation of Lanterne.
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"
"""

CATALOGUE = (
    HEADER
    + r"""
#: whistle/views.py:10
msgid "Submit a report"
msgstr "Envoyer un signalement"

msgctxt "button"
msgid "Open"
msgstr "Ouvrir"

msgctxt "case status"
msgid "Open"
msgstr "Ouvert"

msgid "One file attached"
msgid_plural "%(count)s files attached"
msgstr[0] "%(count)s fichier joint"
msgstr[1] "%(count)s fichiers joints"

msgid "Say \"hello\"\tnow"
msgstr "Dites « bonjour » \"maintenant\"\tvite \\ fin"

msgid ""
"A long sentence that "
"spans two lines.\n"
msgstr ""
"Une longue phrase qui\n"
"tient sur deux lignes.\n"

#, fuzzy, python-format
msgid "Your receipt"
msgstr "Votre reçu (à relire)"

msgid "Not translated yet"
msgstr ""

#~ msgid "Old wording"
#~ msgstr "Ancienne formulation"
"""
)


def compile_text(tmp_path, text: str) -> gettext.GNUTranslations:
    po, mo = tmp_path / "django.po", tmp_path / "fr" / "LC_MESSAGES" / "django.mo"
    po.write_text(text, encoding="utf-8")
    compile_po(po, mo)
    with open(mo, "rb") as handle:
        return gettext.GNUTranslations(handle)


def test_it_compiles_a_catalogue_that_gnu_translations_can_read(tmp_path):
    catalogue = compile_text(tmp_path, CATALOGUE)
    assert catalogue.gettext("Submit a report") == "Envoyer un signalement"
    assert catalogue.pgettext("button", "Open") == "Ouvrir"
    assert catalogue.pgettext("case status", "Open") == "Ouvert"
    assert catalogue.gettext("Open") == "Open"


def test_it_uses_the_plural_forms_of_the_header(tmp_path):
    catalogue = compile_text(tmp_path, CATALOGUE)
    one, many = "One file attached", "%(count)s files attached"
    assert catalogue.ngettext(one, many, 1) == "%(count)s fichier joint"
    assert catalogue.ngettext(one, many, 0) == "%(count)s fichier joint"  # French: n > 1
    assert catalogue.ngettext(one, many, 2) == "%(count)s fichiers joints"


def test_it_decodes_escapes_and_joins_multi_line_strings(tmp_path):
    catalogue = compile_text(tmp_path, CATALOGUE)
    assert catalogue.gettext('Say "hello"\tnow') == 'Dites « bonjour » "maintenant"\tvite \\ fin'
    assert (
        catalogue.gettext("A long sentence that spans two lines.\n")
        == "Une longue phrase qui\ntient sur deux lignes.\n"
    )


def test_it_leaves_out_fuzzy_untranslated_and_obsolete_entries(tmp_path):
    catalogue = compile_text(tmp_path, CATALOGUE)
    assert catalogue.gettext("Your receipt") == "Your receipt"
    assert catalogue.gettext("Not translated yet") == "Not translated yet"
    assert catalogue.gettext("Old wording") == "Old wording"


def test_it_keeps_a_fuzzy_header_so_plural_forms_still_work(tmp_path):
    text = "#, fuzzy\n" + CATALOGUE
    catalogue = compile_text(tmp_path, text)
    assert catalogue.info()["plural-forms"] == "nplurals=2; plural=(n > 1);"
    assert catalogue.ngettext("One file attached", "%(count)s files attached", 3).endswith("joints")


def test_it_counts_the_header_and_the_translated_messages(tmp_path):
    po, mo = tmp_path / "django.po", tmp_path / "django.mo"
    po.write_text(CATALOGUE, encoding="utf-8")
    assert compile_po(po, mo) == 7  # header + 6 translated messages


def test_it_refuses_a_malformed_catalogue(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(HEADER + '\nmsgid "Hello"\nBonjour tout le monde\nmsgstr "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="misformatted keyword"):
        compile_po(po, tmp_path / "django.mo")
    assert not (tmp_path / "django.mo").exists()


def test_it_refuses_a_translation_that_renames_a_placeholder(tmp_path):
    po = tmp_path / "django.po"
    broken = HEADER + (
        '\n#, python-format\nmsgid "Wait %(count)d minutes"\nmsgstr "Attendez %(compte)d minutes"\n'
    )
    po.write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match="line 8: unknown named placeholder 'compte'"):
        compile_po(po, tmp_path / "django.mo")
    assert not (tmp_path / "django.mo").exists()
    po.write_text(broken.replace("%(compte)d", "%(count)d"), encoding="utf-8")
    assert compile_po(po, tmp_path / "django.mo") == 2


def test_the_command_compiles_only_catalogues_newer_than_their_mo(tmp_path, settings):
    from django.core.management import call_command

    settings.LOCALE_PATHS = [tmp_path]
    po = tmp_path / "fr" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(CATALOGUE, encoding="utf-8")

    def run(*args: str) -> str:
        out = io.StringIO()
        call_command("compile_translations", *args, stdout=out)
        return out.getvalue()

    assert run() == f"compiled {po} (7 messages)\n"
    assert po.with_suffix(".mo").exists()
    assert run() == ""
    assert run("--force").count("compiled") == 1
    later = po.with_suffix(".mo").stat().st_mtime + 10
    os.utime(po, (later, later))
    assert run().count("compiled") == 1
