"""Offline flight search: great-circle distances between airports of the project's gazetteer
(places.py), hash-derived offers. An airport code nobody knows is refused, not given a made-up distance.

Executor for the bundled seeds (see seeds/tools/travel.json). Offer ids match book_flight's
`^FO-[A-Z0-9]{8}$` and flight numbers get_flight_status's pattern. Standard library only;
deterministic in the arguments; JSON-serialisable results.
"""

import datetime
import hashlib
import importlib.util
import math
import pathlib

_spec = importlib.util.spec_from_file_location("places", pathlib.Path(__file__).with_name("places.py"))
places = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(places)

AIRPORTS = {  # IATA -> (latitude, longitude)
    "JFK": (40.64, -73.78),
    "EWR": (40.69, -74.17),
    "LAX": (33.94, -118.41),
    "SFO": (37.62, -122.38),
    "ORD": (41.98, -87.90),
    "ATL": (33.64, -84.43),
    "SEA": (47.45, -122.31),
    "BOS": (42.36, -71.01),
    "MIA": (25.80, -80.29),
    "LHR": (51.47, -0.45),
    "CDG": (49.01, 2.55),
    "FRA": (50.04, 8.56),
    "AMS": (52.31, 4.76),
    "MAD": (40.49, -3.57),
    "FCO": (41.80, 12.25),
    "NRT": (35.77, 140.39),
    "HND": (35.55, 139.78),
    "SIN": (1.36, 103.99),
    "DXB": (25.25, 55.36),
    "SYD": (-33.95, 151.18),
    "YYZ": (43.68, -79.63),
    "MEX": (19.44, -99.07),
    "DEN": (39.86, -104.67),
    "LIS": (38.78, -9.14),
}
HUBS = ["ORD", "ATL", "DEN", "FRA", "AMS", "LHR", "CDG", "DXB", "SIN", "YYZ"]
AIRLINES = [
    ("United Airlines", "UA"),
    ("Delta Air Lines", "DL"),
    ("American Airlines", "AA"),
    ("Lufthansa", "LH"),
    ("Air France", "AF"),
    ("KLM", "KL"),
    ("Emirates", "EK"),
    ("Singapore Airlines", "SQ"),
    ("Air Canada", "AC"),
    ("JetBlue", "B6"),
    ("British Airways", "BA"),
    ("Iberia", "IB"),
]
CABIN_FACTOR = {"economy": 1.0, "premium_economy": 1.6, "business": 3.8, "first": 6.5}
ID_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _unit(*parts):
    """A number in [0, 1) fixed by the parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _coordinates(code):
    if code in AIRPORTS:
        return AIRPORTS[code]
    found = places.airport(code) or places.city(code)  # a metro code (LON, NYC) names a city
    if found is None:
        raise ValueError(f"unknown airport {code!r}")
    return found["lat"], found["lon"]


def _km(a, b):
    (lat1, lon1), (lat2, lon2) = (map(math.radians, _coordinates(code)) for code in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _minutes(km):
    return int(35 + km / 820 * 60)


def _stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:00Z")


def search_flights(
    origin, destination, departure_date, return_date=None, passengers=1, cabin_class="economy", max_stops=None
):
    """Three offers, cheapest first; one-stop offers route through a hub."""
    if origin == destination:
        raise ValueError("origin and destination are the same airport")
    day = datetime.date.fromisoformat(departure_date)
    key = (origin, destination, departure_date, cabin_class)
    offers = []
    plan = [0, 0, 0] if max_stops == 0 else [0, 1, 1]
    for index, stops in enumerate(plan):
        airline, code = AIRLINES[int(_unit(*key, index, "airline") * len(AIRLINES))]
        route = [origin, destination]
        if stops:
            hubs = sorted(
                (hub for hub in HUBS if hub not in route), key=lambda hub: _km(origin, hub) + _km(hub, destination)
            )[:3]
            route.insert(1, hubs[int(_unit(*key, index, "hub") * len(hubs))])
        moment = datetime.datetime(
            day.year,
            day.month,
            day.day,
            6 + int(_unit(*key, index, "hour") * 15),
            5 * int(_unit(*key, index, "min") * 12),
        )
        segments, start, distance = [], moment, 0.0
        for leg, (a, b) in enumerate(zip(route, route[1:])):
            km = _km(a, b)
            distance += km
            arrive = moment + datetime.timedelta(minutes=_minutes(km))
            number = f"{code}{1 + int(_unit(*key, index, leg, 'flight') * 2999)}"
            segments.append(
                {
                    "flight_number": number,
                    "from": a,
                    "to": b,
                    "departure_time": _stamp(moment),
                    "arrival_time": _stamp(arrive),
                }
            )
            moment = arrive + datetime.timedelta(minutes=75 + 5 * int(_unit(*key, index, leg, "layover") * 20))
        fare = (60 + 0.085 * distance) * CABIN_FACTOR.get(cabin_class, 1.0) * (1.1 if stops == 0 else 0.85)
        fare *= 0.9 + 0.3 * _unit(*key, index, "fare")
        total = fare * (1.9 if return_date else 1.0) * passengers
        offers.append(
            {
                "offer_id": "FO-"
                + "".join(ID_CHARS[int(_unit(*key, index, "id", n) * len(ID_CHARS))] for n in range(8)),
                "airline": airline,
                "total_price": round(min(max(total, 1.0), 50000.0), 2),
                "currency": "USD",
                "stops": stops,
                "duration_minutes": int((arrive - start).total_seconds() // 60),
                "cabin_class": cabin_class,
                "segments": segments,
            }
        )
    offers.sort(key=lambda offer: offer["total_price"])
    return {"origin": origin, "destination": destination, "departure_date": departure_date, "offers": offers}
