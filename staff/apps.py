from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """The officers' site: no models of its own, only screens over cases (see staff/sites.py)."""

    name = "staff"
    verbose_name = _("Staff")
