"""What is sealed about an actor, a licence and a relation: the shapes and their checks.

Forms, imports and the acts all build these through `clean`, so what is sealed is always
what a form could have sent. Dates are ISO strings ("" when unknown).
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from lib import blind_index
from places import provinces

from .models import LicenceStatus

MAX_NAME = 300
MAX_TEXT = 20000
MAX_LIST = 50
STATUSES = frozenset(LicenceStatus.values)


class Invalid(ValueError):
    """A value an actor, licence or relation cannot take; `field` names it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field, self.message = field_name, message


# Identifier schemes, as FollowTheMoney names them.
SCHEMES = {
    "registration": "registrationNumber",
    "tax": "taxNumber",
    "other": "idNumber",
}


def _text(name: str, value, limit: int = MAX_NAME, required: bool = False) -> str:
    value = " ".join(str(value or "").split()) if limit <= MAX_NAME else str(value or "").strip()
    if required and not value:
        raise Invalid(name, _("This is required."))
    if len(value) > limit:
        raise Invalid(name, _("Please keep it under %(limit)d characters.") % {"limit": limit})
    return value


def _lines(name: str, values) -> list[str]:
    if isinstance(values, str):
        values = values.splitlines()
    cleaned = []
    for value in values or ():
        value = _text(name, value)
        if value and value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_LIST:
        raise Invalid(name, _("At most %(limit)d lines.") % {"limit": MAX_LIST})
    return cleaned


def clean_date(name: str, value) -> str:
    """An ISO date ("2024-03-31"), a date, or empty; Invalid otherwise."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise Invalid(name, _("Write the date like 2025-03-31.")) from None


@dataclass
class ActorFacts:
    name: str
    aliases: list[str] = field(default_factory=list)
    province: str = ""
    identifiers: list[dict] = field(default_factory=list)  # [{"scheme", "value"}]
    notes: str = ""
    sources: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ActorFacts:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def clean(self, country: str) -> ActorFacts:
        """Checked and tidied for this country's registry; raise Invalid otherwise."""
        name = _text("name", self.name, required=True)
        aliases = [a for a in _lines("aliases", self.aliases) if a != name]
        if self.province and provinces.country_of(self.province) != country:
            raise Invalid("province", _("Choose a province of the actor's country."))
        identifiers, seen = [], set()
        for item in self.identifiers or ():
            scheme, value = item.get("scheme", "other"), _text("identifiers", item.get("value"))
            if scheme not in SCHEMES:
                raise Invalid("identifiers", _("Unknown kind of identifier."))
            if value and (scheme, blind_index.compact(value)) not in seen:
                seen.add((scheme, blind_index.compact(value)))
                identifiers.append({"scheme": scheme, "value": value})
        if len(identifiers) > MAX_LIST:
            raise Invalid("identifiers", _("At most %(limit)d lines.") % {"limit": MAX_LIST})
        return ActorFacts(
            name=name,
            aliases=aliases,
            province=self.province or "",
            identifiers=identifiers,
            notes=_text("notes", self.notes, MAX_TEXT),
            sources=_lines("sources", self.sources),
        )

    def identifier_values(self, scheme: str) -> list[str]:
        return [i["value"] for i in self.identifiers if i["scheme"] == scheme]


@dataclass
class LicenceFacts:
    number: str
    authority: str = ""
    commodity: str = ""
    area: str = ""
    start: str = ""
    end: str = ""
    status: str = LicenceStatus.VALID

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> LicenceFacts:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def clean(self) -> LicenceFacts:
        start, end = clean_date("start", self.start), clean_date("end", self.end)
        if start and end and end < start:
            raise Invalid("end", _("The licence cannot end before it starts."))
        if self.status not in STATUSES:
            raise Invalid("status", _("Choose from the list."))
        return LicenceFacts(
            number=_text("number", self.number, required=True),
            authority=_text("authority", self.authority),
            commodity=_text("commodity", self.commodity),
            area=_text("area", self.area),
            start=start,
            end=end,
            status=self.status,
        )

    @property
    def status_words(self) -> str:
        return str(LicenceStatus(self.status).label) if self.status in STATUSES else self.status

    def valid_on(self, day: str) -> bool:
        """Whether the licence covered this ISO date: within its dates, neither suspended
        nor revoked. Unknown start or end dates do not count against it."""
        if self.status in (LicenceStatus.SUSPENDED, LicenceStatus.REVOKED):
            return False
        return (not self.start or self.start <= day) and (not self.end or day <= self.end)


@dataclass
class RelationFacts:
    role: str = ""
    share: str = ""
    start: str = ""
    end: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RelationFacts:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def clean(self) -> RelationFacts:
        start, end = clean_date("start", self.start), clean_date("end", self.end)
        if start and end and end < start:
            raise Invalid("end", _("It cannot end before it starts."))
        return RelationFacts(
            role=_text("role", self.role), share=_text("share", self.share), start=start, end=end
        )
