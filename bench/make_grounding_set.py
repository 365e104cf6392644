"""Write tests/filters/grounding_set.jsonl: correct calls that need world knowledge to ground, and
planted ungrounded twins of the same shapes (issue 24, item 6).

Each case is a realistic request with a call that a careful annotator accepts although the value
is not written in the text: a city's country or state, an airport or station code from a city
name, a unit or enum abbreviation, a date in another format or with the year from `meta.now`,
a common-sense constant, a documented default or starting point, a currency or timezone from a
city. Each has a planted twin: the same request with one value nobody grounds (another city's
airport, a currency that does not fit, a date nobody said...). Run: python bench/make_grounding_set.py
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "filters" / "grounding_set.jsonl"
NOW = "2026-11-23T10:00:00Z"  # a Monday
NOW_2022 = "2022-05-10T09:00:00Z"  # a Tuesday


def tool(name: str, description: str, properties: dict, required: list[str] | None = None) -> dict:
    """A tool in the OpenAI function shape."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": required or []},
        },
    }


def s(description: str, **more) -> dict:
    return {"type": "string", "description": description, **more}


def i(description: str, **more) -> dict:
    return {"type": "integer", "description": description, **more}


def n(description: str, **more) -> dict:
    return {"type": "number", "description": description, **more}


TOOLS = {
    "weather": tool(
        "get_current_weather",
        "Get the current weather in a given location.",
        {
            "location": s("The city and state, e.g. San Francisco, CA"),
            "unit": s("Temperature unit", enum=["celsius", "fahrenheit"]),
        },
        ["location"],
    ),
    "weather_world": tool(
        "get_weather",
        "Current conditions for a city anywhere in the world.",
        {"city": s("City name with its country, e.g. Paris, France"), "units": s("Unit for temperatures: C, F or K")},
        ["city"],
    ),
    "flights": tool(
        "search_flights",
        "Search one-way flights between two airports.",
        {
            "origin": s("IATA code of the departure airport"),
            "destination": s("IATA code of the arrival airport"),
            "date": s("Departure date in MM-DD-YYYY format"),
            "adults": i("Number of adult passengers"),
        },
        ["origin", "destination", "date"],
    ),
    "trains": tool(
        "find_trains",
        "Find train connections between two stations.",
        {
            "from_station": s("Code of the departure station"),
            "to_station": s("Code of the arrival station"),
            "date": s("Travel date, YYYY-MM-DD"),
        },
        ["from_station", "to_station"],
    ),
    "fx": tool(
        "convert_currency",
        "Convert an amount between two currencies at today's rate.",
        {
            "amount": n("Amount to convert"),
            "from_currency": s("ISO 4217 code of the source currency"),
            "to_currency": s("ISO 4217 code of the target currency"),
        },
        ["amount", "from_currency", "to_currency"],
    ),
    "hotels": tool(
        "get_hotel_prices",
        "Nightly hotel prices in a city.",
        {
            "city": s("City to search"),
            "currency": s("ISO 4217 currency code for the prices"),
            "check_in": s("Check-in date as DD/MM/YYYY"),
        },
        ["city"],
    ),
    "time": tool(
        "get_local_time",
        "Current local time in a time zone.",
        {"timezone": s("IANA time zone name, e.g. Europe/Berlin")},
        ["timezone"],
    ),
    "meeting": tool(
        "schedule_meeting",
        "Put a meeting in the calendar.",
        {
            "title": s("Meeting title"),
            "date": s("Date of the meeting"),
            "time": s("Start time, HH:MM"),
            "timezone": s("Time zone of the meeting, IANA name"),
        },
        ["title", "date"],
    ),
    "holidays": tool(
        "get_public_holidays",
        "Public holidays of a country in a year.",
        {"country_code": s("ISO 3166-1 alpha-2 country code"), "year": i("Calendar year")},
        ["country_code", "year"],
    ),
    "news": tool(
        "get_top_headlines",
        "Top news headlines.",
        {
            "country": s("2-letter country code of the news source"),
            "language": s("ISO 639-1 language code of the articles"),
            "page": i("Page number, starting from 1"),
            "page_size": i("Results per page"),
        },
        ["country"],
    ),
    "address": tool(
        "validate_address",
        "Check and normalise a postal address.",
        {
            "street": s("Street and house number"),
            "city": s("City"),
            "state": s("Two-letter state or province code"),
            "country": s("ISO 3166-1 alpha-2 country code"),
        },
        ["street", "city"],
    ),
    "dice": tool(
        "roll_dice",
        "Roll dice and return the faces.",
        {"num_dice": i("How many dice to roll"), "sides": i("Number of sides on each die")},
        ["num_dice", "sides"],
    ),
    "cards": tool(
        "card_probability",
        "Probability of drawing a success from a deck.",
        {
            "total_cards": i("Number of cards in the deck"),
            "success_cards": i("Number of cards in the deck that count as a success"),
            "draws": i("Cards drawn"),
        },
        ["total_cards", "success_cards"],
    ),
    "interest": tool(
        "compound_interest",
        "Future value of an investment with compound interest.",
        {
            "principal": n("Initial amount"),
            "annual_rate": n("Annual interest rate as a decimal"),
            "years": n("Number of years"),
            "compounds_per_year": i("Number of times interest is compounded per year"),
        },
        ["principal", "annual_rate", "years", "compounds_per_year"],
    ),
    "velocity": tool(
        "final_velocity",
        "Final velocity of an object under constant acceleration.",
        {
            "initial_velocity": n("Initial velocity in m/s"),
            "acceleration": n("Acceleration in m/s^2"),
            "time": n("Elapsed time in seconds"),
        },
        ["initial_velocity", "acceleration", "time"],
    ),
    "polygon": tool(
        "polygon_angle_sum",
        "Sum of the interior angles of a regular polygon.",
        {"sides": i("Number of sides of the polygon")},
        ["sides"],
    ),
    "length": tool(
        "convert_length",
        "Convert a length between units.",
        {
            "value": n("Length to convert"),
            "from_unit": s("Unit to convert from, e.g. km, mi, m, ft"),
            "to_unit": s("Unit to convert to"),
        },
        ["value", "from_unit", "to_unit"],
    ),
    "temperature": tool(
        "convert_temperature",
        "Convert a temperature.",
        {
            "value": n("Temperature"),
            "from_unit": s("Unit of the value", enum=["C", "F", "K"]),
            "to_unit": s("Unit wanted", enum=["C", "F", "K"]),
        },
        ["value", "from_unit", "to_unit"],
    ),
    "weight": tool(
        "convert_weight",
        "Convert a weight between units.",
        {
            "value": n("Weight to convert"),
            "from_unit": s("Unit to convert from (kg, g, lb, oz)"),
            "to_unit": s("Unit to convert to (kg, g, lb, oz)"),
        },
        ["value", "from_unit", "to_unit"],
    ),
    "orders": tool(
        "list_orders",
        "List the shop's orders.",
        {
            "status": s("Order status filter", enum=["open", "shipped", "cancelled"]),
            "offset": i("Number of orders to skip"),
            "limit": i("Maximum number of orders to return"),
        },
        ["offset", "limit"],
    ),
    "users": tool(
        "get_users",
        "Page through user accounts.",
        {"page": i("Page number (1-based)"), "per_page": i("Users per page")},
        ["page", "per_page"],
    ),
    "articles": tool(
        "search_articles",
        "Full-text search over the article archive.",
        {
            "query": s("Search terms"),
            "start": i("Zero-based index of the first result"),
            "count": i("Number of results. Default is 10."),
            "sort": s("Sort order: relevance or date. Defaults to relevance."),
            "lang": s("Language of the articles, default en"),
        },
        ["query"],
    ),
    "events": tool(
        "find_events",
        "Concerts, games and shows in a city.",
        {"city": s("City name"), "date": s("Date as MM/DD/YYYY"), "category": s("Kind of event")},
        ["city"],
    ),
    "restaurants": tool(
        "find_restaurants",
        "Restaurants near a place.",
        {"location": s("City and state, e.g. Austin, TX"), "cuisine": s("Type of food")},
        ["location"],
    ),
    "forecast": tool(
        "weather_forecast",
        "Daily forecast.",
        {
            "location": s("City name"),
            "days": i("Number of days, 1-14"),
            "lang": s("Language code for the text descriptions"),
        },
        ["location", "days"],
    ),
    "distance": tool(
        "get_distance",
        "Driving distance between two places.",
        {"origin": s("Start city"), "destination": s("End city"), "unit": s("km or mi")},
        ["origin", "destination"],
    ),
    "rates": tool(
        "get_exchange_rate",
        "Exchange rate between two currencies.",
        {"base": s("Base currency (ISO 4217)"), "target": s("Quote currency (ISO 4217)")},
        ["base", "target"],
    ),
    "population": tool(
        "get_country_stats",
        "Population and GDP of a country.",
        {"country": s("Country, as ISO 3166-1 alpha-3 code"), "year": i("Year of the figures")},
        ["country"],
    ),
    "reminder": tool(
        "set_reminder",
        "Set a reminder.",
        {"text": s("What to remember"), "when": s("Date and time of the reminder")},
        ["text", "when"],
    ),
    "alarm": tool(
        "set_alarm",
        "Set an alarm clock.",
        {"time": s("Alarm time"), "days": {"type": "array", "items": {"type": "string"}, "description": "Weekdays"}},
        ["time"],
    ),
    "stats": tool(
        "normal_probability",
        "P(X < x) for a normal distribution.",
        {"x": n("Value"), "mean": n("Mean of the distribution"), "std_dev": n("Standard deviation")},
        ["x", "mean", "std_dev"],
    ),
    "speed": tool(
        "travel_time",
        "Time to cover a distance at a speed.",
        {"distance_m": n("Distance in metres"), "speed_mps": n("Speed in metres per second")},
        ["distance_m", "speed_mps"],
    ),
    "calendar": tool(
        "days_in_period",
        "Count hours or days in a period.",
        {"hours_per_day": i("Hours in one day"), "days": i("Number of days")},
        ["hours_per_day", "days"],
    ),
}

# (class, tool, now, request, correct arguments, (argument, planted value, why))
CASES: list[tuple] = []


def case(kind, tool_key, request, arguments, planted, now=NOW):
    CASES.append((kind, tool_key, now, request, arguments, planted))


# --- a city said without its country or state ---------------------------------------------
for city, full, wrong in [
    ("New York", "New York, NY", "New York, NJ"),
    ("Boston", "Boston, MA", "Boston, CT"),
    ("Seattle", "Seattle, WA", "Seattle, OR"),
    ("Denver", "Denver, CO", "Denver, UT"),
    ("Austin", "Austin, TX", "Austin, OK"),
    ("Miami", "Miami, FL", "Miami, GA"),
    ("Nashville", "Nashville, TN", "Nashville, KY"),
    ("Phoenix", "Phoenix, AZ", "Phoenix, NM"),
]:
    case(
        "city_state",
        "weather",
        f"What's the weather like in {city} right now?",
        {"location": full},
        ("location", wrong, f"{city} is not in that state"),
    )
for city, full, wrong in [
    ("Paris", "Paris, France", "Paris, Italy"),
    ("Berlin", "Berlin, Germany", "Berlin, Austria"),
    ("Tokyo", "Tokyo, Japan", "Tokyo, China"),
    ("Madrid", "Madrid, ES", "Madrid, PT"),
    ("Lisbon", "Lisbon, Portugal", "Lisbon, Spain"),
    ("Toronto", "Toronto, Ontario", "Toronto, Quebec"),
    ("Sydney", "Sydney, NSW", "Sydney, VIC"),
    ("Amsterdam", "Amsterdam, NL", "Amsterdam, BE"),
    ("Vienna", "Vienna, Austria", "Vienna, Germany"),
    ("Mumbai", "Mumbai, India", "Mumbai, Pakistan"),
]:
    case(
        "city_country",
        "weather_world",
        f"how warm is it in {city} today",
        {"city": full},
        ("city", wrong, f"{city} is not in that country"),
    )
for city, full, other in [
    ("Rome", "Rome, IT", "Milan, IT"),
    ("Munich", "Munich, Germany", "Hamburg, Germany"),
    ("Dublin", "Dublin, Ireland", "Cork, Ireland"),
    ("Seoul", "Seoul, South Korea", "Busan, South Korea"),
    ("Cairo", "Cairo, Egypt", "Alexandria, Egypt"),
]:
    case(
        "city_country",
        "weather_world",
        f"Is it raining in {city}?",
        {"city": full},
        ("city", other, "a city nobody mentioned, in the same country"),
    )
for city, full, other in [
    ("Portland", "Portland, Oregon", "Salem, Oregon"),
    ("Houston", "Houston, Texas", "Dallas, Texas"),
    ("Atlanta", "Atlanta, Georgia", "Savannah, Georgia"),
    ("Philadelphia", "Philadelphia, Pennsylvania", "Pittsburgh, Pennsylvania"),
    ("Las Vegas", "Las Vegas, Nevada", "Reno, Nevada"),
]:
    case(
        "city_state",
        "restaurants",
        f"any good ramen places in {city}?",
        {"location": full, "cuisine": "ramen"},
        ("location", other, "a city nobody mentioned, in the same state"),
    )
for street, city, state, country, wrong_key, wrong, why in [
    ("221 Pine Street", "Seattle", "WA", "US", "state", "OR", "state of another city"),
    ("10 Downing Street", "London", None, "GB", "country", "IE", "country nobody said"),
    ("1600 Amphitheatre Parkway", "Mountain View", "CA", "US", "country", "CA", "Canada for a Californian town"),
    ("350 Fifth Avenue", "New York", "NY", "US", "state", "NJ", "state of another city"),
    ("100 Queen St W", "Toronto", "ON", "CA", "state", "QC", "province of another city"),
    ("55 Rue du Faubourg Saint-Honore", "Paris", None, "FR", "country", "BE", "country nobody said"),
    ("1 Infinite Loop", "Chicago", "IL", "US", "state", "WI", "state of another city"),
]:
    arguments = {"street": street, "city": city, "country": country}
    if state:
        arguments["state"] = state
    if city == "Mountain View":  # too small for the gazetteer: the state is said instead
        request = f"Can you check this address: {street}, {city}, California"
    else:
        request = f"Can you check this address: {street}, {city}"
    case("city_state", "address", request, arguments, (wrong_key, wrong, why))

# --- airport and station codes from city names ----------------------------------------------
for origin, o_code, destination, d_code, wrong, why in [
    ("New York", "JFK", "London", "LHR", ("destination", "CDG"), "Paris's airport for London"),
    ("New York", "LGA", "Chicago", "ORD", ("origin", "BOS"), "Boston's airport for New York"),
    ("New York", "EWR", "Miami", "MIA", ("destination", "MCO"), "Orlando's airport for Miami"),
    ("London", "LHR", "Berlin", "BER", ("destination", "MUC"), "Munich's airport for Berlin"),
    ("London", "LGW", "Rome", "FCO", ("destination", "MXP"), "Milan's airport for Rome"),
    ("Paris", "CDG", "Tokyo", "HND", ("destination", "ICN"), "Seoul's airport for Tokyo"),
    ("Paris", "ORY", "Lisbon", "LIS", ("destination", "OPO"), "Porto's airport for Lisbon"),
    ("Berlin", "BER", "Madrid", "MAD", ("destination", "BCN"), "Barcelona's airport for Madrid"),
    ("Chicago", "ORD", "Denver", "DEN", ("origin", "MKE"), "Milwaukee's airport for Chicago"),
    ("San Francisco", "SFO", "Seattle", "SEA", ("destination", "PDX"), "Portland's airport for Seattle"),
    ("Los Angeles", "LAX", "Las Vegas", "LAS", ("destination", "PHX"), "Phoenix's airport for Las Vegas"),
    ("Washington", "IAD", "Boston", "BOS", ("origin", "PHL"), "Philadelphia's airport for Washington"),
    ("Toronto", "YYZ", "Vancouver", "YVR", ("destination", "YYC"), "Calgary's airport for Vancouver"),
    ("Dubai", "DXB", "Singapore", "SIN", ("destination", "KUL"), "Kuala Lumpur's airport for Singapore"),
    ("Amsterdam", "AMS", "Dublin", "DUB", ("destination", "SNN"), "Shannon for Dublin"),
    ("Sydney", "SYD", "Melbourne", "MEL", ("destination", "BNE"), "Brisbane's airport for Melbourne"),
    ("Frankfurt", "FRA", "Vienna", "VIE", ("destination", "ZRH"), "Zurich's airport for Vienna"),
    ("Istanbul", "IST", "Athens", "ATH", ("origin", "SAW_WRONG"), "placeholder"),
]:
    if wrong[1] == "SAW_WRONG":
        wrong = ("origin", "ESB")  # Ankara's airport for Istanbul
        why = "Ankara's airport for Istanbul"
    request = f"Find me a flight from {origin} to {destination} on December 12 for 2 adults"
    case(
        "airport",
        "flights",
        request,
        {"origin": o_code, "destination": d_code, "date": "12-12-2026", "adults": 2},
        (*wrong, why),
    )
case(
    "airport",
    "flights",
    "I need to fly from Paris to New York on 12/15 for one adult",
    {"origin": "CDG", "destination": "JFK", "date": "12-15-2026", "adults": 1},
    ("origin", "JFK", "swapped: New York is the destination"),
)
case(
    "airport",
    "flights",
    "Flights from Chicago to London on 12/20, 3 adults",
    {"origin": "ORD", "destination": "LHR", "date": "12-20-2026", "adults": 3},
    ("destination", "ORD", "swapped: Chicago is the origin"),
)
for origin, o_code, destination, d_code, wrong in [
    ("New York", "NYP", "Washington", "WAS", ("to_station", "PHL")),
    ("London", "KGX", "Edinburgh", "EDB", ("to_station", "GLC")),
    ("Boston", "BOS", "New York", "NYP", ("from_station", "NHV")),
    ("Manchester", "MAN", "London", "EUS", ("from_station", "LIV")),
]:
    case(
        "station",
        "trains",
        f"Trains from {origin} to {destination} tomorrow please",
        {"from_station": o_code, "to_station": d_code, "date": "2026-11-24"},
        (*wrong, "a station of another city"),
    )

# --- currency from the city or country --------------------------------------------------------
for place, code, wrong in [
    ("Tokyo", "JPY", "CNY"),
    ("London", "GBP", "EUR"),
    ("Zurich", "CHF", "EUR"),
    ("Toronto", "CAD", "USD"),
    ("Sydney", "AUD", "NZD"),
    ("Mumbai", "INR", "PKR"),
    ("Mexico City", "MXN", "USD"),
    ("Stockholm", "SEK", "NOK"),
    ("Seoul", "KRW", "JPY"),
    ("Prague", "CZK", "EUR"),
    ("Bangkok", "THB", "VND"),
    ("Cape Town", "ZAR", "USD"),
]:
    case(
        "currency",
        "hotels",
        f"How much are hotels in {place}, in local currency please",
        {"city": place, "currency": code},
        ("currency", wrong, f"not the currency of {place}"),
    )
for amount, words, country, code, wrong in [
    (100, "100 dollars", "Japan", "JPY", "KRW"),
    (250, "250 US dollars", "Switzerland", "CHF", "SEK"),
    (80, "80 euros", "Poland", "PLN", "HUF"),
    (1000, "1000 dollars", "Brazil", "BRL", "ARS"),
    (50, "50 pounds", "Norway", "NOK", "DKK"),
]:
    from_code = "EUR" if "euro" in words else "GBP" if "pound" in words else "USD"
    case(
        "currency",
        "fx",
        f"I'm going to {country} next month, how much is {words} in their money?",
        {"amount": amount, "from_currency": from_code, "to_currency": code},
        ("to_currency", wrong, f"not the currency of {country}"),
    )
for words_a, a, words_b, b, wrong in [
    ("yen", "JPY", "dollars", "USD", ("base", "CNY")),
    ("pounds", "GBP", "euros", "EUR", ("target", "CHF")),
    ("Swiss francs", "CHF", "euros", "EUR", ("target", "USD")),
    ("rupees", "INR", "dollars", "USD", ("base", "PKR")),
]:
    case(
        "currency",
        "rates",
        f"what's the exchange rate from {words_a} to {words_b}?",
        {"base": a, "target": b},
        (*wrong, "a currency nobody named"),
    )

# --- timezone from the city ---------------------------------------------------------------------
for city, zone, wrong in [
    ("Paris", "Europe/Paris", "Europe/Berlin"),
    ("New York", "America/New_York", "America/Chicago"),
    ("Tokyo", "Asia/Tokyo", "Asia/Seoul"),
    ("Los Angeles", "America/Los_Angeles", "America/Denver"),
    ("London", "Europe/London", "Europe/Dublin"),
    ("Sydney", "Australia/Sydney", "Australia/Perth"),
    ("Chicago", "America/Chicago", "America/New_York"),
    ("Berlin", "Europe/Berlin", "Europe/Warsaw"),
    ("Singapore", "Asia/Singapore", "Asia/Hong_Kong"),
    ("Denver", "America/Denver", "America/Phoenix"),
]:
    case(
        "timezone",
        "time",
        f"What time is it in {city} right now?",
        {"timezone": zone},
        ("timezone", wrong, f"not the zone of {city}"),
    )
for city, zone, wrong in [
    ("Toronto", "America/Toronto", "America/Vancouver"),
    ("Dubai", "Asia/Dubai", "Asia/Riyadh"),
    ("Madrid", "Europe/Madrid", "Europe/Lisbon"),
]:
    case(
        "timezone",
        "meeting",
        f"Set up a budget review with the {city} office on December 3 at 14:00 their time",
        {"title": "Budget review", "date": "2026-12-03", "time": "14:00", "timezone": zone},
        ("timezone", wrong, f"not the zone of {city}"),
    )

# --- country code from the city or country ------------------------------------------------------
for place, code, wrong in [
    ("Germany", "DE", "AT"),
    ("France", "FR", "BE"),
    ("Japan", "JP", "CN"),
    ("the United States", "US", "CA"),
    ("Brazil", "BR", "AR"),
    ("Spain", "ES", "PT"),
]:
    case(
        "country",
        "holidays",
        f"Which public holidays does {place} have in 2027?",
        {"country_code": code, "year": 2027},
        ("country_code", wrong, "a country nobody said"),
    )
for city, code, wrong in [
    ("Berlin", "de", "at"),
    ("Rome", "it", "fr"),
    ("Toronto", "ca", "us"),
    ("Sydney", "au", "nz"),
]:
    case(
        "country",
        "news",
        f"Show me the top headlines from {city}",
        {"country": code},
        ("country", wrong, "a country nobody said"),
    )
for place, code, wrong in [("Mexico", "MEX", "ARG"), ("Nigeria", "NGA", "GHA"), ("Italy", "ITA", "ESP")]:
    case(
        "country",
        "population",
        f"How many people live in {place}?",
        {"country": code},
        ("country", wrong, "a country nobody said"),
    )

# --- unit and enum abbreviations ------------------------------------------------------------------
for value, words, a, b, wrong in [
    (10, "10 kilometers", "km", "mi", ("to_unit", "ft")),
    (26.2, "26.2 miles", "mi", "km", ("to_unit", "m")),
    (5, "5 feet", "ft", "m", ("to_unit", "cm")),
    (100, "100 meters", "m", "ft", ("to_unit", "in")),
    (12, "12 inches", "in", "cm", ("to_unit", "mm")),
    (3, "three kilometres", "km", "m", ("to_unit", "ft")),
]:
    target = {"mi": "miles", "km": "kilometers", "m": "meters", "cm": "centimeters", "ft": "feet"}[b]
    case(
        "unit",
        "length",
        f"Convert {words} to {target}",
        {"value": value, "from_unit": a, "to_unit": b},
        (*wrong, "a unit nobody asked for"),
    )
for value, words, a, b, wrong in [
    (70, "70 kilograms", "kg", "lb", ("to_unit", "oz")),
    (8, "8 ounces", "oz", "g", ("to_unit", "kg")),
    (150, "150 pounds", "lb", "kg", ("to_unit", "g")),
    (500, "500 grams", "g", "oz", ("to_unit", "lb")),
]:
    target = {"lb": "pounds", "g": "grams", "kg": "kilograms", "oz": "ounces"}[b]
    case(
        "unit",
        "weight",
        f"How much is {words} in {target}?",
        {"value": value, "from_unit": a, "to_unit": b},
        (*wrong, "a unit nobody asked for"),
    )
for value, words, a, b, wrong in [
    (100, "100 degrees Fahrenheit", "F", "K", ("to_unit", "C")),
    (37, "37 degrees Celsius", "C", "K", ("to_unit", "F")),
    (300, "300 kelvin", "K", "C", ("to_unit", "F")),
    (0, "zero degrees celsius", "C", "K", ("to_unit", "F")),
]:
    target = {"C": "celsius", "F": "fahrenheit", "K": "kelvin"}[b]
    case(
        "unit",
        "temperature",
        f"what is {words} in {target}",
        {"value": value, "from_unit": a, "to_unit": b},
        (*wrong, "a unit nobody asked for"),
    )
for city, unit_words, unit, wrong in [
    ("Oslo", "in celsius", "C", "F"),
    ("Phoenix", "in fahrenheit please", "F", "C"),
    ("Helsinki", "in kelvin, I'm a physicist", "K", "C"),
]:
    case(
        "unit",
        "weather_world",
        f"Current temperature in {city} {unit_words}",
        {"city": city, "units": unit},
        ("units", wrong, "a unit nobody asked for"),
    )
for city, lang_words, lang, wrong in [
    ("Madrid", "in Spanish", "es", "pt"),
    ("Berlin", "in German", "de", "nl"),
    ("Lyon", "in French", "fr", "it"),
    ("Osaka", "in Japanese", "ja", "zh"),
    ("Rome", "in Italian", "it", "es"),
]:
    case(
        "unit",
        "forecast",
        f"Give me the 5 day forecast for {city} {lang_words}",
        {"location": city, "days": 5, "lang": lang},
        ("lang", wrong, "a language nobody asked for"),
    )
for origin, destination, words, unit, wrong in [
    ("Denver", "Boulder", "in miles", "mi", "km"),
    ("Munich", "Salzburg", "in kilometres", "km", "mi"),
]:
    case(
        "unit",
        "distance",
        f"How far is it from {origin} to {destination} {words}?",
        {"origin": origin, "destination": destination, "unit": unit},
        ("unit", wrong, "a unit nobody asked for"),
    )
for request, days, wrong in [
    ("Wake me up at 6:30 on weekdays... well, Monday and Wednesday", ["Mon", "Wed"], ["Mon", "Thu"]),
    ("alarm at 7:15 on Tuesday and Friday", ["Tue", "Fri"], ["Tue", "Sat"]),
    ("Set an alarm for 5:45 every Saturday and Sunday", ["Sat", "Sun"], ["Sat", "Mon"]),
]:
    time = request.split(" at ")[1].split(" ")[0] if " at " in request else request.split(" for ")[1].split(" ")[0]
    case(
        "unit",
        "alarm",
        request,
        {"time": time, "days": days},
        ("days", wrong, "a weekday nobody said"),
    )

# --- dates in another format or with the year from now ------------------------------------------
for words, value, wrong in [
    ("May 12", "05-12-2022", "05-13-2022"),
    ("the 3rd of June", "06-03-2022", "06-04-2022"),
    ("June 3rd", "06-03-2022", "07-03-2022"),
    ("next Friday", "05-13-2022", "05-14-2022"),
    ("12/05", "12-05-2022", "12-06-2022"),
    ("July 4th", "07-04-2022", "07-05-2022"),
    ("this Sunday", "05-15-2022", "05-16-2022"),
    ("the 20th", "05-20-2022", "05-21-2022"),
    ("tomorrow", "05-11-2022", "05-12-2022"),
    ("Christmas Eve", "12-24-2022", "12-25-2022"),
]:
    case(
        "date",
        "flights",
        f"Book a flight from Boston to Miami on {words}",
        {"origin": "BOS", "destination": "MIA", "date": value},
        ("date", wrong, "a date nobody said"),
        now=NOW_2022,
    )
for words, value, wrong in [
    ("December 18", "18/12/2026", "19/12/2026"),
    ("the 5th of January", "05/01/2027", "06/01/2027"),
    ("this Friday", "27/11/2026", "28/11/2026"),
    ("Dec 1st", "01/12/2026", "02/12/2026"),
    ("New Year's Eve", "31/12/2026", "30/12/2026"),
]:
    case(
        "date",
        "hotels",
        f"hotel prices in Dublin for a check-in on {words}",
        {"city": "Dublin", "check_in": value},
        ("check_in", wrong, "a date nobody said"),
    )
for words, value, wrong in [
    ("January 15", "01/15/2027", "01/16/2027"),
    ("next Saturday", "12/05/2026", "12/06/2026"),
    ("the 12th of December", "12/12/2026", "12/13/2026"),
    ("Halloween", "10/31/2027", "10/30/2027"),
    ("Nov 28", "11/28/2026", "11/29/2026"),
]:
    case(
        "date",
        "events",
        f"What concerts are on in Austin on {words}?",
        {"city": "Austin", "date": value, "category": "concerts"},
        ("date", wrong, "a date nobody said"),
    )
for words, value, wrong in [
    ("December 3 at 3pm", "December 3, 2026 15:00", "December 4, 2026 15:00"),
    ("tomorrow at 9am", "11/24/2026 9:00 AM", "11/24/2026 10:00 AM"),
    ("Friday at noon", "11/27/2026 12:00 PM", "11/27/2026 1:00 PM"),
    ("the 1st of December at 8:30", "01.12.2026 08:30", "02.12.2026 08:30"),
    ("Dec 24 at 6 pm", "24.12.2026 18:00", "23.12.2026 18:00"),
]:
    case(
        "date",
        "reminder",
        f"Remind me to call the landlord on {words}",
        {"text": "call the landlord", "when": value},
        ("when", wrong, "a date or time nobody said"),
    )
for words, value, wrong in [
    ("this year", 2026, 2025),
    ("next year", 2027, 2028),
    ("for the current year", 2026, 2024),
]:
    case(
        "date",
        "holidays",
        f"list the public holidays in Canada {words}",
        {"country_code": "CA", "year": value},
        ("year", wrong, "a year nobody said"),
    )
for country, code in [("Italy", "ITA"), ("Kenya", "KEN")]:
    case(
        "date",
        "population",
        f"What's the population of {country} this year?",
        {"country": code, "year": 2026},
        ("year", 2021, "a year nobody said"),
    )

# --- common-sense constants ---------------------------------------------------------------------
for request, arguments, wrong in [
    ("Roll two dice for me", {"num_dice": 2, "sides": 6}, ("sides", 8)),
    ("roll a die", {"num_dice": 1, "sides": 6}, ("sides", 12)),
    ("Can you roll 3 dice?", {"num_dice": 3, "sides": 6}, ("sides", 10)),
    ("flip a coin for me", {"num_dice": 1, "sides": 2}, ("sides", 3)),
    ("Roll a d20", {"num_dice": 1, "sides": 20}, ("sides", 12)),
]:
    case("constant", "dice", request, arguments, (*wrong, "a number of sides nobody implied"))
for request, arguments, wrong in [
    (
        "What's the probability of drawing an ace from a standard deck?",
        {"total_cards": 52, "success_cards": 4},
        ("total_cards", 54),
    ),
    (
        "Chance of pulling a heart out of a deck of cards?",
        {"total_cards": 52, "success_cards": 13},
        ("success_cards", 12),
    ),
    ("odds of drawing a king from a full deck", {"total_cards": 52, "success_cards": 4}, ("success_cards", 5)),
]:
    case("constant", "cards", request, arguments, (*wrong, "a count nobody implied"))
for request, arguments, wrong in [
    (
        "If I invest $5,000 at 4% compounded monthly for 10 years, what will I have?",
        {"principal": 5000, "annual_rate": 0.04, "years": 10, "compounds_per_year": 12},
        ("compounds_per_year", 365),
    ),
    (
        "$2000 at 3.5% interest, compounded quarterly, over 5 years",
        {"principal": 2000, "annual_rate": 0.035, "years": 5, "compounds_per_year": 4},
        ("compounds_per_year", 12),
    ),
    (
        "What does 10k grow to in 20 years at 6% compounded semiannually?",
        {"principal": 10000, "annual_rate": 0.06, "years": 20, "compounds_per_year": 2},
        ("compounds_per_year", 4),
    ),
]:
    case("constant", "interest", request, arguments, (*wrong, "a compounding nobody said"))
for request, arguments, wrong in [
    (
        "A ball is dropped from rest. How fast is it going after 3 seconds?",
        {"initial_velocity": 0, "acceleration": 9.81, "time": 3},
        ("acceleration", 8.5),
    ),
    (
        "A car starts from rest and accelerates at 4 m/s^2 for 6 seconds. Final speed?",
        {"initial_velocity": 0, "acceleration": 4, "time": 6},
        ("initial_velocity", 5),
    ),
    (
        "An object in free fall for 2.5 seconds starting at 10 m/s, what's its speed?",
        {"initial_velocity": 10, "acceleration": 9.8, "time": 2.5},
        ("acceleration", 10.5),
    ),
]:
    case("constant", "velocity", request, arguments, (*wrong, "a constant nobody implied"))
for request, sides, wrong in [
    ("Sum of the interior angles of a hexagon?", 6, 7),
    ("what do the angles of an octagon add up to", 8, 9),
    ("interior angle sum for a pentagon", 5, 6),
]:
    case("constant", "polygon", request, {"sides": sides}, ("sides", wrong, "a polygon nobody named"))
case(
    "constant",
    "stats",
    "For a standard normal distribution, what's P(X < 1.5)?",
    {"x": 1.5, "mean": 0, "std_dev": 1},
    ("std_dev", 2, "a spread nobody implied"),
)
case(
    "constant",
    "speed",
    "How long does light take to travel 384,400,000 metres?",
    {"distance_m": 384400000, "speed_mps": 299792458},
    ("speed_mps", 300000, "not the speed of light"),
)
case(
    "constant",
    "calendar",
    "How many hours are there in 9 days?",
    {"hours_per_day": 24, "days": 9},
    ("hours_per_day", 20, "not the hours of a day"),
)

# --- documented defaults and starting points -----------------------------------------------------
for request, arguments, wrong in [
    ("Show me the first 50 orders", {"offset": 0, "limit": 50}, ("offset", 10)),
    ("list the latest 20 open orders", {"status": "open", "offset": 0, "limit": 20}, ("offset", 5)),
    ("I want to see 100 shipped orders", {"status": "shipped", "offset": 0, "limit": 100}, ("offset", 200)),
    ("give me 25 cancelled orders", {"status": "cancelled", "offset": 0, "limit": 25}, ("limit", 30)),
]:
    case("default", "orders", request, arguments, (*wrong, "a starting point nobody implied"))
for request, arguments, wrong in [
    ("List the first 30 users", {"page": 1, "per_page": 30}, ("page", 2)),
    ("show users, 10 per page", {"page": 1, "per_page": 10}, ("page", 3)),
    ("get me 50 user accounts", {"page": 1, "per_page": 50}, ("per_page", 40)),
]:
    case("default", "users", request, arguments, (*wrong, "a page nobody asked for"))
for request, arguments, wrong in [
    ("search the archive for 'climate policy'", {"query": "climate policy", "start": 0, "count": 10}, ("count", 15)),
    ("find articles about solar farms", {"query": "solar farms", "sort": "relevance"}, ("sort", "date")),
    ("articles on the housing market please", {"query": "housing market", "lang": "en"}, ("lang", "de")),
    ("search for electric buses", {"query": "electric buses", "start": 0}, ("start", 20)),
    ("look up pieces about coral reefs", {"query": "coral reefs", "count": 10, "lang": "en"}, ("count", 5)),
]:
    case("default", "articles", request, arguments, (*wrong, "not the documented default"))
for request, arguments, wrong in [
    ("headlines from Germany", {"country": "de", "page": 1}, ("page", 4)),
    ("what's in the news in France today", {"country": "fr", "page": 1}, ("page_size", 50)),
]:
    case("default", "news", request, arguments, (*wrong, "a value nobody implied"))

# --- written after the first version of the fix, to see whether it generalises (3 of these 29
# failed then: "Vegas", "Rio", an airport by its name "Heathrow"; the gazetteer got those aliases)
for kind, tool_key, request, arguments, planted in [
    ("city_state", "weather", "weather in LA?", {"location": "Los Angeles, CA"}, ("location", "Los Angeles, NV")),
    ("timezone", "time", "what's the time in NYC", {"timezone": "America/New_York"}, ("timezone", "America/Chicago")),
    (
        "airport",
        "flights",
        "flights SF to Vegas on Dec 4",
        {"origin": "SFO", "destination": "LAS", "date": "12-04-2026"},
        ("destination", "RNO"),
    ),
    (
        "currency",
        "hotels",
        "hotels in Munich, show prices in local currency",
        {"city": "Munich", "currency": "EUR"},
        ("currency", "CHF"),
    ),
    (
        "currency",
        "fx",
        "convert 50 quid to euros",
        {"amount": 50, "from_currency": "GBP", "to_currency": "EUR"},
        ("to_currency", "USD"),
    ),
    (
        "station",
        "trains",
        "train from London to Manchester next Tuesday",
        {"from_station": "EUS", "to_station": "MAN", "date": "2026-12-01"},
        ("date", "2026-12-02"),
    ),
    (
        "date",
        "events",
        "anything fun in Denver the day after tomorrow?",
        {"city": "Denver", "date": "11/25/2026"},
        ("date", "11/26/2026"),
    ),
    (
        "constant",
        "cards",
        "deal me a card from a deck, chance it's a spade?",
        {"total_cards": 52, "success_cards": 13},
        ("success_cards", 4),
    ),
    (
        "city_state",
        "weather",
        "temperature in Miami in Fahrenheit",
        {"location": "Miami, FL", "unit": "fahrenheit"},
        ("location", "Miami, OH"),
    ),
    ("default", "users", "show me the first page of users, 25 per page", {"page": 1, "per_page": 25}, ("page", 3)),
    (
        "timezone",
        "meeting",
        "schedule a call called Sync on Dec 8 at 9am Sydney time",
        {"title": "Sync", "date": "2026-12-08", "time": "09:00", "timezone": "Australia/Sydney"},
        ("timezone", "Australia/Melbourne"),
    ),
    (
        "currency",
        "rates",
        "CAD rate for the Canadian dollar vs the euro",
        {"base": "CAD", "target": "EUR"},
        ("target", "GBP"),
    ),
    (
        "airport",
        "flights",
        "flights from Heathrow to Dubai on 12/10",
        {"origin": "LHR", "destination": "DXB", "date": "12-10-2026"},
        ("destination", "AUH"),
    ),
    ("country", "population", "population of the UK", {"country": "GBR"}, ("country", "IRL")),
    (
        "country",
        "holidays",
        "holidays in Brazil next year",
        {"country_code": "BR", "year": 2027},
        ("country_code", "PT"),
    ),
    ("timezone", "time", "current time in Tokyo", {"timezone": "Asia/Tokyo"}, ("timezone", "Asia/Shanghai")),
    (
        "currency",
        "fx",
        "how many Japanese yen for 200 dollars",
        {"amount": 200, "from_currency": "USD", "to_currency": "JPY"},
        ("from_currency", "CAD"),
    ),
    (
        "city_state",
        "distance",
        "distance from Boston to NYC in miles",
        {"origin": "Boston, MA", "destination": "New York, NY", "unit": "mi"},
        ("origin", "Boston, NH"),
    ),
    (
        "constant",
        "interest",
        "1000 at 5% compounded daily for 2 years",
        {"principal": 1000, "annual_rate": 0.05, "years": 2, "compounds_per_year": 365},
        ("compounds_per_year", 360),
    ),
    (
        "constant",
        "velocity",
        "a rock is dropped off a cliff, speed after 4 s?",
        {"initial_velocity": 0, "acceleration": 9.8, "time": 4},
        ("acceleration", 9.0),
    ),
    ("constant", "polygon", "angle sum of a triangle", {"sides": 3}, ("sides", 4)),
    ("default", "orders", "20 orders, starting from the beginning", {"offset": 0, "limit": 20}, ("offset", 40)),
    (
        "city_country",
        "weather_world",
        "weather in Rio",
        {"city": "Rio de Janeiro, Brazil"},
        ("city", "Sao Paulo, Brazil"),
    ),
    (
        "city_state",
        "address",
        "validate 500 Market St, San Francisco",
        {"street": "500 Market St", "city": "San Francisco", "state": "CA", "country": "US"},
        ("state", "NV"),
    ),
    (
        "unit",
        "news",
        "latest headlines in the UK, in English",
        {"country": "gb", "language": "en"},
        ("language", "fr"),
    ),
    (
        "unit",
        "forecast",
        "3 day forecast for Montreal in French",
        {"location": "Montreal", "days": 3, "lang": "fr"},
        ("location", "Quebec"),
    ),
    (
        "unit",
        "length",
        "how many km is a marathon of 26.2 miles",
        {"value": 26.2, "from_unit": "mi", "to_unit": "km"},
        ("from_unit", "ft"),
    ),
    (
        "date",
        "hotels",
        "hotel prices in Seoul for check-in on 20 December",
        {"city": "Seoul", "check_in": "20/12/2026"},
        ("check_in", "21/12/2026"),
    ),
    ("constant", "dice", "roll a pair of dice", {"num_dice": 2, "sides": 6}, ("sides", 4)),
]:
    case(kind, tool_key, request, arguments, (*planted, "written after the fix: a value nobody grounds"))


def record(number: int, label: str, tool_key: str, now: str, request: str, arguments: dict) -> dict:
    """A canonical record: system, user request, the call."""
    return {
        "id": f"g{number:04d}" if label == "clean" else f"u{number:04d}",
        "category": "single",
        "tools": [TOOLS[tool_key]],
        "messages": [
            {"role": "system", "content": "Use the tools when they help the user."},
            {"role": "user", "content": request},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"gS{number:07d}",
                        "type": "function",
                        "function": {"name": TOOLS[tool_key]["function"]["name"], "arguments": arguments},
                    }
                ],
            },
        ],
        "meta": {"now": now},
    }


def main() -> None:
    lines = []
    for number, (kind, tool_key, now, request, arguments, (key, bad, why)) in enumerate(CASES, start=1):
        clean = record(number, "clean", tool_key, now, request, arguments)
        lines.append({"label": "clean", "class": kind, "base": None, "path": None, "why": kind, "record": clean})
        planted_arguments = copy.deepcopy(arguments)
        if key in ("origin", "destination") and bad in arguments.values():  # a swap: both ends exchanged
            planted_arguments["origin"], planted_arguments["destination"] = (
                arguments["destination"],
                arguments["origin"],
            )
        else:
            planted_arguments[key] = bad
        planted = record(number, "planted", tool_key, now, request, planted_arguments)
        path = f"messages[2].tool_calls[0].function.arguments.{key}"
        lines.append(
            {
                "label": "ungrounded_value",
                "class": kind,
                "base": clean["id"],
                "path": path,
                "why": why,
                "record": planted,
            }
        )
    OUT.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    print(f"{OUT}: {len(lines)} lines, {len(CASES)} clean + {len(CASES)} planted")


if __name__ == "__main__":
    main()
