from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.LANTERNE_ADMIN_PATH, admin.site.urls),
    path("", include("whistle.urls")),
]
