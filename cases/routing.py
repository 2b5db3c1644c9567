"""Who receives a new case: the country's officers and the coordinators of its regions."""

from places.countries import regions_of

from .models import Role, StaffProfile


def recipients(country: str, *, regional_only: bool = False) -> list[StaffProfile]:
    """Return the active staff a case from this country is wrapped to.

    National officers of the country, unless the reporter asked for the regional team
    only; every coordinator of a region the country belongs to.
    """
    regions = set(regions_of(country))
    chosen = []
    # Only members a coordinator admitted (staff.accounts.admit) ever receive a case.
    admitted = StaffProfile.objects.filter(user__is_active=True, admitted_at__isnull=False)
    for profile in admitted.exclude(public_key=b"").select_related("user"):
        if profile.role == Role.OFFICER and not regional_only:
            if country in profile.country_list:
                chosen.append(profile)
        elif profile.role == Role.COORDINATOR and regions & set(profile.region_list):
            chosen.append(profile)
    return chosen
