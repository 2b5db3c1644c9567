"""Staff sign-in: password then second factor, the key session, password change, recovery."""

import pytest
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import keys
from lib import crypto
from staff import accounts, key_session, throttle
from tests.conftest import PASSWORD, sign_in
from tests.dump import cache_contents

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lanterns glow over the kasai river"
LOGIN, CODE = reverse("admin:login"), reverse("admin:login_code")
INDEX, LOGOUT = reverse("admin:index"), reverse("admin:logout")
RECOVER, PASSWORD_CHANGE = reverse("admin:recover"), reverse("admin:password_change")
WRONG_PASSWORD = "The username or the password is not right."


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def backup_code(user) -> str:
    return accounts.new_backup_codes(user)[0]


def session_key_of(client, user) -> bytes | None:
    """The private key the client's two halves open, as the admin's views would see it."""
    request = RequestFactory().get(INDEX)
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    request.session = client.session
    request.user = user
    return key_session.private_key(request)


def private_key_of(profile, password: str = PASSWORD) -> bytes:
    profile.refresh_from_db()
    return keys.unseal_private_key(profile, password)


def errors(response) -> str:
    return response.content.decode()


# --- two steps --------------------------------------------------------------------------


def test_a_password_alone_does_not_open_the_admin(client, amani):
    response = client.post(LOGIN, {"username": "amani", "password": PASSWORD})
    assert response.status_code == 302 and response.url == CODE
    assert client.get(INDEX).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_password_and_a_totp_code_open_the_admin(client, amani):
    response = sign_in(client, "amani", code=current_code(amani.user))
    assert response.status_code == 302 and response.url == INDEX
    assert client.get(INDEX).status_code == 200
    assert session_key_of(client, amani.user) == private_key_of(amani)


def test_the_login_goes_where_it_was_asked_to_but_only_on_this_site(client, amani):
    target = reverse("admin:password_change")
    client.post(LOGIN, {"username": "amani", "password": PASSWORD, "next": target})
    assert client.post(CODE, {"code": current_code(amani.user)}).url == target
    client.post(LOGOUT)
    client.post(LOGIN, {"username": "amani", "password": PASSWORD, "next": "https://evil.example/"})
    assert client.post(CODE, {"code": backup_code(amani.user)}).url == INDEX


def test_a_wrong_code_does_not_log_in(client, amani):
    client.post(LOGIN, {"username": "amani", "password": PASSWORD})
    response = client.post(CODE, {"code": "000000"})
    assert "That code is not right" in errors(response)
    assert client.get(INDEX).status_code == 302


def test_a_backup_code_works_once(client, amani):
    code = backup_code(amani.user)
    assert sign_in(client, "amani", code=code).url == INDEX
    assert isinstance(client.get(INDEX).wsgi_request.user.otp_device, StaticDevice)
    client.post(LOGOUT)
    assert "That code is not right" in errors(sign_in(client, "amani", code=code, check=False))
    assert client.get(INDEX).status_code == 302


def test_the_code_step_needs_a_password_first(client, amani):
    response = client.post(CODE, {"code": current_code(amani.user)})
    assert response.url == LOGIN and "_auth_user_id" not in client.session


def test_a_waiting_login_expires(client, amani, frozen):
    client.post(LOGIN, {"username": "amani", "password": PASSWORD})
    frozen.advance(seconds=key_session.PENDING_SECONDS + 1)
    assert client.post(CODE, {"code": current_code(amani.user)}).url == LOGIN
    assert client.get(INDEX).status_code == 302


def test_a_non_staff_user_is_refused_like_a_wrong_password(client):
    get_user_model().objects.create_user("visitor", password=PASSWORD)
    response = client.post(LOGIN, {"username": "visitor", "password": PASSWORD})
    assert WRONG_PASSWORD in errors(response)


# --- throttle ---------------------------------------------------------------------------


STRANGER, HER = "198.51.100.7", "203.0.113.20"


def attempt(client, username, password=None, **headers):
    password = password or "wrong password here"
    return errors(client.post(LOGIN, {"username": username, "password": password}, **headers))


def test_failures_are_slowed_down_with_a_growing_delay(client, amani, frozen):
    for _ in range(3):
        assert WRONG_PASSWORD in attempt(client, "amani")
    assert "Wait 1 second and try again" in attempt(client, "amani", PASSWORD)
    frozen.advance(seconds=1)
    assert WRONG_PASSWORD in attempt(client, "amani")
    assert "Wait 2 seconds" in attempt(client, "amani")
    frozen.advance(seconds=2)
    assert WRONG_PASSWORD in attempt(client, "amani")
    frozen.advance(seconds=3)
    assert "Wait 1 second" in attempt(client, "amani")  # 4 s after the fifth failure
    frozen.advance(seconds=1)
    assert client.post(LOGIN, {"username": "amani", "password": PASSWORD}).url == CODE


def test_the_delay_stops_growing_at_fifteen_minutes(client, amani, frozen):
    for _ in range(20):
        frozen.advance(seconds=throttle.MAX_DELAY)
        assert WRONG_PASSWORD in attempt(client, "amani")
    assert "Wait 15 minutes" in attempt(client, "amani")


def test_wrong_codes_count_and_a_right_password_does_not_reset_them(client, amani, frozen):
    client.post(LOGIN, {"username": "amani", "password": PASSWORD})
    for _ in range(3):
        client.post(CODE, {"code": "000000"})
    assert "Wait 1 second" in errors(client.post(CODE, {"code": current_code(amani.user)}))
    assert "Wait 1 second" in attempt(client, "amani", PASSWORD)
    frozen.advance(seconds=1)
    assert client.post(LOGIN, {"username": "amani", "password": PASSWORD}).url == CODE
    assert "That code is not right" in errors(client.post(CODE, {"code": "000000"}))
    assert "Wait 2 seconds" in errors(client.post(CODE, {"code": current_code(amani.user)}))


def test_a_complete_login_resets_the_count(client, amani, frozen):
    for _ in range(3):
        attempt(client, "amani")
    frozen.advance(seconds=1)
    sign_in(client, "amani")
    client.post(LOGOUT)
    for _ in range(3):
        assert WRONG_PASSWORD in attempt(client, "amani")


def test_the_throttle_is_per_account(client, amani, sia):
    for _ in range(4):
        attempt(client, "amani")
    assert "Wait" in attempt(client, "amani")
    assert client.post(LOGIN, {"username": "sia", "password": PASSWORD}).url == CODE


def test_an_unknown_username_gets_the_same_answers(client, amani, frozen):
    known = [attempt(client, "amani") for _ in range(4)]
    unknown = [attempt(client, "nobody") for _ in range(4)]
    assert [WRONG_PASSWORD in page for page in known] == [True, True, True, False]
    assert [WRONG_PASSWORD in page for page in unknown] == [True, True, True, False]
    assert "Wait 1 second" in known[3] and "Wait 1 second" in unknown[3]


def test_the_throttle_stores_no_address_or_name(client, amani, settings):
    client.post(LOGIN, {"username": "amani", "password": "wrong"}, REMOTE_ADDR="198.51.100.7")
    sessions = str(Session.objects.all().values_list("session_data")).encode()
    stored = cache_contents(settings) + sessions
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="198.51.100.7")
    assert throttle._throttle_keys("amani", request)[0].encode() in stored  # counted
    for trace in (b"198.51.100.7", b"198.51.100", b"amani"):
        assert trace not in stored


def test_a_stranger_failing_with_her_name_slows_himself_not_her(client, amani, frozen):
    for _ in range(6):
        attempt(client, "amani", REMOTE_ADDR=STRANGER)
    assert "Wait" in attempt(client, "amani", PASSWORD, REMOTE_ADDR=STRANGER)
    response = client.post(LOGIN, {"username": "amani", "password": PASSWORD}, REMOTE_ADDR=HER)
    assert response.status_code == 302 and response.url == CODE


def test_failures_from_her_own_place_still_slow_her(client, amani, frozen):
    for _ in range(3):
        attempt(client, "amani", REMOTE_ADDR=HER)
    assert "Wait 1 second" in attempt(client, "amani", PASSWORD, REMOTE_ADDR=HER)


def test_past_the_site_ceiling_everyone_waits_for_the_next_hour(client, amani, sia, settings):
    settings.LANTERNE_STAFF_FAILURES_PER_HOUR = 10
    for n in range(10):  # from ten places, none of them slowed on its own
        attempt(client, "sia", REMOTE_ADDR=f"198.51.{n}.7")
    page = attempt(client, "amani", PASSWORD, REMOTE_ADDR=HER)
    assert "Too many failed sign-ins on this site in the last hour" in page
    settings.LANTERNE_STAFF_FAILURES_PER_HOUR = 11  # the control: below it, she gets in
    response = client.post(LOGIN, {"username": "amani", "password": PASSWORD}, REMOTE_ADDR=HER)
    assert response.status_code == 302 and response.url == CODE


# --- the key session --------------------------------------------------------------------


def test_the_sessions_table_holds_no_private_key(client, amani):
    sign_in(client, "amani")
    key = private_key_of(amani)
    dump = "".join(
        str(session.get_decoded()) + session.session_data for session in Session.objects.all()
    )
    for form in (crypto.b64(key), key.hex(), repr(key)):
        assert form not in dump


def test_the_key_cookie_alone_opens_nothing(client, amani):
    sign_in(client, "amani")
    thief = Client()
    thief.cookies[key_session.COOKIE] = client.cookies[key_session.COOKIE].value
    assert thief.get(INDEX).status_code == 302


def test_the_session_cookie_alone_opens_nothing(client, amani):
    sign_in(client, "amani")
    thief = Client()
    thief.cookies["sessionid"] = client.cookies["sessionid"].value
    assert thief.get(INDEX).status_code == 302
    assert thief.get(INDEX).wsgi_request.user.get_username() == "amani"  # logged in, no key


def test_the_key_cookie_is_httponly_strict_and_scoped_to_the_admin(client, amani):
    response = sign_in(client, "amani")
    cookie = response.cookies[key_session.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == INDEX


def test_the_session_id_changes_at_login(client, amani):
    client.post(LOGIN, {"username": "amani", "password": PASSWORD})
    before = client.cookies["sessionid"].value
    client.post(CODE, {"code": current_code(amani.user)})
    assert client.cookies["sessionid"].value != before


def test_logging_out_destroys_the_key_session(client, amani):
    sign_in(client, "amani")
    session_id, key_cookie = client.cookies["sessionid"].value, client.cookies[key_session.COOKIE]
    response = client.post(LOGOUT)
    assert response.cookies[key_session.COOKIE]["max-age"] == 0
    assert not Session.objects.filter(session_key=session_id).exists()
    replay = Client()
    replay.cookies["sessionid"], replay.cookies[key_session.COOKIE] = session_id, key_cookie.value
    assert replay.get(INDEX).status_code == 302


def test_a_key_copied_into_another_session_does_not_open(client, amani, sia):
    sign_in(client, "amani")
    other = Client()
    sign_in(other, "sia")
    session = other.session
    session[key_session.SESSION_KEY] = client.session[key_session.SESSION_KEY]
    session.save()
    other.cookies[key_session.COOKIE] = client.cookies[key_session.COOKIE].value
    assert session_key_of(other, sia.user) is None
    assert other.get(INDEX).status_code == 302


# --- enrolment and accounts without keys ------------------------------------------------


def test_a_password_alone_never_sets_up_an_authenticator(client):
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.post(LOGIN, {"username": "root", "password": PASSWORD})
    response = client.get(CODE, follow=True)
    assert "This account has no authenticator" in errors(response)
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert client.get(INDEX).status_code == 302


def test_a_superuser_without_a_profile_logs_in_with_no_key(client):
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    assert sign_in(client, "root").url == INDEX
    assert client.get(INDEX).status_code == 200
    assert session_key_of(client, admin) is None


# --- password change --------------------------------------------------------------------


def change(client, old=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        PASSWORD_CHANGE,
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_changing_the_password_re_seals_the_key(client, amani):
    key = private_key_of(amani)
    sign_in(client, "amani")
    assert change(client).url == reverse("admin:password_change_done")
    with pytest.raises(
        crypto.CryptoError, match="cannot open: wrong key, wrong context or tampered"
    ):
        private_key_of(amani, PASSWORD)
    assert private_key_of(amani, NEW_PASSWORD) == key
    assert client.get(INDEX).status_code == 200  # still logged in, key session restarted
    assert session_key_of(client, amani.user) == key
    amani.user.refresh_from_db()
    assert not amani.user.has_usable_password()  # the sealed key is the only verifier
    assert auth.authenticate(username="amani", password=NEW_PASSWORD) == amani.user
    assert auth.authenticate(username="amani", password=PASSWORD) is None


def test_a_wrong_old_password_changes_nothing(client, amani):
    sign_in(client, "amani")
    response = change(client, old="not my password")
    assert response.status_code == 200
    assert private_key_of(amani, PASSWORD)


def test_a_weak_new_password_is_refused(client, amani):
    sign_in(client, "amani")
    assert change(client, new="short").status_code == 200
    assert private_key_of(amani, PASSWORD)


def test_the_password_change_needs_the_second_factor(client, amani):
    client.post(LOGIN, {"username": "amani", "password": PASSWORD})
    assert change(client).status_code == 302
    assert private_key_of(amani, PASSWORD)


# --- recovery ---------------------------------------------------------------------------


@pytest.fixture
def kofi(db):
    """An officer for Ghana whose recovery key the test keeps."""
    return accounts.enrol("kofi", role="officer", password=PASSWORD, countries=["GH"])


def recover(client, enrolment, **changes):
    fields = {
        "username": enrolment.profile.user.get_username(),
        "recovery_key": enrolment.recovery_key,
        "code": current_code(enrolment.profile.user),
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        **changes,
    }
    return client.post(RECOVER, fields)


def test_the_recovery_key_restores_access_with_every_case(client, kofi):
    key = private_key_of(kofi.profile)
    assert recover(client, kofi).url == LOGIN
    assert private_key_of(kofi.profile, NEW_PASSWORD) == key
    assert sign_in(client, "kofi", NEW_PASSWORD, backup_code(kofi.profile.user)).url == INDEX
    assert session_key_of(client, kofi.profile.user) == key


def test_recovery_refuses_alike_a_wrong_key_a_wrong_code_and_an_unknown_name(client, kofi):
    other = crypto.generate_recovery_key()
    pages = [
        errors(recover(client, kofi, recovery_key=other)),
        errors(recover(client, kofi, code="000000")),
        errors(recover(client, kofi, username="nobody")),
    ]
    assert all("These details do not match an account" in page for page in pages)
    assert private_key_of(kofi.profile, PASSWORD)


def test_recovery_attempts_are_throttled(client, kofi):
    for _ in range(3):
        recover(client, kofi, code="000000")
    assert "Wait 1 second" in errors(recover(client, kofi))
    assert private_key_of(kofi.profile, PASSWORD)


def test_the_recovery_page_warns_what_a_reset_without_the_key_costs(client):
    page = errors(client.get(RECOVER))
    assert "you lose access to every case sent to your account" in page


def test_only_an_administrator_may_reset_without_recovery(coalition):
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        accounts.reset_without_recovery(coalition["amani"].user, by=coalition["beatrice"].user)
    assert private_key_of(coalition["amani"])
