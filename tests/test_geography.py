import pytest

from register.domain.geography import in_americas, parse_country


@pytest.mark.parametrize(
    "text, code",
    [
        ("México", "MX"), ("Mexico", "MX"), ("mexique", "MX"), ("MX", "MX"), ("mex", "MX"),
        ("Estados Unidos", "US"), ("États-Unis", "US"), ("Etats Unis", "US"), ("USA", "US"), ("EE. UU.", "US"),
        ("United States of America", "US"), ("Canadá", "CA"), ("Canada", "CA"),
        ("Corea del Sur", "KR"), ("Corée du Sud", "KR"), ("South Korea", "KR"),
        ("China", "CN"), ("Chine", "CN"), ("Taiwán", "TW"), ("Taïwan", "TW"),
        ("Alemania", "DE"), ("Allemagne", "DE"), ("Países Bajos", "NL"), ("Royaume-Uni", "GB"),
        ("  japón ", "JP"), ("Viet Nam", "VN"), ("Finlande", "FI"),
    ],
)
def test_country_names_in_three_languages(text, code):
    assert parse_country(text) == code


@pytest.mark.parametrize("text", ["Atlantis", "", "Korea of the Moon", "U"])
def test_unknown_country_is_refused(text):
    with pytest.raises(ValueError):
        parse_country(text)


def test_americas_is_un_m49_region_019():
    for code in ["US", "CA", "MX", "BR", "AR", "PA", "JM", "CL", "GL", "BM"]:
        assert in_americas(code), code
    for code in ["CN", "TW", "KR", "JP", "DE", "GB", "IN", "IL", "RU", "AU", "ES", "FR"]:
        assert not in_americas(code), code
