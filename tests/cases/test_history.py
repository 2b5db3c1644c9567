import pytest
from django.db import connection

from cases import sharing, workflow
from cases.models import Case, KeyWrap
from tests.conftest import ANSWERS, key_of, report
from tests.dump import database_dump

pytestmark = pytest.mark.django_db


def history_tables():
    return [t for t in connection.introspection.table_names() if "historical" in t]


def test_every_case_related_model_keeps_history():
    names = {t.replace("cases_historical", "") for t in history_tables()}
    assert {
        "case",
        "casecategory",
        "keywrap",
        "message",
        "attachment",
        "note",
        "escalation",
        "staffprofile",
    } <= names


def test_history_holds_ciphertext_only(coalition):
    case = report().case
    amani = coalition["amani"]
    workflow.add_note(case, by=amani.user, case_key=key_of(case, amani), text="Witness: Kabila M.")
    with connection.cursor() as cursor:
        blob = b""
        for table in history_tables():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            blob += repr(cursor.fetchall()).encode()
    assert ANSWERS["what_happened"].encode() not in blob
    assert b"Kabila" not in blob and b"Tshikapa" not in blob


def test_a_revoked_key_wrap_survives_nowhere(coalition):
    case = report().case
    beatrice = coalition["beatrice"]
    wrapped = bytes(KeyWrap.objects.get(case=case, user=coalition["amani"].user).wrapped)
    sharing.revoke_access(case, by=beatrice.user, who=coalition["amani"].user)
    assert wrapped not in database_dump()


def test_history_written_by_the_reporter_is_dated_to_the_hour(coalition):
    report()
    with connection.cursor() as cursor:
        for table in history_tables():
            cursor.execute(f'SELECT history_date FROM "{table}" WHERE history_user_id IS NULL')  # noqa: S608
            for (when,) in cursor.fetchall():
                text = str(when)
                assert text[14:19] in ("00:00", "00") or ":00:00" in text, (table, text)


def test_the_reporters_key_is_not_in_history(coalition):
    case = report().case
    reporter_key = bytes(Case.objects.get(pk=case.pk).reporter_key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_historicalcase")
        assert reporter_key not in repr(cursor.fetchall()).encode()
