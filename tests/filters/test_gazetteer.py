"""The shipped gazetteer: cities carry their country, state and airports; names are looked up loosely."""

from filters.gazetteer import fold, gazetteer


def test_a_city_carries_its_country_state_and_airports():
    chicago = gazetteer().cities_named("Chicago")[0]
    assert (chicago.country, chicago.state, chicago.timezone) == ("US", "IL", "America/Chicago")
    assert "ORD" in chicago.airports and gazetteer().airport("ord").country == "US"
    assert gazetteer().cities_named("new york")[0].state == "NY"  # an alias, any case
    assert "LHR" in gazetteer().cities_named("London")[0].airports


def test_countries_and_regions_by_name_or_code():
    g = gazetteer()
    assert g.country("Germany").code == g.country("DEU").code == g.country("de").code == "DE"
    assert g.country("UK").currency == "GBP" and g.country("Japan").currency == "JPY"
    assert "US" in g.region_country("Florida") and "ES" not in g.region_country("Florida")
    assert g.region_country("Bavaria") == {"DE"} and g.region_names("US", "NY") == ("New York",)
    assert g.country("Atlantis") is None and g.cities_named("Atlantis") == []


def test_fold_ignores_accents_case_and_punctuation():
    assert fold("São Paulo") == fold("sao-paulo") == "sao paulo"


def test_places_a_text_names_codes_only_in_capitals_common_words_only_capitalised():
    g = gazetteer()
    places = g.places_in("Flights from New York to LON, then Nice and Texas; it was nice, for the man in the US")
    assert [city.name for city in places.cities] == ["New York City", "London", "Nice"]  # not York, Washington (WAS)
    assert places.countries == {"US"} and ("US", "TX") in places.regions and ("US", "NY") in places.regions
    assert g.places_in("reading in nice weather").cities == []


def test_a_city_by_its_travel_codes():
    g = gazetteer()
    assert "New York City" in {city.name for city in g.cities_with_code("JFK")}
    assert "NYP" in g.cities_named("New York")[0].codes and "KGX" in g.cities_named("London")[0].codes
    assert g.cities_named("Frankfurt")[0].name == "Frankfurt am Main" and g.cities_named("Vegas")
