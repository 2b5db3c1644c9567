"""The closed province list: ISO 3166-2 top-level subdivisions of our countries, translated."""

from django.utils import translation

from places import countries, provinces


def test_every_country_we_serve_has_provinces_and_each_belongs_to_it():
    for country in countries.COUNTRIES:
        codes = provinces.codes(country)
        assert codes, country
        assert all(code.startswith(f"{country}-") for code in codes)
        assert all(provinces.country_of(code) == country for code in codes)


def test_only_the_first_level_is_listed():
    # Uganda's four regions, not its 135 districts; Guinea's eight regions, not prefectures.
    assert len(provinces.codes("UG")) == 4
    assert len(provinces.codes("GN")) == 8
    assert "CD-NK" in provinces.codes("CD") and "CD-IT" in provinces.codes("CD")


def test_names_follow_the_readers_language_and_sort_in_it():
    with translation.override("en"):
        english = dict(provinces.choices("CM"))
    with translation.override("fr"):
        french = provinces.choices("CM")
    assert (english["CM-EN"], dict(french)["CM-EN"]) == ("Far North", "Extrême-Nord")
    assert [name for _code, name in french] == sorted(name for _code, name in french)
    with translation.override("sw"):  # no Swahili catalogue: the ISO name
        assert provinces.name("CM-EN") == "Far North"


def test_an_unknown_code_is_not_a_province():
    assert provinces.country_of("CD-XX") is None
    assert provinces.name("CD-XX") == "CD-XX"
