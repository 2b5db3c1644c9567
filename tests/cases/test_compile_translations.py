import gettext
import io
import os
import shutil
import struct
import subprocess

import pytest

from cases.management.commands.compile_translations import compile_po, parse_po

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


def test_it_writes_the_gnu_mo_layout_with_sorted_keys(tmp_path):
    po, mo = tmp_path / "django.po", tmp_path / "django.mo"
    po.write_text(CATALOGUE, encoding="utf-8")
    assert compile_po(po, mo) == 7  # header + 6 translated messages
    data = mo.read_bytes()
    magic, revision, count, originals, _, hash_size, _ = struct.unpack("<7I", data[:28])
    assert (magic, revision, count, originals, hash_size) == (0x950412DE, 0, 7, 28, 0)
    keys = []
    for i in range(count):
        length, offset = struct.unpack("<2I", data[originals + 8 * i : originals + 8 * i + 8])
        keys.append(data[offset : offset + length])
        assert data[offset + length] == 0
    assert keys == sorted(keys) and keys[0] == b""
    assert b"button\x04Open" in keys
    assert b"One file attached\x00%(count)s files attached" in keys


def test_it_reports_the_line_of_a_malformed_catalogue(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(HEADER + '\nmsgid "Hello"\nmsgstr Bonjour\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 8"):
        compile_po(po, tmp_path / "django.mo")
    assert not (tmp_path / "django.mo").exists()


def test_parse_po_reads_context_plural_and_flags():
    entries = parse_po(CATALOGUE)
    plural = next(e for e in entries if e.plural)
    assert plural.msgstr == {0: "%(count)s fichier joint", 1: "%(count)s fichiers joints"}
    assert [e.context for e in entries if e.msgid == "Open"] == ["button", "case status"]
    assert [e.msgid for e in entries if e.fuzzy] == ["Your receipt"]
    assert "Old wording" not in [e.msgid for e in entries]


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


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext is only an optional oracle")
def test_it_compiles_the_same_catalogue_as_gnu_msgfmt(tmp_path):
    po = tmp_path / "django.po"
    po.write_text("#, fuzzy\n" + CATALOGUE, encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(tmp_path / "gnu.mo"), str(po)], check=True)
    compile_po(po, tmp_path / "ours.mo")
    catalogues = [
        gettext.GNUTranslations(io.BytesIO((tmp_path / name).read_bytes()))._catalog
        for name in ("gnu.mo", "ours.mo")
    ]
    assert catalogues[0] == catalogues[1]
