"""Offline food tools: a per-100 g nutrition table (USDA-style averages) and hash-derived restaurant listings.

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
    "boiled egg": (155, 12.6, 1.1, 10.6, 0.0),
    "tempeh": (192, 20.3, 7.6, 10.8, 0.0),
    "cottage cheese": (98, 11.1, 3.4, 4.3, 0.0),
    "mozzarella": (280, 27.5, 3.1, 17.1, 0.0),
    "whole milk": (61, 3.2, 4.8, 3.3, 0.0),
    "oat milk": (48, 1.0, 6.7, 1.5, 0.8),
    "almond milk": (15, 0.6, 0.3, 1.2, 0.2),
    "walnuts": (654, 15.2, 13.7, 65.2, 6.7),
    "cashews": (553, 18.2, 30.2, 43.9, 3.3),
    "chia seeds": (486, 16.5, 42.1, 30.7, 34.4),
    "flaxseeds": (534, 18.3, 28.9, 42.2, 27.3),
    "blueberries": (57, 0.7, 14.5, 0.3, 2.4),
    "strawberries": (32, 0.7, 7.7, 0.3, 2.0),
    "orange": (47, 0.9, 11.8, 0.1, 2.4),
    "mango": (60, 0.8, 15.0, 0.4, 1.6),
    "pineapple": (50, 0.5, 13.1, 0.1, 1.4),
    "grapes": (69, 0.7, 18.1, 0.2, 0.9),
    "watermelon": (30, 0.6, 7.6, 0.2, 0.4),
    "kiwi": (61, 1.1, 14.7, 0.5, 3.0),
    "pear": (57, 0.4, 15.2, 0.1, 3.1),
    "dates": (282, 2.5, 75.0, 0.4, 8.0),
    "raisins": (299, 3.1, 79.2, 0.5, 3.7),
    "dark chocolate": (598, 7.8, 45.9, 42.6, 10.9),
    "basmati rice": (121, 3.5, 25.2, 0.4, 0.4),
    "spaghetti": (158, 5.8, 30.9, 0.9, 1.8),
    "couscous": (112, 3.8, 23.2, 0.2, 1.4),
    "potatoes": (77, 2.0, 17.5, 0.1, 2.2),
    "french fries": (312, 3.4, 41.4, 14.7, 3.8),
    "bagel": (257, 10.0, 50.5, 1.6, 2.1),
    "croissant": (406, 8.2, 45.8, 21.0, 2.6),
    "pita bread": (275, 9.1, 55.7, 1.2, 2.2),
    "tortilla": (306, 8.0, 50.0, 8.0, 3.5),
    "granola": (471, 10.0, 64.0, 20.0, 7.0),
    "cornflakes": (357, 7.5, 84.0, 0.4, 3.3),
    "honey": (304, 0.3, 82.4, 0.0, 0.2),
    "maple syrup": (260, 0.0, 67.0, 0.1, 0.0),
    "butter": (717, 0.9, 0.1, 81.1, 0.0),
    "guacamole": (155, 2.0, 8.6, 14.0, 6.0),
    "salsa": (36, 1.5, 7.0, 0.2, 1.9),
    "tuna": (132, 28.2, 0.0, 1.3, 0.0),
    "sardines": (208, 24.6, 0.0, 11.5, 0.0),
    "cod": (82, 17.8, 0.0, 0.7, 0.0),
    "beef steak": (271, 25.0, 0.0, 19.0, 0.0),
    "ground beef": (254, 17.2, 0.0, 20.0, 0.0),
    "pork chop": (231, 24.0, 0.0, 14.0, 0.0),
    "bacon": (541, 37.0, 1.4, 42.0, 0.0),
    "ham": (145, 21.0, 1.5, 5.5, 0.0),
    "turkey breast": (135, 30.0, 0.0, 1.0, 0.0),
    "lamb chop": (294, 25.0, 0.0, 21.0, 0.0),
    "ramen noodles": (138, 4.5, 25.0, 2.0, 1.0),
    "sushi rice": (130, 2.4, 29.0, 0.2, 0.3),
    "edamame": (121, 11.9, 8.9, 5.2, 5.2),
    "kimchi": (15, 1.1, 2.4, 0.5, 1.6),
    "miso soup": (40, 2.9, 3.8, 1.3, 0.6),
    "seaweed": (35, 5.8, 5.1, 0.3, 0.3),
    "carrots": (41, 0.9, 9.6, 0.2, 2.8),
    "cucumber": (15, 0.7, 3.6, 0.1, 0.5),
    "bell pepper": (31, 1.0, 6.0, 0.3, 2.1),
    "cauliflower": (25, 1.9, 5.0, 0.3, 2.0),
    "kale": (49, 4.3, 8.8, 0.9, 3.6),
    "zucchini": (17, 1.2, 3.1, 0.3, 1.0),
    "green peas": (81, 5.4, 14.5, 0.4, 5.7),
    "corn": (86, 3.3, 18.7, 1.4, 2.0),
    "popcorn": (387, 12.9, 77.8, 4.5, 14.5),
    "rice cakes": (387, 8.2, 81.5, 2.8, 4.2),
    "protein bar": (350, 30.0, 40.0, 10.0, 5.0),
    "whey protein": (400, 80.0, 8.0, 6.0, 0.0),
    "orange juice": (45, 0.7, 10.4, 0.2, 0.2),
    "coconut water": (19, 0.7, 3.7, 0.2, 1.1),
    "red wine": (85, 0.1, 2.6, 0.0, 0.0),
    "beer": (43, 0.5, 3.6, 0.0, 0.0),
    "pizza margherita": (250, 11.0, 31.0, 9.0, 2.0),
    "cheeseburger": (265, 14.0, 25.0, 12.0, 1.5),
    "caesar salad": (190, 5.0, 8.0, 15.0, 1.5),
    "pad thai": (180, 8.0, 25.0, 6.0, 1.5),
    "chicken tikka masala": (150, 11.0, 6.0, 9.0, 1.0),
    "burrito": (210, 9.0, 26.0, 7.5, 3.0),
    "apple pie": (237, 1.9, 34.0, 11.0, 1.6),
    "ice cream": (207, 3.5, 23.6, 11.0, 0.7),
    "cheesecake": (321, 5.5, 25.5, 22.5, 0.4),
    "chicken thighs": (209, 26.0, 0.0, 10.9, 0.0),
    "salmon": (208, 20.4, 0.0, 13.4, 0.0),
    "coconut milk": (230, 2.3, 6.0, 23.8, 2.2),
    "feta": (264, 14.2, 4.1, 21.3, 0.0),
    "oats": (389, 16.9, 66.3, 6.9, 10.6),
    "rice": (130, 2.7, 28.2, 0.3, 0.4),
    "chicken": (239, 27.3, 0.0, 13.6, 0.0),
    "beef": (250, 26.0, 0.0, 15.0, 0.0),
    "pork": (242, 27.0, 0.0, 14.0, 0.0),
    "turkey": (189, 28.6, 0.0, 7.4, 0.0),
    "fish": (105, 20.0, 0.0, 2.5, 0.0),
    "white fish": (90, 19.0, 0.0, 1.0, 0.0),
    "onion": (40, 1.1, 9.3, 0.1, 1.7),
    "garlic": (149, 6.4, 33.1, 0.5, 2.1),
    "ginger": (80, 1.8, 17.8, 0.8, 2.0),
    "bread": (265, 9.0, 49.0, 3.2, 2.7),
    "yogurt": (61, 3.5, 4.7, 3.3, 0.0),
    "cheese": (402, 25.0, 1.3, 33.0, 0.0),
    "cheddar": (403, 24.9, 1.3, 33.1, 0.0),
    "parmesan": (431, 38.5, 4.1, 28.6, 0.0),
    "paneer": (321, 25.0, 3.6, 25.0, 0.0),
    "halloumi": (321, 21.0, 2.2, 25.0, 0.0),
    "ricotta": (174, 11.3, 3.0, 13.0, 0.0),
    "cream": (340, 2.1, 2.8, 36.0, 0.0),
    "prawns": (99, 24.0, 0.2, 0.3, 0.0),
    "mussels": (86, 11.9, 3.7, 2.2, 0.0),
    "squid": (92, 15.6, 3.1, 1.4, 0.0),
    "noodles": (138, 4.5, 25.0, 2.0, 1.0),
    "rice noodles": (109, 0.9, 24.9, 0.2, 1.0),
    "tomatoes": (18, 0.9, 3.9, 0.2, 1.2),
    "peas": (81, 5.4, 14.5, 0.4, 5.7),
    "kidney beans": (127, 8.7, 22.8, 0.5, 6.4),
    "pinto beans": (143, 9.0, 26.2, 0.7, 9.0),
    "eggplant": (25, 1.0, 5.9, 0.2, 3.0),
    "aubergine": (25, 1.0, 5.9, 0.2, 3.0),
    "asparagus": (20, 2.2, 3.9, 0.1, 2.1),
    "cabbage": (25, 1.3, 5.8, 0.1, 2.5),
    "bok choy": (13, 1.5, 2.2, 0.2, 1.0),
    "butternut squash": (45, 1.0, 11.7, 0.1, 2.0),
    "pumpkin": (26, 1.0, 6.5, 0.1, 0.5),
    "celery": (16, 0.7, 3.0, 0.2, 1.6),
    "leeks": (61, 1.5, 14.2, 0.3, 1.8),
    "peppers": (31, 1.0, 6.0, 0.3, 2.1),
    "lemon": (29, 1.1, 9.3, 0.3, 2.8),
    "lime": (30, 0.7, 10.5, 0.2, 2.8),
    "coconut": (354, 3.3, 15.2, 33.5, 9.0),
    "chorizo": (455, 24.1, 1.9, 38.3, 0.0),
    "prosciutto": (195, 28.0, 0.0, 9.0, 0.0),
    "pork belly": (518, 9.3, 0.0, 53.0, 0.0),
    "duck breast": (123, 19.9, 0.0, 4.3, 0.0),
    "steak": (271, 25.0, 0.0, 19.0, 0.0),
    "flour": (364, 10.3, 76.3, 1.0, 2.7),
    "gnocchi": (133, 3.0, 30.0, 0.3, 1.4),
    "tahini": (595, 17.0, 21.2, 53.8, 9.3),
    "miso": (199, 12.8, 25.4, 6.0, 5.4),
    "injera": (165, 5.4, 33.0, 1.0, 3.0),
    "split peas": (118, 8.3, 21.1, 0.4, 8.3),
    "melon": (34, 0.8, 8.2, 0.2, 0.9),
    "cranberries": (46, 0.5, 12.2, 0.1, 4.6),
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


STAND_INS = {"rice", "noodles", "steak"}  # "cauliflower rice" is cauliflower
CONDIMENTS = {"sauce", "paste", "oil", "vinegar", "marinade", "spices", "powder", "seasoning", "stock"}
MODIFIERS = {"red", "green", "white", "black", "brown", "sweet", "whole", "fresh", "ground", "new", "dark", "cherry"}


def _cut_of(key):
    """The row of the food a name is a cut or kind of, by its head word ("red lentils" -> lentils,
    "lamb shoulder" -> lamb chop, "corn tortillas" -> tortilla); a stand-in made of another food
    is that food ("cauliflower rice", "zucchini noodles"); None when no table food shares one."""
    words = [word for word in key.split() if word not in MODIFIERS]
    if words and words[-1] in CONDIMENTS:
        return None  # fish sauce is not fish
    if len(words) > 1 and words[-1] in STAND_INS and _food(words[0]) and _food(words[0])[0] < 100:
        return _food(words[0])  # a vegetable shaped as rice or noodles
    for word in reversed(words):
        row = _food(word) or next(
            (row for name, row in NUTRITION.items() if _singular(word) in map(_singular, name.split())), None
        )
        if row is not None:
            return row
    return None


def _singular(word):
    return word[:-2] if word.endswith("oes") else word[:-1] if word.endswith("s") else word


def _food(word):
    return NUTRITION.get(word) or NUTRITION.get(_singular(word))


def get_nutrition_facts(food_item, serving_grams=100):
    """Scale the per-100 g table (every food of the seed's pool) to the serving; a food the
    table lacks has no data here (made-up numbers would be a wrong fact about a real food)."""
    key = " ".join(food_item.lower().split())
    row = NUTRITION.get(key) or NUTRITION.get(_singular(key)) or NUTRITION.get(key + "s") or _cut_of(key)
    if row is None:
        raise ValueError(f"no nutrition data for {food_item!r}")
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
