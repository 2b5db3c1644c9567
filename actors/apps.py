from django.apps import AppConfig


class ActorsConfig(AppConfig):
    """The sealed registry of actors ("know your customer"), linked to cases."""

    name = "actors"
    verbose_name = "Actors"
