"""filters.lexicon: the synonym and common-sense tables are data, looked up case-insensitively."""

from filters.lexicon import constants, synonyms


def test_synonyms_of_units_languages_currencies_and_enums():
    assert "celsius" in synonyms("C") and "kilometres" in synonyms("km") and "spanish" in synonyms("es")
    assert "yen" in synonyms("JPY") and "daily" in synonyms("1d") and "monday" in synonyms("Mon")
    assert synonyms("not-a-value") == ()


def test_constants_say_which_words_imply_them_and_for_which_parameter():
    dice = [c for c in constants(6) if "dice" in c.said]
    assert dice and "sides" in dice[0].parameter
    assert any("monthly" in c.said for c in constants(12)) and constants(7.5) == ()
