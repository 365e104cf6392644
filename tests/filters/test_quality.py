"""filters.quality: leaked names, placeholders, few-shot copies, length, refusals, language."""

from __future__ import annotations

import copy

import pytest

from filters.quality import (
    QualityCheck,
    QualityOptions,
    copied_example,
    foreign_language,
    leaked_json,
    non_answer,
)
from pipeline.record import parse_record

STOCK = {
    "type": "function",
    "function": {
        "name": "get_stock_price",
        "description": "Latest price of a stock.",
        "parameters": {
            "type": "object",
            "required": ["ticker"],
            "properties": {
                "ticker": {"type": "string"},
                "adjustment": {"type": "string", "enum": ["none", "split", "dividend"]},
                "notify": {"type": "object", "properties": {"emails": {"type": "array", "items": {"type": "string"}}}},
            },
        },
    },
}
SEARCH = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Web search.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
    },
}
FLIGHTS = {
    "type": "function",
    "function": {
        "name": "search_flights",
        "description": "Find flights.",
        "parameters": {"type": "object", "properties": {"origin": {"type": "string"}}},
    },
}

ID1 = "aB3dE5gH7"
REQUEST = "What is Nvidia trading at right now?"


def _user(content):
    return {"role": "user", "content": content}


def _calls(arguments=None, name="get_stock_price"):
    arguments = {"ticker": "NVDA"} if arguments is None else arguments
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": ID1, "type": "function", "function": {"name": name, "arguments": arguments}}],
    }


def _answer(content="Nvidia trades at $121.40."):
    return {"role": "assistant", "content": content}


RESULT = {"role": "tool", "tool_call_id": ID1, "name": "get_stock_price", "content": '{"price": 121.4}'}


def _record(messages=None, tools=None, **meta):
    messages = [_user(REQUEST), _calls(), RESULT, _answer()] if messages is None else messages
    return {
        "id": "r",
        "category": "single",
        "tools": [STOCK] if tools is None else tools,
        "messages": copy.deepcopy(messages),
        "meta": meta,
    }


def _issues(record, options=None):
    return QualityCheck(options)(parse_record(record))


def _codes(record, options=None):
    return [(issue.code, issue.path) for issue in _issues(record, options)]


def test_base_record_passes():
    assert _issues(_record()) == []


# -- leaked_function_name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Call get_stock_price for Nvidia please.",
        "Use getStockPrice to check Nvidia.",
        "Run GetStockPrice on NVDA for me.",
        'Please run {"name": "get_stock_price", "arguments": {"ticker": "NVDA"}}',
    ],
)
def test_leaked_function_name(text):
    assert _codes(_record([_user(text), _calls(), RESULT, _answer()])) == [
        ("leaked_function_name", "messages[0].content")
    ]


def test_camel_case_tool_leaks_its_snake_form():
    tool = {"type": "function", "function": {**STOCK["function"], "name": "getStockPrice"}}
    fail = _record(
        [_user("Call get_stock_price for Nvidia please."), _calls(name="getStockPrice"), _answer()], tools=[tool]
    )
    assert _codes(fail) == [("leaked_function_name", "messages[0].content")]
    assert (
        _issues(
            _record(
                [_user("Get the stock price for Nvidia please."), _calls(name="getStockPrice"), _answer()], tools=[tool]
            )
        )
        == []
    )


@pytest.mark.parametrize(
    "text, leaked",
    [
        ("search flights from Oslo to Rome on Friday", False),
        ("Can you search for flights from Oslo to Rome?", False),
        ("Please search_flights from Oslo to Rome.", True),
        ("Please call searchFlights from Oslo to Rome.", True),
        ("Run search(flights Oslo Rome) for me.", True),
        ('Send {"query": "search"} to the API please.', True),
        ('My budget is {"max": 300} for flights from Oslo.', False),
    ],
)
def test_plain_words_are_not_leaks(text, leaked):
    record = _record(
        [_user(text), _calls({"origin": "Oslo"}, name="search_flights"), _answer("Found 3.")], tools=[SEARCH, FLIGHTS]
    )
    assert bool(_issues(record)) == leaked


# -- placeholder_value ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments, path",
    [
        ({"ticker": "string"}, "ticker"),
        ({"ticker": " TBD "}, "ticker"),
        ({"ticker": "<ticker>"}, "ticker"),
        ({"ticker": "{ticker}"}, "ticker"),
        ({"ticker": "[symbol]"}, "ticker"),
        ({"ticker": "YOUR_TICKER"}, "ticker"),
        ({"ticker": "INSERT TICKER HERE"}, "ticker"),
        ({"ticker": "..."}, "ticker"),
        ({"ticker": "NVDA", "adjustment": "unknown"}, "adjustment"),
        ({"ticker": "NVDA", "notify": {"emails": ["maria.k@gmail.com", "john.doe@example.com"]}}, "notify.emails[1]"),
        ({"ticker": "NVDA", "notify": {"emails": ["xxx@xxx.xxx"]}}, "notify.emails[0]"),
        ({"ticker": "NVDA", "notify": {"emails": ["https://test.com/hook"]}}, "notify.emails[0]"),
        ({"ticker": "John Doe"}, "ticker"),
        ({"ticker": "Acme Corp"}, "ticker"),
        ({"ticker": "123-456-7890"}, "ticker"),
        ({"ticker": "12345"}, "ticker"),
    ],
)
def test_placeholder_value(arguments, path):
    issues = _issues(_record([_user(REQUEST), _calls(arguments), RESULT, _answer()]))
    assert [(i.code, i.path) for i in issues] == [
        ("placeholder_value", f"messages[1].tool_calls[0].function.arguments.{path}")
    ]


@pytest.mark.parametrize(
    "arguments",
    [
        {"ticker": "NVDA"},
        {"ticker": "Test Kitchen"},
        {"ticker": "String Theory Inc."},
        {"ticker": "NVDA", "adjustment": "none"},  # in the schema's enum
        {"ticker": "NVDA", "notify": {"emails": ["maria.k@gmail.com", "ops@mytest.com"]}},
        {"ticker": "XXL"},
        {"ticker": "98765"},
        {"ticker": "[1, 2]"},
        {"ticker": 12345},  # only strings are judged
    ],
)
def test_real_values_are_not_placeholders(arguments):
    assert _issues(_record([_user(REQUEST), _calls(arguments), RESULT, _answer()])) == []


# -- fewshot_copy -----------------------------------------------------------------------------------


def test_fewshot_copy():
    shown = ["How is Tesla doing today?", "what is  NVIDIA trading at right now"]
    issues = _issues(_record(fewshot=shown))
    assert [(i.code, i.path) for i in issues] == [("fewshot_copy", "messages[0].content")]
    assert "what is  NVIDIA trading at right now" in issues[0].message
    assert _issues(_record(fewshot=["How is Tesla doing today?", "What is Apple trading at this week?"])) == []


def test_fewshot_threshold_option_and_helper():
    shown = ["What is Nvidia trading at today?"]
    assert _codes(_record(fewshot=shown)) == []
    assert _codes(_record(fewshot=shown), QualityOptions(fewshot_threshold=80)) == [
        ("fewshot_copy", "messages[0].content")
    ]
    assert copied_example(REQUEST, ["Weather in Oslo?", REQUEST.upper()]) == 1
    assert copied_example(REQUEST, ["Weather in Oslo?"]) is None


# -- too_short / too_long ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["NVDA?", "Nvidia price", "I a b c"])
def test_too_short_opening_request(text):
    assert _codes(_record([_user(text), _calls(), RESULT, _answer()])) == [("too_short", "messages[0].content")]


def test_short_later_turns_pass():
    messages = [
        _user(REQUEST),
        _calls(),
        RESULT,
        _answer(),
        _user("Yes"),
        _answer("Done."),
        _user("and Apple?"),
        _answer("Apple is at $190."),
    ]
    assert _issues(_record(messages)) == []


def test_too_long():
    long = "Please tell me the latest price of Nvidia shares. " * 31
    assert _codes(_record([_user(long), _calls(), RESULT, _answer()])) == [("too_long", "messages[0].content")]
    assert _issues(_record([_user(long[:1500]), _calls(), RESULT, _answer()])) == []


def test_length_options():
    options = QualityOptions(min_request_words=8, min_request_chars=5, max_user_chars=20)
    assert _codes(_record(), options) == [("too_short", "messages[0].content"), ("too_long", "messages[0].content")]
    assert (
        _issues(
            _record([_user("Nvidia price?"), _calls(), RESULT, _answer()]),
            QualityOptions(min_request_words=2, min_request_chars=5),
        )
        == []
    )


# -- refusal ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry, but I can't help with that.",
        "I’m sorry, but I can’t do that.",
        "I am sorry, but I cannot assist with that request.",
        "I cannot assist.",
        "I am unable to provide that information.",
        "As an AI language model, I do not give financial advice. Nvidia trades at $121.40.",
        "As an AI, I have no opinions. Nvidia trades at $121.40.",
        "My knowledge cutoff is 2023, but Nvidia trades at $121.40.",
        "I don't have access to real-time data, but the tool says $121.40.",
    ],
)
def test_refusal_in_assistant_turn(text):
    assert _codes(_record([_user(REQUEST), _calls(), RESULT, _answer(text)])) == [("refusal", "messages[3].content")]


@pytest.mark.parametrize(
    "text",
    [
        "Nvidia trades at $121.40.",
        "I can't book flights: none of my tools does that.",
        "I'm sorry, but I can't book flights with the tools I have.",
        "I am unable to find a price for that ticker today.",
        "I can't do it without a ticker. Which company do you mean?",
        "Which city do you mean?",
    ],
)
def test_reasoned_answers_are_not_refusals(text):
    assert _issues(_record([_user(REQUEST), _calls(), RESULT, _answer(text)])) == []


def test_refusal_in_user_turn():
    fail = _record([_user("As an AI assistant, I need the Nvidia price."), _calls(), RESULT, _answer()])
    assert _codes(fail) == [("refusal", "messages[0].content")]
    assert _issues(_record([_user("As an AI researcher, I need the Nvidia price."), _calls(), RESULT, _answer()])) == []


# -- language ---------------------------------------------------------------------------------------

ENGLISH = [
    "What is Nvidia trading at right now?",
    "Get me the current stock price of Siemens and Volkswagen.",
    "How did Société Générale shares close yesterday?",
    "Compare the price of Nestlé and Roche on the Zürich exchange.",
    "Find flights from São Paulo to München next Friday.",
    "Book a table at Café de Flore in Paris for two at 8pm.",
    "Weather in Zürich tomorrow?",
    "What's the weather like in Reykjavík this weekend?",
    "Is it going to rain in Kraków on Saturday?",
    "Find me a cheap flight from Oslo to Málaga in July.",
    "Search flights from Düsseldorf to Thessaloniki on 12 March.",
    "I need a hotel near the Sagrada Família in Barcelona for three nights.",
    "Remind me to call Jürgen Müller tomorrow at 9am.",
    "Set a reminder to pick up Zoë from school at 3:30.",
    "Add a meeting with François Lefèvre on Tuesday at 10.",
    "Schedule a call with Søren Kierkegaard Jensen next Monday afternoon.",
    "Turn off the lights in the living room.",
    "Set the thermostat in the bedroom to 21 degrees.",
    "Dim the kitchen lights to 30 percent please.",
    "Lock the front door and arm the alarm.",
    "Play some Édith Piaf in the living room.",
    "Play the latest album by Rosalía on the kitchen speaker.",
    "Find me a recipe for coq au vin that serves four.",
    "Give me a vegetarian paella recipe without saffron.",
    "How do I make a proper tarte Tatin?",
    "Find a recipe for Wiener Schnitzel with potato salad.",
    "I want to cook pão de queijo this weekend, what do I need?",
    "Convert 250 euros to Swiss francs.",
    "How much is 1,000 Japanese yen in US dollars?",
    "Translate 'good morning' into Portuguese for me.",
    "What time is it in Buenos Aires right now?",
    "Show me train times from Köln Hbf to Frankfurt Flughafen tomorrow morning.",
    "Order a large margherita from Pizzeria da Michele.",
    "Send an email to Ana Lúcia Ferreira saying the report is ready.",
    "Text Giuseppe that I'll be ten minutes late.",
    "Send a message to Mette-Marie: dinner at 7 at Restaurant Noma?",
    "Find Italian restaurants near Piazza Navona with outdoor seating.",
    "Are there any tickets left for the Real Madrid match at the Santiago Bernabéu?",
    "Find museums open on Monday in Amsterdam, near the Rijksmuseum.",
    "What's the distance from Lyon to Genève by car?",
    "Get directions to Schloss Neuschwanstein avoiding toll roads.",
    "How long does it take to drive from Porto to Lisboa?",
    "Check the status of Lufthansa flight LH 1234 from Frankfurt.",
    "Cancel my booking at Hotel Adlon Kempinski for next week.",
    "What's the exchange rate between the Brazilian real and the euro today?",
    "Look up the opening hours of El Corte Inglés on Calle de Preciados.",
    "Find a dentist in Utrecht who speaks English.",
    "Show me the top headlines from Le Monde and Der Spiegel.",
    "What's the population of Nürnberg?",
    "Get the latest price of Bitcoin and Ethereum in euros.",
    "Create a shopping list with eggs, milk, gruyère and baguette.",
    "Add croissants and pain au chocolat to my grocery order.",
    "Book a massage at the Thermae spa in Bath for Saturday morning.",
    "How many calories are in a bowl of gazpacho?",
    "Find hiking trails near Chamonix-Mont-Blanc that are under 10 km.",
    "Start a 25 minute focus timer.",
    "What movies are playing at the Cinémathèque Française tonight?",
    "Find me an apartment to rent in Prenzlauer Berg under 1,500 euros.",
    "Call an Uber from Gare du Nord to Montmartre.",
    "Track my package from DHL, tracking number 1Z999AA10123456784.",
    "What is the air quality index in São José dos Campos today?",
    "Can you check whether Banco Santander pays a dividend this quarter?",
    "Set an alarm for 6:45 tomorrow and call it Yoga mit Lena.",
    "Find a Portuguese restaurant near Rua Augusta that serves bacalhau à brás.",
    "Book two seats for La Traviata at the Teatro alla Scala on Friday.",
    "Water the garden for fifteen minutes at sunrise.",
    "What's the UV index in Sevilla this afternoon?",
    "Find the cheapest parking near Centraal Station in Rotterdam.",
    "Show my calendar for next week, especially the meeting with Señora Gómez.",
    "Look up the ingredients for a Spanish tortilla de patatas.",
    "Translate 'Wo ist der Bahnhof, bitte?' into English.",
    'Send a message to Pierre saying "Je serai en retard ce soir, désolé".',
    "What does 'je ne sais quoi' mean?",
    "Look up Calle Mayor 12, 28013 Madrid on the map.",
]

FOREIGN = [
    ("es", "¿Cuál es el precio actual de las acciones de Telefónica?"),
    ("es", "Reserva una mesa para dos personas esta noche a las nueve."),
    ("es", "Busca vuelos baratos de Madrid a Londres para el próximo viernes."),
    ("es", "Recuérdame llamar a mi madre mañana por la tarde."),
    ("es", "Apaga las luces del salón y baja la temperatura, por favor."),
    ("es", "Necesito una receta de tortilla de patatas sin cebolla."),
    ("es", "¿Qué tiempo va a hacer en Sevilla este fin de semana?"),
    ("fr", "Quel est le cours de l'action Total aujourd'hui ?"),
    ("fr", "Réserve une table pour quatre personnes ce soir au restaurant."),
    ("fr", "Trouve-moi un vol pas cher de Paris à Lisbonne la semaine prochaine."),
    ("fr", "Rappelle-moi d'acheter du pain en rentrant du travail."),
    ("fr", "Peux-tu éteindre les lumières de la cuisine s'il te plaît ?"),
    ("fr", "Je cherche une recette de gratin dauphinois facile à faire."),
    ("fr", "Quelle météo est prévue à Marseille pour demain matin ?"),
    ("de", "Wie hoch ist der aktuelle Aktienkurs von Siemens?"),
    ("de", "Buche mir bitte einen Tisch für zwei Personen heute Abend."),
    ("de", "Suche einen günstigen Flug von Berlin nach Rom am Freitag."),
    ("de", "Erinnere mich morgen früh daran, den Arzt anzurufen."),
    ("de", "Schalte bitte das Licht im Wohnzimmer aus und mach die Heizung wärmer."),
    ("de", "Ich brauche ein Rezept für einen einfachen Apfelkuchen."),
    ("de", "Wie wird das Wetter am Wochenende in Hamburg?"),
    ("pt", "Qual é o preço atual das ações da Petrobras?"),
    ("pt", "Reserve uma mesa para duas pessoas hoje à noite, por favor."),
    ("pt", "Procure voos baratos de Lisboa para o Rio de Janeiro em agosto."),
    ("pt", "Me lembre de ligar para o médico amanhã de manhã."),
    ("pt", "Desligue as luzes da sala e feche as cortinas."),
    ("pt", "Quero uma receita de bolo de cenoura com cobertura de chocolate."),
    ("pt", "Como vai estar o tempo em São Paulo neste fim de semana?"),
    ("it", "Qual è il prezzo attuale delle azioni di Enel?"),
    ("it", "Prenota un tavolo per due persone stasera alle otto."),
    ("it", "Cerca un volo economico da Milano a Parigi per venerdì prossimo."),
    ("it", "Ricordami di chiamare il dentista domani mattina."),
    ("it", "Spegni le luci in soggiorno e abbassa il riscaldamento."),
    ("it", "Vorrei una ricetta semplice per la pasta alla carbonara."),
    ("it", "Che tempo farà a Napoli questo fine settimana?"),
    ("nl", "Wat is de huidige koers van het aandeel Philips?"),
    ("nl", "Reserveer een tafel voor twee personen vanavond om acht uur."),
    ("nl", "Zoek een goedkope vlucht van Amsterdam naar Barcelona volgende week."),
    ("nl", "Herinner me eraan om morgen de tandarts te bellen."),
    ("nl", "Doe de lampen in de woonkamer uit en zet de verwarming hoger."),
    ("nl", "Ik zoek een recept voor erwtensoep met rookworst."),
    ("nl", "Hoe wordt het weer dit weekend in Utrecht?"),
]


@pytest.mark.parametrize("text", ENGLISH)
def test_english_requests_with_foreign_names_pass(text):
    assert foreign_language(text, "en") is None


@pytest.mark.parametrize("lang, text", FOREIGN)
def test_foreign_requests_are_caught(lang, text):
    assert foreign_language(text, "en") == lang
    assert foreign_language(text, lang) is None


@pytest.mark.parametrize("text", ["Yes", "and Apple?", "Danke schön!", "Merci beaucoup", "OK, gracias amigo"])
def test_short_turns_are_not_judged(text):
    assert foreign_language(text, "en") is None


def test_language_issue_and_meta_override():
    spanish = "¿Cuál es el precio actual de las acciones de Nvidia?"
    fail = _record([_user(spanish), _calls(), RESULT, _answer("Nvidia cotiza a 121,40 dólares.")])
    issues = _issues(fail)
    assert [(i.code, i.path) for i in issues] == [("language", "messages[0].content")]
    assert "'es'" in issues[0].message
    assert _issues({**fail, "meta": {"language": "es"}}) == []
    assert _issues(fail, QualityOptions(language="es")) == []
    assert _issues(fail, QualityOptions(language="")) == []
    assert _codes(_record(), QualityOptions(language="es")) == [("language", "messages[0].content")]
    assert _codes({**_record(), "meta": {"language": "es"}}) == [("language", "messages[0].content")]
    assert _issues({**_record(), "meta": {"language": "en-US"}}) == []


# -- odd records ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        _record([_answer("Hello.")]),
        _record([{"role": "system", "content": "You trade."}, _answer()]),
        _record([_user(REQUEST), _calls("not json"), RESULT, _answer()]),
        _record([_user(REQUEST), _calls('["string"]'), RESULT, _answer()]),
        _record([_user(REQUEST), _calls(), RESULT, _answer()], tools=[]),
        _record([_user(None), {"role": "assistant", "content": None}]),
        _record([], fewshot="not a list", language=7),
        _record(fewshot=[None, 3, REQUEST.lower()]),
        _record([_user(REQUEST), _calls({"ticker": "NVDA"}, name="unknown_tool"), _answer()]),
    ],
)
def test_odd_records_never_crash(record):
    issues = _issues(record)
    assert all(issue.check == "quality" for issue in issues)


def test_a_snake_case_parameter_name_in_the_request_leaks_the_schema():
    tool = {
        "type": "function",
        "function": {
            "name": "get_flight_status",
            "parameters": {
                "type": "object",
                "properties": {"flight_number": {"type": "string"}, "date": {"type": "string"}},
            },
        },
    }

    def codes(text):
        record = parse_record({"id": "r", "tools": [tool], "messages": [{"role": "user", "content": text}]})
        return [issue.code for issue in QualityCheck()(record)]

    assert codes("Real-time flight_number: QF12, date 2026-02-07") == ["leaked_function_name"]
    assert codes("What is the status of flight number QF12 on the date of Feb 7?") == []


def test_a_template_slot_left_in_the_request_is_a_placeholder():
    def codes(text):
        record = parse_record({"id": "r", "tools": [], "messages": [{"role": "user", "content": text}]})
        return [issue.code for issue in QualityCheck()(record)]

    for text in (
        "Find the contract template from [company1] with [number] items",
        "Book a table in {city} tonight please",
        "Send it to <your name> by Friday please",
    ):
        assert codes(text) == ["placeholder_value"], text
    for text in (
        "Mark the [urgent] ticket as done please",
        "Find files named report_{2026} please",
        "Is 3 < 5 and 7 > 2 really?",
    ):
        assert codes(text) == [], text


def test_an_assistant_reply_that_repeats_the_user_is_echo_reply():
    from filters.quality import echoes

    assert echoes(
        "14936.11 euros to Lucas Moreau, IBAN NL02ABNA0123456789",
        "Please send 14936.11 euros to Lucas Moreau, IBAN NL02ABNA0123456789.",
    )
    assert echoes("What's the weather in Oslo?", "what's the weather in oslo")
    assert not echoes("Which date should I book it for?", "Book a table for two at Nopa")
    assert not echoes("Sure.", "Sure")  # too short to call an echo


def test_template_slots_in_any_turn_are_placeholder_value():
    from filters.quality import QualityCheck
    from pipeline.record import parse_record

    record = parse_record(
        {
            "id": "r",
            "category": "multi_turn",
            "tools": [],
            "meta": {},
            "messages": [
                {"role": "user", "content": "Could you list every device in the living room?"},
                {"role": "assistant", "content": "<your message>"},
                {"role": "user", "content": "<user's message>"},
                {"role": "assistant", "content": "Here they are."},
            ],
        }
    )
    issues = [(i.code, i.path) for i in QualityCheck()(record)]
    assert ("placeholder_value", "messages[1].content") in issues and (
        "placeholder_value",
        "messages[2].content",
    ) in issues


@pytest.mark.parametrize(
    "text, found",
    [
        ("Done, the back door is locked (locked: true).", ": true"),
        ('Here it is: {"temperature_c": 21}', '{"temperature_c":'),
        ('Options: [{"airline": "KLM"}]', "[{"),
        ("Lounge lights at 30% (transition: null).", ": null"),
        ("I set it to false for you.", "to false"),
        ('The flag is "true" now.', '"true"'),
        ("Yes, that's true: the door is locked.", None),
        ('A "true comfort food" classic.', None),
        ("It was a false reading.", None),
        ("The contract is null and void.", None),
        ("None of my tools can do that.", None),
    ],
)
def test_json_in_assistant_text(text, found):
    assert leaked_json(text) == found


@pytest.mark.parametrize(
    "text, after_result, why",
    [
        ("164.0", True, "not an answer"),
        ("71", False, "not an answer"),
        ("netural", True, "not an answer"),
        ("Resilient", False, "not an answer"),  # asked for another word than "resilient"
        ("math.ceil(192.0)", True, "writes code"),
        ("The total is round(3.5)", True, "writes code"),
        ("get_weather(city='Oslo')", False, "writes code"),
        ("It has 155 calories and 6.0 grams of fiber.}.....................ип.ип.", True, "debris"),
        ("This will delete event (event id evt_8k2m4xq7za). Do you confirm?", True, "repeats its confirmation"),
    ],
)
def test_non_answers(text, after_result, why):
    asked = ["This will delete event (event id evt_8k2m4xq7za). Do you confirm?"]
    assert why in non_answer(text, after_result, asked, last_user='"Resilient" feels overused: another word?')


def test_a_confirmation_question_asked_again_after_the_call():
    asked = ["Ready to delete event (event id evt_q6t1v8rb0c). Is it okay to go ahead?"]
    said = "Your event has been deleted. Is it okay to go ahead?"
    assert "asks its earlier question again" in non_answer(said, True, asked)
    assert non_answer(said, True, []) is None  # asked, but not as a confirmation before a call
    assert non_answer("Ready to move it. Is it okay to go ahead?", False, asked) is None  # the next confirmation
    same = "Here is what I found: 1 item came back."  # two calls answered alike: terse, but answers
    assert non_answer(same, True, []) is None


@pytest.mark.parametrize(
    "text, after_result",
    [
        ("-1°C and raining.", True),
        ("Thanks!", False),
        ("Done (order SO-51190342): 20 NKE at $74.18.", True),
        ("The sample(s) came back clean.", True),
        ("Deleted it (evt_8k2m4xq7za) and told the attendees.", True),
    ],
)
def test_short_real_answers_pass(text, after_result):
    asked = ["This will delete event (event id evt_8k2m4xq7za). Do you confirm?"]
    assert non_answer(text, after_result, asked) is None


def test_a_request_that_pastes_the_tool_description():
    from filters.quality import copied_description

    shows = "Cinema showtimes for a movie in a city on a given date, grouped by theatre and format."
    episodes = "Latest or most popular episodes of a podcast with titles, durations and media IDs."
    assert copied_description("showtimes for Dune in Seoul grouped by theatre and format", [shows]) == (
        "grouped by theatre and format"
    )
    assert copied_description("Show me the 10 most popular episodes of Serial", [episodes]) is None  # 4 words: speech
    assert copied_description("What's Dune showing at in Seoul tonight?", [shows]) is None
