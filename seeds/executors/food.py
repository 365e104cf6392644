"""Offline food tools: a per-100 g nutrition table and hash-derived restaurant listings.

Executors for the bundled seeds (see seeds/tools/food.json). Standard library only;
deterministic in the arguments; JSON-serialisable results.
"""

import hashlib

# per 100 g: kcal, protein g, carbohydrates g, fat g, fibre g (USDA-style averages)
NUTRITION = {
    "avocado": (160, 2.0, 8.5, 14.7, 6.7),
    "brown rice": (123, 2.7, 25.6, 1.0, 1.6),
    "greek yogurt": (59, 10.2, 3.6, 0.4, 0.0),
    "almonds": (579, 21.2, 21.6, 49.9, 12.5),
    "banana": (89, 1.1, 22.8, 0.3, 2.6),
    "chicken breast": (165, 31.0, 0.0, 3.6, 0.0),
    "oatmeal": (71, 2.5, 12.0, 1.5, 1.7),
    "cheddar cheese": (403, 24.9, 1.3, 33.1, 0.0),
    "salmon fillet": (208, 20.4, 0.0, 13.4, 0.0),
    "quinoa": (120, 4.4, 21.3, 1.9, 2.8),
    "peanut butter": (588, 25.1, 20.0, 50.4, 6.0),
    "whole wheat bread": (247, 13.0, 41.0, 3.4, 7.0),
    "broccoli": (34, 2.8, 6.6, 0.4, 2.6),
    "hummus": (166, 7.9, 14.3, 9.6, 6.0),
    "apple": (52, 0.3, 13.8, 0.2, 2.4),
    "egg": (143, 12.6, 0.7, 9.5, 0.0),
    "tofu": (76, 8.1, 1.9, 4.8, 0.3),
    "sweet potato": (86, 1.6, 20.1, 0.1, 3.0),
    "spinach": (23, 2.9, 3.6, 0.4, 2.2),
    "chickpeas": (164, 8.9, 27.4, 2.6, 7.6),
    "black beans": (132, 8.9, 23.7, 0.5, 8.7),
    "lentils": (116, 9.0, 20.1, 0.4, 7.9),
    "white rice": (130, 2.7, 28.2, 0.3, 0.4),
    "pasta": (158, 5.8, 30.9, 0.9, 1.8),
    "olive oil": (884, 0.0, 0.0, 100.0, 0.0),
    "tomato": (18, 0.9, 3.9, 0.2, 1.2),
    "mushrooms": (22, 3.1, 3.3, 0.3, 1.0),
    "shrimp": (99, 24.0, 0.2, 0.3, 0.0),
}
CUISINES = [
    "italian",
    "japanese",
    "mexican",
    "indian",
    "thai",
    "chinese",
    "french",
    "mediterranean",
    "korean",
    "american",
    "vietnamese",
    "ethiopian",
]
NAMES = {
    "italian": ["Trattoria Lucia", "Osteria Bianca", "Via Roma"],
    "japanese": ["Sakura Sushi Bar", "Ramen Ichiban", "Izakaya Kaze"],
    "mexican": ["El Farolito", "Casa Oaxaca", "La Palapa"],
    "indian": ["Bombay Spice", "Tandoor House", "Masala Lane"],
    "thai": ["Thai Orchid", "Bangkok Street", "Lemongrass"],
    "chinese": ["Golden Dragon", "Dim Sum Palace", "Sichuan Garden"],
    "french": ["Le Petit Bistro", "Chez Margaux", "Brasserie Lumière"],
    "mediterranean": ["Olive & Thyme", "Aegean Table", "Levant"],
    "korean": ["Seoul Kitchen", "Bibim House", "Gangnam BBQ"],
    "american": ["Blue Plate Diner", "Hearth & Hops", "Smokestack BBQ"],
    "vietnamese": ["Pho 88", "Saigon Corner", "Banh Mi Co"],
    "ethiopian": ["Addis Red Sea", "Lalibela", "Queen of Sheba"],
}
STREETS = [
    "Main St",
    "Market St",
    "Oak Ave",
    "Harbor Rd",
    "King St",
    "Elm St",
    "Station Rd",
    "Park Ave",
    "High St",
    "Mill Ln",
]


def _unit(*parts):
    """A number in [0, 1) fixed by the parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def get_nutrition_facts(food_item, serving_grams=100):
    """Scale the per-100 g table to the serving; a food the table lacks gets a stable estimate
    from its name (plausible ranges per 100 g), so every pool value and linked ingredient works."""
    key = " ".join(food_item.lower().split())
    row = NUTRITION.get(key) or NUTRITION.get(key.rstrip("s")) or NUTRITION.get(key + "s")
    if row is None:
        row = (
            round(40 + 360 * _unit(key, "kcal")),
            round(25 * _unit(key, "protein"), 1),
            round(60 * _unit(key, "carbs"), 1),
            round(30 * _unit(key, "fat"), 1),
            round(8 * _unit(key, "fibre"), 1),
        )
    scale = serving_grams / 100
    kcal, protein, carbs, fat, fibre = (round(value * scale, 1) for value in row)
    return {
        "food_item": food_item,
        "serving_grams": serving_grams,
        "calories": kcal,
        "protein_g": protein,
        "carbs_g": carbs,
        "fat_g": fat,
        "fiber_g": fibre,
    }


def search_restaurants(city, cuisine=None, price_level=None, party_size=2, open_at=None):
    """Three stable listings per (city, cuisine, price level)."""
    found = []
    for index in range(3):
        key = (city.lower(), cuisine, price_level, index)
        kind = cuisine or CUISINES[int(_unit(*key, "cuisine") * len(CUISINES))]
        names = NAMES[kind]
        found.append(
            {
                "restaurant_id": f"RST-{int(_unit(*key, 'id') * 100000):05d}",
                "name": names[(index + int(_unit(city.lower(), kind) * 3)) % len(names)],
                "cuisine": kind,
                "price_level": price_level or 1 + int(_unit(*key, "price") * 4),
                "rating": round(3.6 + 1.3 * _unit(*key, "rating"), 1),
                "address": f"{10 + int(_unit(*key, 'no') * 1990)} "
                f"{STREETS[int(_unit(*key, 'street') * len(STREETS))]}, {city}",
            }
        )
    return {"city": city, "restaurants": found}
