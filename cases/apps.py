from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from . import checks, history, search  # noqa: F401  (registers the system checks)

        history.connect()
        search.connect()
