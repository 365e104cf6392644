"""Offline maps tools: a small gazetteer with a hash fallback, and hash-derived travel times.

Executors for the bundled seeds (see seeds/tools/maps.json). Standard library only;
deterministic in the arguments; JSON-serialisable results.
"""

import hashlib
import math

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
SPEED_KMH = {"driving": 38.0, "transit": 24.0, "cycling": 16.0, "walking": 4.8}


def _unit(*parts):
    """A number in [0, 1) fixed by the parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def geocode_address(address, country_code=None):
    """Coordinates of a known place, or stable made-up ones for anything else."""
    known = GAZETTEER.get(" ".join(address.lower().split()))
    if known is not None and (country_code is None or country_code == known[4]):
        formatted, lat, lon, city, country = known
        confidence = 0.98
    else:
        formatted, country = address, country_code or "US"
        lat, lon = round(-50 + 110 * _unit(address, "lat"), 4), round(-170 + 340 * _unit(address, "lon"), 4)
        parts = [part.strip() for part in address.split(",") if len(part.strip()) >= 2]
        city = (parts[-1] if len(parts) > 1 else address.strip())[:100]
        confidence = 0.55
    return {
        "address": address,
        "formatted_address": formatted[:300],
        "location": {"latitude": lat, "longitude": lon},
        "city": city if len(city) >= 2 else "Unknown",
        "country_code": country,
        "confidence": confidence,
    }


def get_travel_time(origin, destination, mode="driving", arrive_by=None):
    """Travel time from a hash-derived distance and a typical speed per mode."""
    if mode not in SPEED_KMH:
        raise ValueError(f"unknown mode {mode!r}")
    same = " ".join(origin.lower().split()) == " ".join(destination.lower().split())
    one_city = (
        origin.lower().split(",")[-1].strip() == destination.lower().split(",")[-1].strip()
    )  # "..., Chicago" twice
    spread = (1.5, 10.5) if one_city else (4.0, 56.0)
    distance = 0.0 if same else round(spread[0] + spread[1] * _unit(origin, destination), 1)
    minutes = distance / SPEED_KMH[mode] * 60
    result = {"origin": origin, "destination": destination, "mode": mode}
    if mode == "driving":
        traffic = ("light", "moderate", "heavy")[int(_unit(origin, destination, arrive_by, "traffic") * 3)]
        minutes *= {"light": 1.0, "moderate": 1.25, "heavy": 1.6}[traffic]
        result["traffic"] = traffic
    elif mode == "transit" and distance:
        minutes += 6  # average wait
    result.update(duration_minutes=int(math.ceil(minutes)), distance_km=distance)
    return result
