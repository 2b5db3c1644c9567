"""Each staff member's language: chosen on her language page, applied on every staff page.

LocaleMiddleware picks the browser's language first (the login pages, the public site);
once a staff member is signed in, StaffLanguageMiddleware switches the staff pages to the
language on her profile, if she chose one. Her e-mails follow the same choice
(cases.notifications).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions


class StaffLanguageMiddleware:
    """After authentication: a signed-in staff member's pages are in her chosen language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def chosen_language(request: HttpRequest) -> str:
    if not request.path.startswith("/" + settings.LANTERNE_ADMIN_PATH):
        return ""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    profile = permissions.profile_of(user)
    return profile.language if profile is not None else ""


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the staff site and of your e-mails"),
        choices=[("", gettext_lazy("My browser's language"))] + list(settings.LANGUAGES),
        required=False,
    )


def language_page(request: HttpRequest, site) -> HttpResponse:
    """Show and change the signed-in staff member's language."""
    profile = permissions.profile_of(request.user)
    if profile is None:
        messages.error(request, _("Only staff members with a profile choose a language."))
        return redirect("admin:index")
    form = LanguageForm(request.POST or None, initial={"language": profile.language})
    if request.method == "POST" and form.is_valid():
        profile.language = form.cleaned_data["language"]
        profile._history_user = request.user
        profile.save(update_fields=["language"])
        with translation.override(profile.language or translation.get_language()):
            messages.success(request, _("Your language is saved."))
        return redirect("admin:language")
    context = {**site.each_context(request), "form": form, "title": _("Language")}
    return TemplateResponse(request, "staff/language.html", context)
