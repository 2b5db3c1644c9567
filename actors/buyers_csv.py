"""Lists of licensed buyers as ministries publish them, read from CSV.

The columns that matter — name, licence number, country, validity — are found by their
header in French or English ("Nom", "Raison sociale", "N° de licence", "Pays", "Date de
début", "Date d'expiration", "Validité", ...), in any order; authority, commodity, area,
kind and status are read when present. Separators (comma, semicolon, tab), UTF-8 (with or
without a byte-order mark) or Windows-1252, and dates as 2024-03-31, 31/03/2024 or
31.03.2024 are all accepted. A row that cannot be read is reported by its line number and
the rest goes on.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache

from django.utils import translation
from django.utils.translation import gettext as _

from lib import blind_index
from places import countries

from .facts import ActorFacts, Invalid, LicenceFacts, clean_date
from .imports import MAX_RECORDS, Parsed, Record
from .models import Kind, LicenceStatus

HEADERS = {
    "name": (
        "name",
        "nom",
        "raison sociale",
        "denomination",
        "buyer",
        "acheteur",
        "comptoir",
        "bureau d achat",
        "company",
        "societe",
        "entreprise",
        "titulaire",
        "holder",
        "licensee",
    ),
    "number": (
        "licence number",
        "license number",
        "licence no",
        "license no",
        "licence",
        "license",
        "numero de licence",
        "n de licence",
        "no de licence",
        "n licence",
        "numero",
        "numero d agrement",
        "n d agrement",
        "agrement",
        "permit",
        "permit number",
    ),
    "country": ("country", "pays", "country code", "code pays"),
    "start": (
        "valid from",
        "start",
        "start date",
        "issued",
        "issue date",
        "date of issue",
        "date de debut",
        "debut",
        "date d octroi",
        "date de delivrance",
        "delivre le",
    ),
    "end": (
        "valid until",
        "valid to",
        "end",
        "end date",
        "expiry",
        "expiry date",
        "expires",
        "expiration",
        "date de fin",
        "fin",
        "date d expiration",
        "echeance",
        "valable jusqu au",
    ),
    "validity": ("validity", "validite", "periode de validite", "valid", "period"),
    "authority": ("authority", "issuing authority", "issued by", "autorite", "delivre par"),
    "commodity": ("commodity", "mineral", "minerai", "substance", "substances", "produit"),
    "area": ("area", "zone", "localite", "location", "lieu", "site", "province", "territoire"),
    "kind": ("type", "kind", "category", "categorie"),
    "status": ("status", "statut", "etat"),
}
_COLUMN = {variant: column for column, variants in HEADERS.items() for variant in variants}

KINDS = {
    "comptoir": Kind.BUYING_HOUSE,
    "bureau d achat": Kind.BUYING_HOUSE,
    "buying house": Kind.BUYING_HOUSE,
    "buyer": Kind.BUYING_HOUSE,
    "acheteur": Kind.BUYING_HOUSE,
    "exporter": Kind.EXPORTER,
    "exportateur": Kind.EXPORTER,
    "export": Kind.EXPORTER,
    "trader": Kind.TRADER,
    "negociant": Kind.TRADER,
    "courtier": Kind.TRADER,
    "dealer": Kind.TRADER,
    "collecteur": Kind.TRADER,
}
STATUSES = {
    "valid": LicenceStatus.VALID,
    "valide": LicenceStatus.VALID,
    "active": LicenceStatus.VALID,
    "actif": LicenceStatus.VALID,
    "en cours": LicenceStatus.VALID,
    "suspended": LicenceStatus.SUSPENDED,
    "suspendu": LicenceStatus.SUSPENDED,
    "suspendue": LicenceStatus.SUSPENDED,
    "revoked": LicenceStatus.REVOKED,
    "revoque": LicenceStatus.REVOKED,
    "revoquee": LicenceStatus.REVOKED,
    "retire": LicenceStatus.REVOKED,
    "retiree": LicenceStatus.REVOKED,
    "annule": LicenceStatus.REVOKED,
    "annulee": LicenceStatus.REVOKED,
    "expired": LicenceStatus.EXPIRED,
    "expire": LicenceStatus.EXPIRED,
    "expiree": LicenceStatus.EXPIRED,
}
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def country_code(text: str) -> str | None:
    """An ISO code or a country's name in English or French, to our code; None if unknown."""
    text = text.strip()
    if text.upper() in countries.COUNTRIES:
        return text.upper()
    return _country_names().get(blind_index.phrase(text))


# What lists write besides the countries' names.
COUNTRY_ALIASES = {
    "rdc": "CD",
    "drc": "CD",
    "rd congo": "CD",
    "dr congo": "CD",
    "congo kinshasa": "CD",
    "rca": "CF",
    "car": "CF",
    "centrafrique": "CF",
    "congo brazzaville": "CG",
    "congo": "CG",
}


@cache
def _country_names() -> dict[str, str]:
    names = dict(COUNTRY_ALIASES)
    for language in ("en", "fr", "pt"):
        with translation.override(language):
            names |= {blind_index.phrase(str(n)): c for c, n in countries.COUNTRIES.items()}
    return names


def dates_in(text: str) -> list[str]:
    """ISO dates found in a text: "du 01/02/2024 au 31/01/2025" → two dates."""
    found = []
    for match in _DATE.finditer(text or ""):
        year, month, day = (
            match.group(1, 2, 3) if match.group(1) else (match[6], match[5], match[4])
        )
        found.append(clean_date("date", f"{int(year):04d}-{int(month):02d}-{int(day):02d}"))
    return found


def one_date(name: str, text: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    found = dates_in(text)
    if len(found) != 1:
        raise Invalid(name, _("Write the date like 2025-03-31 or 31/03/2025."))
    return found[0]


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse(data: bytes, *, default_country: str = "") -> Parsed:
    """Read a licensed buyers' CSV; a file that cannot be read at all has one error (line 0)."""
    parsed = Parsed("csv")
    text = decode(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        parsed.errors.append((0, _("The file is empty.")))
        return parsed
    columns = {}
    for index, title in enumerate(header):
        column = _COLUMN.get(blind_index.phrase(title))
        if column and column not in columns:
            columns[column] = index
    if "name" not in columns:
        parsed.errors.append(
            (1, _("No column of names: the first line must name the columns (e.g. “Nom”)."))
        )
        return parsed
    line = 1
    try:
        for row in reader:
            line += 1
            if not any(cell.strip() for cell in row):
                continue
            if len(parsed.records) >= MAX_RECORDS:
                parsed.errors.append((line, _("Too many rows: the rest was not read.")))
                break
            try:
                parsed.records.append(_record(line, row, columns, default_country))
            except Invalid as invalid:
                parsed.errors.append((line, invalid.message))
    except csv.Error:
        parsed.errors.append((line, _("This line cannot be read as CSV; the rest was not read.")))
    return parsed


def _cell(row, columns, name) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def _record(line: int, row, columns, default_country: str) -> Record:
    name = _cell(row, columns, "name")
    if not name:
        raise Invalid("name", _("No name on this line."))
    written = _cell(row, columns, "country")
    country = country_code(written) if written else default_country
    if not country:
        raise Invalid("country", _("Unknown country: use a code like CD or a name."))
    start, end = (
        one_date("start", _cell(row, columns, "start")),
        one_date("end", _cell(row, columns, "end")),
    )
    validity = dates_in(_cell(row, columns, "validity"))
    if validity:
        start = start or validity[0]
        end = end or (validity[1] if len(validity) > 1 else "")
    kind = KINDS.get(blind_index.phrase(_cell(row, columns, "kind")), Kind.BUYING_HOUSE)
    status_text = blind_index.phrase(_cell(row, columns, "status"))
    status = STATUSES.get(status_text, LicenceStatus.VALID if not status_text else "unknown")
    licences = []
    number = _cell(row, columns, "number")
    if number:
        licences.append(
            LicenceFacts(
                number=number,
                authority=_cell(row, columns, "authority"),
                commodity=_cell(row, columns, "commodity"),
                area=_cell(row, columns, "area"),
                start=start,
                end=end,
                status=status,
            )
        )
    return Record(line, country, kind, ActorFacts(name=name), licences)
