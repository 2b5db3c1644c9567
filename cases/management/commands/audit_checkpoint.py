from django.core.management.base import BaseCommand, CommandError

from cases import checkpoints


class Command(BaseCommand):
    help = (
        "Print a signed checkpoint of the audit chain (one content-free line): keep it off "
        "this server, and check against it with verify_audit --checkpoint FILE."
    )

    def handle(self, **options):
        try:
            self.stdout.write(checkpoints.make().line)
        except checkpoints.CheckpointError as error:
            raise CommandError(str(error)) from None
