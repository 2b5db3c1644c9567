from django.conf import settings


def public(request) -> dict:
    """Values every public page needs."""
    return {
        "quick_exit_url": settings.LANTERNE_QUICK_EXIT_URL,
        "max_mb": settings.LANTERNE_MAX_ATTACHMENT_MB,
        "coalition_name": settings.LANTERNE_COALITION_NAME,
    }
