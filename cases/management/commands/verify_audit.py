from django.core.management.base import BaseCommand, CommandError

from cases import audit
from cases.models import AuditEvent


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit non-zero naming the first bad event."

    def handle(self, **options):
        broken = audit.verify()
        if broken is not None:
            where = f"event #{broken.event_id}" if broken.event_id else "the end of the log"
            raise CommandError(f"audit chain broken at {where}: {broken.reason}")
        self.stdout.write(f"audit chain intact: {AuditEvent.objects.count()} events")
