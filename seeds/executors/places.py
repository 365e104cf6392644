"""Shared by the bundled executors (maps, travel, weather): cities and airports of the project's
gazetteer (filters/data/gazetteer.json, which the checks and the planner read too), so a result
agrees with the world the checks know. Standard library only; not an executor itself.

An executor loads it by path (executors run as files, `python -I`, without a package):
    _spec = importlib.util.spec_from_file_location("places", pathlib.Path(__file__).with_name("places.py"))
"""

import json
import math
import pathlib
import re
import unicodedata

# countries no road or rail leaves (Korea's only land border is closed); a ground route from one
# of them to another country crosses the sea
ISLANDS = {"JP", "TW", "PH", "NZ", "IS", "LK", "MG", "CU", "JM", "PR", "TT", "BS", "CY", "MT", "MU", "FJ", "ID", "KR"}
LANDMASS = {"EU": "afro-eurasia", "AS": "afro-eurasia", "AF": "afro-eurasia", "NA": "americas", "SA": "americas"}
_TABLE = {}


def _table():
    """The gazetteer's cities (by folded name, most populous first), countries and airports."""
    if not _TABLE:
        here = pathlib.Path(__file__).resolve()
        path = next(
            p / "filters" / "data" / "gazetteer.json"
            for p in here.parents
            if (p / "filters" / "data" / "gazetteer.json").is_file()
        )  # the repository, or site-packages beside pipeline/_data/seeds
        data = json.loads(path.read_text(encoding="utf-8"))
        by_name = {}
        for city in sorted(data["cities"], key=lambda c: -c["population"]):
            for name in [city["name"], *city["aliases"]]:
                by_name.setdefault(fold(name), []).append(city)
        _TABLE.update(cities=by_name, countries=data["countries"], airports=data["airports"])
    return _TABLE


def fold(text):
    """Lookup key of a name: accents, case and punctuation removed."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def city(text, country=None):
    """The city a place names (the whole text, else the last comma-separated part holding a
    city's name among its words, else an airport code), as the gazetteer's dict; None when it
    names none. With `country` (ISO code), only a city of that country ("London", "CA")."""
    table = _table()
    for whole, part in [(True, text)] + [(False, part) for part in reversed(text.split(",")) if part.strip()]:
        words = fold(part).split()
        # a part's words may hold its city ("1071 XX Amsterdam", "Sydney NSW 2000"); the whole
        # text's words may not ("Mercado San Juan de Dios, Guadalajara" is not San Juan)
        sizes = [] if whole else range(min(3, len(words)), 0, -1)
        keys = [" ".join(words)] + [
            " ".join(words[start : start + size]) for size in sizes for start in range(len(words) - size, -1, -1)
        ]
        for key in keys:
            readings = [c for c in table["cities"].get(key, []) if country in (None, c["country"])]
            if readings and not key.isdigit():
                return readings[0]
    found = airport(text.strip())
    if found is not None:
        named = table["cities"].get(fold(found["city"]))
        return named[0] if named else {**found, "population": 0, "timezone": found["tz"]}
    return None


def airport(code):
    """An airport by IATA code: {name, city, country, tz, lat, lon}; None when unknown."""
    return _table()["airports"].get(code.upper()) if re.fullmatch(r"[A-Za-z]{3}", code or "") else None


def km(a, b):
    """Great-circle distance between two points with `lat` and `lon`."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(min(1.0, math.sqrt(h)))


def by_land(a, b):
    """Whether a road or a railway can join two places (same country, or one landmass and no island)."""
    if a["country"] == b["country"]:
        return True
    if a["country"] in ISLANDS or b["country"] in ISLANDS:
        return False
    continents = [(_table()["countries"].get(p["country"]) or {}).get("continent") for p in (a, b)]
    masses = [LANDMASS.get(c, p["country"]) for c, p in zip(continents, (a, b))]
    return masses[0] == masses[1]
