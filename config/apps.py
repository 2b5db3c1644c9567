from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself as an app: its deployment checks and its commands (serve, ...)."""

    name = "config"
    verbose_name = "Lanterne"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
