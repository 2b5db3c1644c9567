"""Signing in with the password: for a key holder, opening the sealed private key IS the
password check.

A staff member with a key pair has no Django password hash (it is unusable): the private
key sealed under the password with Argon2id is the password's only verifier, so a stolen
database offers one offline target per person, not two, and a login costs one Argon2id
run. The opened key is handed to the login view on the user object, so nothing opens it
twice. When the configured Argon2id cost has risen since the key was sealed, it is sealed
again at this login (Django's `must_update` pattern). A name without a key spends the same
Argon2id run, so the answer's timing does not tell which names have keys. Accounts without
keys (a superuser made by `createsuperuser`) keep Django's own hash.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from cases import keys
from cases.models import StaffProfile
from lib import crypto


class KeyHolderBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = get_user_model()._default_manager.filter(username=username).first()
        profile = StaffProfile.objects.filter(user=user).first() if user else None
        if profile is None or not profile.has_keys:
            if user is not None and user.has_usable_password() and profile is None:
                return super().authenticate(request, username=username, password=password)
            keys.decoy_unseal(password)
            return None
        try:
            private_key = keys.unseal_private_key(profile, password)
        except crypto.CryptoError:
            return None
        if not self.user_can_authenticate(user):
            return None
        if keys.needs_reseal(profile):
            profile.sealed_private_key = keys.seal_private_key(password, private_key)
            profile.save(update_fields=["sealed_private_key"])
        user.lanterne_private_key = private_key
        user._lanterne_profile = profile
        return user
