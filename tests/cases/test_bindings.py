"""What a sealed blob is bound to: a database writer who moves or relabels one breaks it.

Messages are bound to their sender and author, attachments to the message they belong to
(or to the report). Rows sealed before that binding (version 1) still open.
"""

import pytest
from django.db import connection

from cases import access, content, intake, workflow
from cases.models import Attachment, Message, Sender
from lib import crypto
from tests.conftest import key_of
from tests.whistle.pages import form_data, jpeg_with_gps, open_mailbox, receipt_of, send_report

pytestmark = pytest.mark.django_db

NOTICE = "(this text cannot be opened)"


def sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def mailbox(client, coalition):
    """A case with a file in the report, a reporter's message with a file, and a reply."""
    receipt = receipt_of(send_report(client, form_data(attachments=jpeg_with_gps("report.jpg"))))
    open_mailbox(client, receipt)
    client.post(
        "/follow-up/case/",
        {"text": "They came back on Sunday.", "attachments": jpeg_with_gps("sunday.jpg")},
    )
    case, _ = access.case_for_receipt(receipt)
    amani = coalition["amani"]
    key = key_of(case, amani)
    workflow.message_reporter(case, by=amani.user, case_key=key, text="We are on it.")
    return case, key, coalition


def texts(case, key) -> list[tuple[str, str, str]]:
    return [(e.sender, e.author, e.text) for e in content.conversation(case, key)]


def test_messages_and_files_open_where_they_were_sealed(mailbox):
    case, key, _ = mailbox
    assert texts(case, key) == [
        ("reporter", "", "They came back on Sunday."),
        ("staff", "amani", "We are on it."),
    ]
    [reporter_file] = content.conversation(case, key)[0].files
    assert reporter_file.name == "sunday.jpg"
    assert [f.name for f in content.report_files(case, key)] == ["report.jpg"]


def test_a_message_given_another_sender_no_longer_opens(mailbox):
    case, key, _ = mailbox
    reply = Message.objects.get(sender=Sender.STAFF)
    sql("UPDATE cases_message SET sender = %s WHERE id = %s", Sender.REPORTER, reply.id)
    assert texts(case, key)[1] == ("reporter", "amani", NOTICE)
    assert texts(case, key)[0][2] == "They came back on Sunday."  # the control


def test_a_message_given_another_author_no_longer_opens(mailbox):
    case, key, coalition = mailbox
    reply = Message.objects.get(sender=Sender.STAFF)
    sql(
        "UPDATE cases_message SET author_id = %s WHERE id = %s",
        coalition["beatrice"].user.pk,
        reply.id,
    )
    assert texts(case, key)[1] == ("staff", "beatrice", NOTICE)


def test_a_reporter_message_given_an_author_no_longer_opens(mailbox):
    case, key, coalition = mailbox
    first = Message.objects.get(sender=Sender.REPORTER)
    sql(
        "UPDATE cases_message SET author_id = %s WHERE id = %s",
        coalition["amani"].user.pk,
        first.id,
    )
    assert texts(case, key)[0][2] == NOTICE


def test_a_file_moved_to_another_message_or_to_the_report_no_longer_opens(mailbox):
    case, key, _ = mailbox
    moved = Attachment.objects.get(message__sender=Sender.REPORTER)
    reply = Message.objects.get(sender=Sender.STAFF)
    sql("UPDATE cases_attachment SET message_id = %s WHERE id = %s", reply.id, moved.id.hex)
    [shown] = content.conversation(case, key)[1].files
    assert shown.name == "(this file cannot be opened)"
    with pytest.raises(KeyError, match=str(moved.id)):
        content.open_file(case, key, moved.id)

    sql("UPDATE cases_attachment SET message_id = NULL WHERE id = %s", moved.id.hex)
    names = sorted(f.name for f in content.report_files(case, key))
    assert names == ["(this file cannot be opened)", "report.jpg"]
    with pytest.raises(KeyError, match=str(moved.id)):
        content.open_file(case, key, moved.id)
    report_file = Attachment.objects.exclude(id=moved.id).get(message=None)
    info, chunks = content.open_file(case, key, report_file.id)  # the control
    assert info.name == "report.jpg" and b"".join(chunks)[:2] == b"\xff\xd8"


def seal_the_old_way(case, key) -> None:
    """Re-seal every message and attachment as the code before bindings did (version 1)."""
    for message in Message.objects.filter(case=case):
        text = content.open_text(case, key, content.message_purposes(message), message.body)
        message.body = crypto.seal_for_case(
            key, case.id.bytes, f"message:{message.uid}", text.encode()
        )
        message.save(update_fields=["body"])
    for attachment in Attachment.objects.filter(case=case).select_related("message"):
        purposes = content.attachment_purposes(attachment.id, attachment.message)
        for part, field in (("meta", "sealed_meta"), ("key", "sealed_file_key")):
            plain = content.open_bound(case.id, key, purposes[part], getattr(attachment, field))
            old = crypto.seal_for_case(
                key, case.id.bytes, f"attachment-{part}:{attachment.id}", plain
            )
            setattr(attachment, field, old)
        attachment.save(update_fields=["sealed_meta", "sealed_file_key"])


def test_rows_sealed_before_the_bindings_still_open(mailbox):
    case, key, _ = mailbox
    before = texts(case, key)
    seal_the_old_way(case, key)
    first = Message.objects.get(sender=Sender.REPORTER)
    with pytest.raises(
        crypto.CryptoError, match="cannot open"
    ):  # really the old format: the new purpose fails
        crypto.open_for_case(key, case.id.bytes, content.message_purposes(first)[0], first.body)
    assert texts(case, key) == before
    for attachment in Attachment.objects.filter(case=case):
        info, chunks = content.open_file(case, key, attachment.id)
        assert info.name.endswith(".jpg") and b"".join(chunks)[:2] == b"\xff\xd8"


def test_old_rows_keep_their_weaker_binding_as_documented(mailbox):
    """The residual risk of docs/threat-model.md: a version 1 message can be relabelled."""
    case, key, coalition = mailbox
    seal_the_old_way(case, key)
    reply = Message.objects.get(sender=Sender.STAFF)
    sql(
        "UPDATE cases_message SET author_id = %s WHERE id = %s",
        coalition["beatrice"].user.pk,
        reply.id,
    )
    assert texts(case, key)[1] == ("staff", "beatrice", "We are on it.")


def test_a_new_blob_does_not_open_under_the_old_purpose(mailbox):
    case, key, _ = mailbox
    reply = Message.objects.get(sender=Sender.STAFF)
    with pytest.raises(crypto.CryptoError, match="cannot open"):
        crypto.open_for_case(key, case.id.bytes, f"message:{reply.uid}", bytes(reply.body))


def test_a_staff_message_with_a_file_is_bound_to_it(mailbox):
    case, key, coalition = mailbox
    intake.post_message(
        case,
        by=coalition["amani"].user,
        case_key=key,
        text="See the file",
        sender=Sender.STAFF,
        files=[intake_file("notes.txt")],
    )
    last = content.conversation(case, key)[-1]
    assert (last.text, [f.name for f in last.files]) == ("See the file", ["notes.txt"])


def intake_file(name: str):
    from cases import uploads

    upload = uploads.SealingUploadHandler()
    upload.new_file("attachments", name, "text/plain", 12)
    upload.receive_data_chunk(b"hello, world", 0)
    return uploads.accept(upload.file_complete(12))
