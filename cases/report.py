"""The report's fields, declared once: name, label, kind, vocabulary, and what stays in clear.

The public form (whistle.forms) is built from FIELDS; the case page labels a report with
them; intake.submit refuses anything `clean_answers` does not accept, so nothing outside a
field's vocabulary or limits is ever sealed. Every answer is sealed in the case's report;
a field marked `clear` is also kept in clear on the case row, because routing, deadlines
and statistics need it (docs/threat-model.md keeps that list).
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib import clock
from places import countries, provinces

from . import taxonomy

CHOICE, CHOICES, TEXT, LONG_TEXT, DATE, FLAG = "choice", "choices", "text", "long", "date", "flag"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str
    vocabulary: Mapping[str, str] | None = None
    required: bool = False
    max_length: int | None = None
    help_text: str = ""
    # Also kept in clear on the case row (country, categories, regional_only; urgent as P1).
    clear: bool = False
    # What the reporter is told when the field is wrong: {"required": ..., "invalid": ...}.
    errors: Mapping[str, str] = field(default_factory=dict)
    # For a choice: the words of the empty choice; for a long text: its height in rows.
    prompt: str = "—"
    rows: int = 0
    # Offer the vocabulary sorted by its words in the reader's language (countries).
    sort_by_words: bool = False
    # Offer the vocabulary as these choices instead (provinces, grouped by country).
    offered: Callable[[], list] | None = None
    # What an optional field left empty is stored as (categories: "not sure yet").
    when_empty: object = None

    def choices(self) -> list:
        if self.offered is not None:
            return self.offered()
        items = list((self.vocabulary or {}).items())
        if self.sort_by_words:
            items.sort(key=lambda item: countries.in_reading_order(str(item[1])))
        return items

    @property
    def empty(self):
        return {CHOICES: [], FLAG: False}.get(self.kind, "")


FIELDS: tuple[Field, ...] = (
    Field(
        # Optional: a reporter who is not sure sends without choosing, and the report is
        # counted as "something else, or not sure yet" until an officer assesses it; so
        # every report still carries a category (statistics rely on it).
        "categories",
        gettext_lazy("What is it about?"),
        CHOICES,
        taxonomy.CATEGORIES,
        clear=True,
        help_text=gettext_lazy("Choose every one that fits. Not sure? Leave them all empty."),
        when_empty=[taxonomy.NOT_SURE],
    ),
    Field(
        "urgent",
        gettext_lazy("Someone's life or freedom is in danger right now"),
        FLAG,
        clear=True,
        help_text=gettext_lazy("We then treat your report within hours."),
    ),
    Field(
        "country",
        gettext_lazy("Country"),
        CHOICE,
        countries.COUNTRIES,
        required=True,
        clear=True,
        prompt=gettext_lazy("Choose a country"),
        sort_by_words=True,
        errors={"required": gettext_lazy("Choose the country where it happened.")},
    ),
    Field(
        "province",
        gettext_lazy("Province"),
        CHOICE,
        provinces.NAMES,
        clear=True,
        prompt=gettext_lazy("Choose a province, if you wish"),
        offered=provinces.grouped_choices,
        help_text=gettext_lazy("Only the province is counted in our statistics."),
    ),
    # Sealed, like every free text: a village named next to a date can point at a person.
    Field("place", gettext_lazy("Territory or town"), TEXT, max_length=200),
    Field("mine_site", gettext_lazy("Mine site, if there is one"), TEXT, max_length=200),
    Field("mineral", gettext_lazy("Mineral"), CHOICE, taxonomy.MINERALS),
    Field("stage", gettext_lazy("Where in the supply chain?"), CHOICE, taxonomy.STAGES),
    Field(
        "incident_date",
        gettext_lazy("When did it happen?"),
        DATE,
        errors={"invalid": gettext_lazy("Write the date like 2025-03-31, or leave it empty.")},
    ),
    Field(
        "date_precision",
        gettext_lazy("How sure are you of the date?"),
        CHOICE,
        taxonomy.DATE_PRECISION,
    ),
    Field(
        "what_happened",
        gettext_lazy("What happened?"),
        LONG_TEXT,
        required=True,
        max_length=20000,
        rows=6,
        help_text=gettext_lazy(
            "Who, what, where, when. Leave out anything that could identify you."
        ),
        errors={
            "required": gettext_lazy("Describe what happened: this is the heart of your report."),
            "max_length": gettext_lazy(
                "Please keep it under %(limit_value)d characters (it has "
                "%(show_value)d). You can add more later with your receipt."
            ),
        },
    ),
    Field("actors", gettext_lazy("Who was involved?"), CHOICES, taxonomy.ACTORS),
    Field("people_affected", gettext_lazy("How many people were affected?"), TEXT, max_length=200),
    Field(
        "contact",
        gettext_lazy("A way to contact you (optional, not recommended)"),
        LONG_TEXT,
        max_length=1000,
        rows=2,
        help_text=gettext_lazy(
            "It is encrypted like the rest, but you are safer without it: your "
            "receipt is enough to receive our answers."
        ),
    ),
    Field(
        "regional_only",
        gettext_lazy("Send only to the regional team"),
        FLAG,
        clear=True,
        help_text=gettext_lazy("Tick this if people in the national team may be involved."),
    ),
)
BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


class InvalidReport(ValueError):
    """An answer outside its field's vocabulary or limits; `field` names it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field, self.message = field_name, message


def clean_value(name: str, value):
    """One answer as it is sealed; InvalidReport if its field would refuse it."""
    return _clean_value(BY_NAME[name], value)


def _clean_value(spec: Field, value):
    if value is None or value == spec.empty:
        if spec.required:
            raise InvalidReport(spec.name, str(spec.errors.get("required", _("Required."))))
        return spec.empty if spec.when_empty is None else spec.when_empty
    if spec.kind == FLAG:
        if not isinstance(value, bool):
            raise InvalidReport(spec.name, _("Yes or no."))
        return value
    if spec.kind == CHOICES:
        if not isinstance(value, list | tuple) or any(v not in spec.vocabulary for v in value):
            raise InvalidReport(spec.name, _("Choose from the list."))
        return sorted(set(value))
    if not isinstance(value, str):
        raise InvalidReport(spec.name, _("Not a text."))
    if spec.kind == CHOICE and value not in spec.vocabulary:
        raise InvalidReport(spec.name, _("Choose from the list."))
    if spec.kind == DATE:
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise InvalidReport(spec.name, str(spec.errors["invalid"])) from None
        if day > clock.now().date():
            raise InvalidReport(spec.name, _("This date is in the future."))
        return day.isoformat()
    if spec.max_length is not None and len(value) > spec.max_length:
        raise InvalidReport(
            spec.name,
            _("Please keep it under %(limit)d characters.") % {"limit": spec.max_length},
        )
    return value


def check_together(answers: Mapping) -> None:
    """Refuse answers that are each valid but do not fit together (a province elsewhere)."""
    province, country = answers.get("province"), answers.get("country")
    if province and country and provinces.country_of(province) != country:
        raise InvalidReport("province", _("This province is not in the country you chose."))


def clean_answers(answers: Mapping) -> dict:
    """The answers as they are sealed: every field present, each checked against its spec.

    Raises InvalidReport for an unknown field or a value outside its field's vocabulary,
    type or length, so what `submit` stores is always what the form could have sent.
    """
    unknown = sorted(set(answers) - set(BY_NAME))
    if unknown:
        raise InvalidReport(unknown[0], _("Not a field of the report."))
    cleaned = {spec.name: _clean_value(spec, answers.get(spec.name)) for spec in FIELDS}
    check_together(cleaned)
    return cleaned


def upgraded(report: Mapping) -> dict:
    """A sealed report in today's field names, whenever it was sent.

    Reports sealed before provinces became a closed list carried the reporter's free text
    ("Province, territory or town") under "province"; that text is the "place" answer now.
    """
    report = dict(report)
    if "place" not in report and "province" in report:
        report["place"] = report.pop("province")
    return report


@dataclass(frozen=True)
class Answer:
    key: str
    label: str
    text: str
    long: bool


def in_words(name: str, value) -> str:
    """An answer as people read it: codes become their words, yes/no, lists joined."""
    spec = BY_NAME.get(name)
    words = (spec.vocabulary if spec else None) or {}
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "; ".join(str(words.get(v, v)) for v in value)
    return str(words.get(value, value)) if value not in (None, "") else "—"


def labelled(report: Mapping) -> list[Answer]:
    """A report's answers in the form's order, labelled; keys no field knows keep their name."""
    names = [f.name for f in FIELDS if f.name in report] + [k for k in report if k not in BY_NAME]
    return [
        Answer(
            name,
            str(BY_NAME[name].label) if name in BY_NAME else name,
            in_words(name, report[name]),
            name in BY_NAME and BY_NAME[name].kind == LONG_TEXT,
        )
        for name in names
    ]
