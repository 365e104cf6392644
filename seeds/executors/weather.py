"""Offline weather tools: a climate table per city with hash-derived variation; another city of
the project's gazetteer (places.py) gets the climate of its latitude.

Executors for the bundled seeds (see seeds/tools/weather.json). Standard library only;
deterministic in the arguments; JSON-serialisable results. A place the gazetteer does not know
has no weather here (the call fails, as a real service answers "location not found").
"""

import hashlib
import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location("places", pathlib.Path(__file__).with_name("places.py"))
places = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(places)

# city -> (typical temperature °C, humidity %, likely conditions, typical PM2.5 µg/m³)
CLIMATE = {
    "chicago": (9, 66, ["clear", "partly_cloudy", "cloudy", "rain", "snow"], 9),
    "seattle": (11, 75, ["cloudy", "drizzle", "rain", "partly_cloudy"], 6),
    "denver": (10, 45, ["clear", "partly_cloudy", "snow"], 8),
    "austin": (21, 67, ["clear", "partly_cloudy", "thunderstorm"], 9),
    "toronto": (8, 70, ["partly_cloudy", "cloudy", "snow", "rain"], 8),
    "london": (11, 78, ["cloudy", "drizzle", "rain", "partly_cloudy"], 10),
    "berlin": (10, 74, ["cloudy", "partly_cloudy", "rain"], 12),
    "madrid": (15, 57, ["clear", "partly_cloudy"], 9),
    "tokyo": (16, 65, ["clear", "partly_cloudy", "rain", "cloudy"], 11),
    "sydney": (18, 65, ["clear", "partly_cloudy", "rain"], 7),
    "mumbai": (27, 75, ["partly_cloudy", "rain", "thunderstorm"], 45),
    "são paulo": (20, 78, ["partly_cloudy", "rain", "thunderstorm"], 16),
    "cape town": (17, 72, ["clear", "partly_cloudy", "cloudy"], 8),
    "oslo": (6, 72, ["cloudy", "snow", "partly_cloudy"], 6),
    "reykjavik": (5, 78, ["cloudy", "rain", "snow", "sleet"], 4),
    "mexico city": (17, 55, ["clear", "partly_cloudy", "thunderstorm"], 22),
    "singapore": (28, 83, ["partly_cloudy", "thunderstorm", "rain"], 14),
    "dublin": (10, 80, ["cloudy", "drizzle", "rain"], 7),
    "nairobi": (19, 68, ["partly_cloudy", "clear", "rain"], 18),
    "vancouver": (11, 78, ["cloudy", "rain", "partly_cloudy"], 6),
    "boston": (11, 66, ["partly_cloudy", "clear", "rain", "snow"], 7),
    "new york": (13, 63, ["clear", "partly_cloudy", "rain"], 9),
    "san francisco": (14, 74, ["fog", "partly_cloudy", "clear"], 7),
    "paris": (12, 75, ["cloudy", "partly_cloudy", "rain"], 11),
    "delhi": (25, 60, ["clear", "fog", "partly_cloudy"], 95),
}
DIRECTIONS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]
PM25_BANDS = [
    (0, 9.0, 0, 50),
    (9.1, 35.4, 51, 100),
    (35.5, 55.4, 101, 150),
    (55.5, 125.4, 151, 200),
    (125.5, 225.4, 201, 300),
    (225.5, 500.0, 301, 500),
]
CATEGORIES = ["good", "moderate", "unhealthy_for_sensitive_groups", "unhealthy", "very_unhealthy", "hazardous"]


def _unit(*parts):
    """A number in [0, 1) fixed by the parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _place(location):
    """What the weather varies by: the gazetteer city the location names ("paris" and "Paris,
    France" are one place, with one weather), else the location's first part, case-folded."""
    found = places.city(location)
    if found is not None:
        return f"{found['name']}|{found['country']}|{found.get('state') or ''}"
    return location.lower().split(",")[0].strip()


def _climate(location):
    """(mean °C, humidity %, likely conditions, PM2.5) of a table city, else from the latitude of
    the gazetteer city the location names (annual means fall about 0.45 °C a degree beyond 15°)."""
    key = location.lower().split(",")[0].strip()
    if key in CLIMATE:
        return CLIMATE[key]
    found = places.city(location)
    if found is None:
        raise ValueError(f"location not found: {location!r}")
    latitude = abs(found["lat"])
    mean = round(27 - 0.45 * max(0.0, latitude - 15))
    if latitude < 23:
        conditions = ["partly_cloudy", "clear", "rain", "thunderstorm"]
    elif mean < 9:
        conditions = ["cloudy", "partly_cloudy", "snow", "rain"]
    else:
        conditions = ["clear", "partly_cloudy", "cloudy", "rain"]
    return mean, 70 if latitude < 23 else 65, conditions, 10


def get_current_weather(location, units="metric"):
    """Conditions now: the city's typical weather with a fixed offset per location."""
    mean, humidity, conditions, _ = _climate(location)
    celsius = mean + (_unit(_place(location), "temp") - 0.5) * 10
    wind_kmh = 4 + 36 * _unit(_place(location), "wind")
    feels = celsius - (wind_kmh / 10 if celsius < 15 else 0) + (2 if celsius > 26 and humidity > 70 else 0)
    condition = conditions[int(_unit(_place(location), "sky") * len(conditions))]
    if condition in ("snow", "sleet") and celsius > 3:
        condition = "rain"
    imperial = units == "imperial"
    convert = (lambda c: c * 9 / 5 + 32) if imperial else (lambda c: c)
    speed = wind_kmh / 1.609 if imperial else wind_kmh
    breeze = "calm" if wind_kmh < 8 else "breezy" if wind_kmh < 25 else "windy"
    return {
        "location": location,
        "units": units,
        "temperature": round(convert(celsius), 1),
        "feels_like": round(convert(feels), 1),
        "humidity_percent": min(100, humidity + int(10 * _unit(_place(location), "hum")) - 5),
        "wind_speed": round(speed, 1),
        "wind_direction": DIRECTIONS[int(_unit(_place(location), "dir") * 8)],
        "condition": condition,
        "summary": f"{condition.replace('_', ' ').capitalize()}, {breeze}",
    }


def _aqi(pm25):
    for low, high, index_low, index_high in PM25_BANDS:
        if pm25 <= high:
            return round(index_low + (index_high - index_low) * (max(pm25, low) - low) / (high - low))
    return 500


def get_air_quality(location, pollutants=None):
    """US EPA index from a PM2.5 level typical of the city; other pollutants scaled from it."""
    pm25 = round(_climate(location)[3] * (0.6 + 0.8 * _unit(_place(location), "pm25")), 1)
    levels = {
        "pm2_5": pm25,
        "pm10": round(pm25 * 1.7, 1),
        "o3": round(40 + 60 * _unit(_place(location), "o3"), 1),
        "no2": round(8 + 2 * pm25 * _unit(_place(location), "no2"), 1),
        "so2": round(1 + 6 * _unit(_place(location), "so2"), 1),
        "co": round(0.2 + 0.02 * pm25, 2),
    }
    aqi = _aqi(pm25)
    band = next(i for i, (_, high, _, index_high) in enumerate(PM25_BANDS) if aqi <= index_high)
    shown = {key: value for key, value in levels.items() if not pollutants or key in pollutants}
    return {
        "location": location,
        "aqi": aqi,
        "category": CATEGORIES[band],
        "dominant_pollutant": "pm2_5" if aqi > 50 else "o3",
        "pollutants": shown,
    }
