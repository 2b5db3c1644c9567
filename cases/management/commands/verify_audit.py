from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases import audit, checkpoints
from cases.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain, and with --checkpoint that it extends every signed "
        "checkpoint in FILE; exit non-zero naming the first bad event."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="a file holding lines printed by audit_checkpoint (or the e-mails' lines)",
        )

    def handle(self, checkpoint=None, **options):
        kept = []
        if checkpoint:
            try:
                kept = checkpoints.read(Path(checkpoint).read_text(errors="replace"))
            except OSError as error:
                raise CommandError(f"cannot read {checkpoint}: {error.strerror}") from None
            except checkpoints.CheckpointError as error:
                raise CommandError(f"{checkpoint}: {error}") from None
            broken = checkpoints.verify_against(kept)
        else:
            broken = audit.verify()
        if broken is not None:
            where = f"event #{broken.event_id}" if broken.event_id else "the end of the log"
            raise CommandError(f"audit chain broken at {where}: {broken.reason}")
        extends = f", extending {len(kept)} checkpoint(s)" if kept else ""
        self.stdout.write(f"audit chain intact: {AuditEvent.objects.count()} events{extends}")
