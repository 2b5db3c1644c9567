"""Compile gettext catalogues (.po to .mo) in pure Python, without GNU gettext installed."""

from __future__ import annotations

import os
import re
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")
_CHARSET = re.compile(rb"charset=([A-Za-z0-9_.:-]+)")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


@dataclass
class _Entry:
    context: str | None = None
    msgid: str | None = None
    plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    last: str = ""  # which field a continuation line extends


def _unquote(literal: str, lineno: int) -> str:
    """Decode one C-style quoted PO string."""
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise ValueError(f"line {lineno}: expected a quoted string")

    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code]
        if code[0] == "x":
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return code  # \" \\ \? and any other escaped character stand for themselves

    return _ESCAPE.sub(replace, literal[1:-1])


def parse_po(text: str) -> list[_Entry]:
    """Parse PO text into entries, dropping obsolete (#~) ones; fuzzy ones are flagged."""
    entries: list[_Entry] = []
    entry = _Entry()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line[2:].replace(",", " ").split():
                if entry.msgid is not None:
                    entries.append(entry)
                    entry = _Entry()
                entry.fuzzy = True
            continue
        if line.startswith('"'):
            if not entry.last:
                raise ValueError(f"line {lineno}: string continuation without a keyword")
            _extend(entry, entry.last, _unquote(line, lineno))
            continue
        match = _KEYWORD.match(line)
        if match is None:
            raise ValueError(f"line {lineno}: cannot parse {line[:40]!r}")
        keyword, index, literal = match.groups()
        if keyword in ("msgctxt", "msgid") and entry.msgstr:
            entries.append(entry)
            entry = _Entry()
        field_name = f"msgstr[{index or 0}]" if keyword.startswith("msgstr") else keyword
        _extend(entry, field_name, _unquote(literal, lineno), new=True)
    if entry.msgid is not None:
        entries.append(entry)
    return entries


def _extend(entry: _Entry, name: str, value: str, new: bool = False) -> None:
    entry.last = name
    if name.startswith("msgstr["):
        index = int(name[7:-1])
        entry.msgstr[index] = ("" if new else entry.msgstr.get(index, "")) + value
    else:
        attribute = {"msgctxt": "context", "msgid": "msgid", "msgid_plural": "plural"}[name]
        setattr(entry, attribute, ("" if new else getattr(entry, attribute) or "") + value)


def compile_po(po_path: str | os.PathLike[str], mo_path: str | os.PathLike[str]) -> int:
    """Compile one .po file into a GNU .mo file; return the number of messages written.

    Fuzzy and untranslated entries are left out, except the header (msgid ""), which is kept
    even when fuzzy because it carries the charset and the plural-forms rule.
    """
    raw = Path(po_path).read_bytes()
    found = _CHARSET.search(raw)
    charset = found.group(1).decode("ascii") if found else "utf-8"
    if charset.upper() == "CHARSET":  # the untouched template placeholder
        charset = "utf-8"
    messages: dict[bytes, bytes] = {}
    for entry in parse_po(raw.decode(charset)):
        if entry.msgid is None or not entry.msgstr:
            continue
        if entry.fuzzy and entry.msgid != "":
            continue
        forms = [entry.msgstr.get(i, "") for i in range(max(entry.msgstr) + 1)]
        if not all(forms):
            continue
        key = entry.msgid if entry.plural is None else f"{entry.msgid}\x00{entry.plural}"
        if entry.context is not None:
            key = f"{entry.context}\x04{key}"
        messages[key.encode(charset)] = "\x00".join(forms).encode(charset)
    _write_mo(messages, Path(mo_path))
    return len(messages)


def _write_mo(messages: dict[bytes, bytes], mo_path: Path) -> None:
    """Write the standard little-endian GNU .mo layout (no hash table), atomically."""
    keys = sorted(messages)
    count = len(keys)
    originals_at, translations_at = 28, 28 + 8 * count
    data_at = 28 + 16 * count
    tables, blob = [b"", b""], bytearray()
    for column, strings in enumerate((keys, [messages[k] for k in keys])):
        for string in strings:
            tables[column] += struct.pack("<2I", len(string), data_at + len(blob))
            blob += string + b"\x00"
    header = struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, 0, data_at)
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=mo_path.parent, prefix=".", suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(header + tables[0] + tables[1] + bytes(blob))
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo_path)
    except BaseException:
        os.unlink(tmp)
        raise


def find_catalogues(locale_dirs: list[Path]) -> list[Path]:
    """Every ``<lang>/LC_MESSAGES/*.po`` under the given locale directories, sorted."""
    return sorted(po for d in locale_dirs for po in Path(d).glob("*/LC_MESSAGES/*.po"))


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (pure Python, no gettext)."

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
