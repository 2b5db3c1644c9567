"""Compile gettext catalogues (.po to .mo) with Babel, without GNU gettext installed.

Babel (babel.messages) reads and writes the formats; this command adds what `msgfmt
--check` would: a catalogue whose translation renames or adds a placeholder is refused,
since it would fail at run time in front of a reporter.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def compile_po(po_path: str | os.PathLike[str], mo_path: str | os.PathLike[str]) -> int:
    """Compile one .po file into a .mo file; return the number of messages written.

    Fuzzy and untranslated entries are left out; the header (charset, plural forms) is
    kept even when fuzzy. Raises ValueError, naming the line, for a malformed catalogue or a
    translation whose placeholders differ from its original.
    """
    with open(po_path, "rb") as handle:
        try:
            catalog = read_po(handle, abort_invalid=True)
        except PoFileError as error:
            raise ValueError(str(error)) from None
    problems = [
        f"line {message.lineno}: {error}" for message, errors in catalog.check() for error in errors
    ]
    if problems:
        raise ValueError("; ".join(problems))
    catalog.fuzzy = False  # a fuzzy header still carries the charset and the plural rule
    mo_path = Path(mo_path)
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=mo_path.parent, prefix=".", suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo_path)
    except BaseException:
        os.unlink(tmp)
        raise
    return 1 + sum(1 for m in catalog if m.id and m.string and not m.fuzzy and _complete(m))


def _complete(message) -> bool:
    return all(message.string) if isinstance(message.string, tuple) else bool(message.string)


def find_catalogues(locale_dirs: list[Path]) -> list[Path]:
    """Every ``<lang>/LC_MESSAGES/*.po`` under the given locale directories, sorted."""
    return sorted(po for d in locale_dirs for po in Path(d).glob("*/LC_MESSAGES/*.po"))


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (Babel, no GNU gettext needed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="recompile up-to-date files")

    def handle(self, *args, force: bool = False, **options) -> None:
        for po in find_catalogues([Path(p) for p in settings.LOCALE_PATHS]):
            mo = po.with_suffix(".mo")
            if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            try:
                count = compile_po(po, mo)
            except (ValueError, UnicodeDecodeError, LookupError) as error:
                raise CommandError(f"{po}: {error}") from error
            self.stdout.write(f"compiled {po} ({count} messages)")
