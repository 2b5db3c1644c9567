"""System checks: refuse unsafe production settings; warn when metadata removal is partial."""

import shutil

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs):
    problems = []
    if not settings.PRODUCTION:
        problems.append(
            Warning(
                "LANTERNE_ENV is 'local': secrets come from the data folder's local-secrets.json.",
                hint="Set LANTERNE_ENV=production and the secrets in the environment.",
                id="lanterne.W001",
            )
        )
    if settings.LANTERNE_RECEIPT_PEPPER == settings.SECRET_KEY:
        problems.append(
            Error("LANTERNE_RECEIPT_PEPPER must differ from SECRET_KEY.", id="lanterne.E002")
        )
    if not settings.LANTERNE_AUDIT_SIGNING_KEY:
        problems.append(
            Error(
                "LANTERNE_AUDIT_SIGNING_KEY is not set: the audit log cannot be checkpointed.",
                hint="Set it in the environment (docs/operations.md, 'Checking the audit log').",
                id="lanterne.E004",
            )
        )
    if "config.security.CsrfViewMiddleware" not in settings.MIDDLEWARE:
        problems.append(
            Error(
                "config.security.CsrfViewMiddleware is missing from MIDDLEWARE.",
                hint="security.W003 is silenced because this check replaces it.",
                id="lanterne.E005",
            )
        )
    if settings.PRODUCTION and "DEMO" in settings.LANTERNE_COALITION_NAME:
        problems.append(
            Warning(
                "The report form names the demo coalition: reporters are told their report "
                f"goes to {settings.LANTERNE_COALITION_NAME!r}.",
                hint="Set LANTERNE_COALITION_NAME to the coalition's name (deploy/env.example).",
                id="lanterne.W021",
            )
        )
    if settings.PRODUCTION and not settings.SECURE_COOKIES:
        problems.append(
            Error(
                "Cookies must be Secure in production.",
                hint="Unset LANTERNE_SECURE_COOKIES or set it to true.",
                id="lanterne.E003",
            )
        )
    return problems


@register(Tags.security)
def check_metadata_removal(app_configs, **kwargs):
    """Without mat2 (or its scratch directory) office files and recordings keep their author."""
    if shutil.which("mat2") and settings.LANTERNE_SCRUB_DIR:
        return []
    why = (
        "Debian's mat2 is not installed"
        if settings.LANTERNE_SCRUB_DIR
        else "LANTERNE_SCRUB_DIR is empty, so mat2 is not used"
    )
    return [
        Warning(
            f"{why}: Word, OpenDocument, MP3 and other files mat2 cleans keep their author's "
            "name and other hidden details. Reporters are told so on the form before sending.",
            hint="Install it: apt-get install mat2 (make run does when it can).",
            id="lanterne.W020",
        )
    ]


@register(Tags.security)
def check_video_cleaning(app_configs, **kwargs):
    """mat2 cleans videos with ffmpeg; without it a phone video keeps its place and time."""
    if not shutil.which("mat2") or shutil.which("ffmpeg"):
        return []  # without mat2, W020 says so already
    return [
        Warning(
            "ffmpeg is not installed: videos keep their hidden details (the place and time "
            "they were filmed, the phone). Reporters are told so on the form before sending.",
            hint="Install it: apt-get install ffmpeg (make run does when it can).",
            id="lanterne.W022",
        )
    ]
