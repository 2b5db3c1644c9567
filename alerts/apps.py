from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases import events

        from . import figures, tasks

        figures.register()  # the statistics page and the quarterly report

        # A case's clear metadata changed and committed: evaluate the rules (ids only).
        events.metadata_changed.connect(tasks.queue_evaluation, dispatch_uid="alerts-evaluate")
