from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActorsConfig(AppConfig):
    """The sealed registry of actors ("know your customer"), linked to cases."""

    name = "actors"
    verbose_name = _("Actor registry (know your customer)")

    def ready(self) -> None:
        from . import signals

        signals.connect()
