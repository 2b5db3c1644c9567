from django.apps import AppConfig


class StaffConfig(AppConfig):
    """The officers' site: no models of its own, only screens over cases (see staff/sites.py)."""

    name = "staff"
    verbose_name = "Staff"
