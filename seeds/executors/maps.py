"""Offline maps tools: landmarks and the project's gazetteer (places.py), travel times from
coordinates, road factors and speeds per mode.

Executors for the bundled seeds (see seeds/tools/maps.json). Standard library only;
deterministic in the arguments; JSON-serialisable results. A place nobody knows is not given
made-up coordinates: geocoding it fails, as a real geocoder finds no match.
"""

import hashlib
import importlib.util
import math
import pathlib

_spec = importlib.util.spec_from_file_location("places", pathlib.Path(__file__).with_name("places.py"))
places = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(places)

# lower-cased address -> (formatted address, latitude, longitude, city, country code)
GAZETTEER = {
    "union station, chicago": ("225 S Canal St, Chicago, IL 60606, USA", 41.8789, -87.6403, "Chicago", "US"),
    "golden gate park": ("Golden Gate Park, San Francisco, CA, USA", 37.7694, -122.4862, "San Francisco", "US"),
    "1600 pennsylvania ave nw, washington, dc": (
        "1600 Pennsylvania Ave NW, Washington, DC 20500, USA",
        38.8977,
        -77.0365,
        "Washington",
        "US",
    ),
    "seattle-tacoma international airport": (
        "17801 International Blvd, SeaTac, WA 98158, USA",
        47.4502,
        -122.3088,
        "SeaTac",
        "US",
    ),
    "eiffel tower, paris": ("Champ de Mars, 5 Av. Anatole France, 75007 Paris, France", 48.8584, 2.2945, "Paris", "FR"),
    "shibuya station, tokyo": (
        "2 Chome-24 Shibuya, Shibuya City, Tokyo 150-0002, Japan",
        35.6580,
        139.7016,
        "Tokyo",
        "JP",
    ),
    "350 fifth avenue, new york": ("350 Fifth Avenue, New York, NY 10118, USA", 40.7484, -73.9857, "New York", "US"),
    "stanford university": ("450 Jane Stanford Way, Stanford, CA 94305, USA", 37.4275, -122.1697, "Stanford", "US"),
    "alexanderplatz, berlin": ("Alexanderplatz, 10178 Berlin, Germany", 52.5219, 13.4132, "Berlin", "DE"),
    "fenway park, boston": ("4 Jersey St, Boston, MA 02215, USA", 42.3467, -71.0972, "Boston", "US"),
    "pike place market": ("85 Pike St, Seattle, WA 98101, USA", 47.6097, -122.3422, "Seattle", "US"),
    "harvard square, cambridge": ("Harvard Square, Cambridge, MA 02138, USA", 42.3736, -71.1190, "Cambridge", "US"),
    "sagrada família, barcelona": ("C/ de Mallorca, 401, 08013 Barcelona, Spain", 41.4036, 2.1744, "Barcelona", "ES"),
    "king's cross station, london": ("Euston Rd, London N1 9AL, UK", 51.5320, -0.1233, "London", "GB"),
    "10 downing street, london": ("10 Downing St, London SW1A 2AA, UK", 51.5034, -0.1276, "London", "GB"),
    "sydney opera house": ("Bennelong Point, Sydney NSW 2000, Australia", -33.8568, 151.2153, "Sydney", "AU"),
    "cn tower, toronto": ("290 Bremner Blvd, Toronto, ON M5V 3L9, Canada", 43.6426, -79.3871, "Toronto", "CA"),
    "puerta del sol, madrid": ("Puerta del Sol, 28013 Madrid, Spain", 40.4169, -3.7035, "Madrid", "ES"),
}
SPEED_KMH = {"driving": 38.0, "transit": 24.0, "cycling": 16.0, "walking": 4.8}  # in town
OPEN_ROAD_KMH = {"driving": 85.0, "transit": 110.0}  # beyond the first TOWN_KM: motorways, intercity trains
TOWN_KM = 15.0
FURTHEST_KM = {"walking": 100.0, "cycling": 400.0}  # a route nobody walks or cycles is refused
ROAD_FACTOR = {"driving": 1.25, "transit": 1.2, "cycling": 1.2, "walking": 1.15}  # road length / straight line


def _unit(*parts):
    """A number in [0, 1) fixed by the parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _landmark(address):
    return GAZETTEER.get(" ".join(address.lower().split()))


def geocode_address(address, country_code=None):
    """Coordinates of a known landmark, else of the gazetteer city the address names (a stable
    point within a few km of its centre); an address naming no known place finds no match."""
    known = _landmark(address)
    if known is not None and (country_code is None or country_code == known[4]):
        formatted, lat, lon, city, country = known
        confidence = 0.98
    else:
        found = places.city(address, country_code)
        if found is None:
            where = f" in {country_code}" if country_code else ""
            raise ValueError(f"no match for {address!r}{where}")
        formatted, city, country = address, found["name"], found["country"]
        same = places.fold(address) == places.fold(found["name"])
        lat = round(found["lat"] + (0 if same else 0.04 * (_unit(address, "lat") - 0.5)), 4)
        lon = round(found["lon"] + (0 if same else 0.04 * (_unit(address, "lon") - 0.5)), 4)
        confidence = 0.9 if same else 0.75
    return {
        "address": address,
        "formatted_address": formatted[:300],
        "location": {"latitude": lat, "longitude": lon},
        "city": city if len(city) >= 2 else "Unknown",
        "country_code": country,
        "confidence": confidence,
    }


def _point(place):
    """(lat, lon, country) of a landmark or a gazetteer city; None for an unknown place."""
    known = _landmark(place)
    if known is not None:
        return {"lat": known[1], "lon": known[2], "country": known[4], "name": known[3]}
    return places.city(place)


def get_travel_time(origin, destination, mode="driving", arrive_by=None):
    """Travel time over the road distance between the two places (straight line x a road factor)
    at typical speeds per mode; two places with the sea between have no ground route, and nobody
    walks more than 100 km or cycles more than 400 km. Places
    the gazetteer does not know are taken as a trip across town."""
    if mode not in SPEED_KMH:
        raise ValueError(f"unknown mode {mode!r}")
    start, end = _point(origin), _point(destination)
    same = " ".join(origin.lower().split()) == " ".join(destination.lower().split())
    if start and end and not places.by_land(start, end):
        raise ValueError(f"no {mode} route from {origin} to {destination}: the sea lies between them")
    line = places.km(start, end) if start and end else 0.0
    if line > FURTHEST_KM.get(mode, math.inf):
        raise ValueError(f"no {mode} route from {origin} to {destination}: {line:.0f} km apart")
    if same:
        distance = 0.0
    elif line > 3:
        distance = round(line * ROAD_FACTOR[mode], 1)
    else:  # one town, or a place nobody knows: across town
        distance = round(1.5 + 10.5 * _unit(*sorted((origin.lower(), destination.lower()))), 1)
    town = min(distance, TOWN_KM)
    minutes = town / SPEED_KMH[mode] * 60 + (distance - town) / OPEN_ROAD_KMH.get(mode, SPEED_KMH[mode]) * 60
    result = {"origin": origin, "destination": destination, "mode": mode}
    if mode == "driving":
        traffic = ("light", "moderate", "heavy")[int(_unit(origin, destination, arrive_by, "traffic") * 3)]
        minutes *= {"light": 1.0, "moderate": 1.25, "heavy": 1.6}[traffic]
        result["traffic"] = traffic
    elif mode == "transit" and distance:
        minutes += 6 if distance <= TOWN_KM else 20  # average wait; a station change on a long trip
    result.update(duration_minutes=int(math.ceil(minutes)), distance_km=distance)
    return result
