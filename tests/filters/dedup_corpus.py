"""The dedup corpus: hand-written distinct requests and lightly edited copies of them (deterministic).

Each group is one canonical call and the distinct requests different people wrote for it (dedup
compares only records with identical calls, so these are the pairs a false flag can come from).
Neighbouring groups are hard negatives: nearly the same words with another value or intent
(Paris / Oslo, a table for 2 / for 4, cancel / track order 1234), which land in other buckets.
Within a group, requests share the frame but differ in wording or context ("cancel order 1234,
it arrived damaged" / "... I ordered the wrong size"): a reviewer calls them distinct.

A copy is a distinct request after one or two light edits (`EDITS`): a polite suffix or prefix,
casing, punctuation, filler words, a clause moved, a number written another way, whitespace.
A reviewer calls it the same request. `build()` returns every entry; `records()` the dedup input.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from typing import Any

# (tool, arguments, distinct requests for exactly that call)
GROUPS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "get_weather",
        {"city": "Paris", "date": "tomorrow"},
        [
            "Weather in Paris tomorrow?",
            "Will it rain in Paris tomorrow?",
            "How cold is Paris going to be tomorrow",
            "I'm taking the early train to Paris tomorrow, do I need an umbrella or a heavy coat?",
        ],
    ),
    (
        "get_weather",
        {"city": "Oslo", "date": "tomorrow"},
        [
            "Weather in Oslo tomorrow?",
            "Is it going to snow in Oslo tomorrow",
            "Oslo forecast for tomorrow, I'm planning a hike",
        ],
    ),
    (
        "get_weather",
        {"city": "Chicago"},
        [
            "what's it like outside in Chicago",
            "Current temperature in Chicago please",
            "Is it windy in Chicago right now? Thinking about walking along the lake",
            "Chicago weather",
        ],
    ),
    (
        "get_weather",
        {"city": "Tokyo", "date": "2026-12-05"},
        [
            "Weather for Tokyo on December 5th",
            "What will the weather be in Tokyo on Dec 5?",
            "My sister lands in Tokyo on December 5 and wants to know if she should pack a rain jacket",
        ],
    ),
    (
        "search_flights",
        {"origin": "JFK", "destination": "LHR", "date": "2026-12-18"},
        [
            "Flights from JFK to Heathrow on December 18",
            "Find me a flight New York JFK to London Heathrow, Dec 18",
            "I need to get from JFK to LHR on the 18th of December, cheapest option is fine",
            "Any direct flights JFK to LHR on Dec 18? I'd rather not connect through Dublin again",
        ],
    ),
    (
        "search_flights",
        {"origin": "JFK", "destination": "LHR", "date": "2026-12-19"},
        [
            "Flights from JFK to Heathrow on December 19",
            "Show flights JFK to LHR for Dec 19",
        ],
    ),
    (
        "search_flights",
        {"origin": "SFO", "destination": "SEA", "date": "2026-12-04", "passengers": 2},
        [
            "Two seats SFO to Seattle on Dec 4",
            "Look for flights from San Francisco to Seattle on December 4 for 2 people",
            "My partner and I need to fly SFO to SEA on the 4th of December, morning preferred",
        ],
    ),
    (
        "search_flights",
        {"origin": "SFO", "destination": "SEA", "date": "2026-12-04", "passengers": 3},
        [
            "Three seats SFO to Seattle on Dec 4",
            "Flights from San Francisco to Seattle on December 4 for 3 people",
        ],
    ),
    (
        "book_hotel",
        {"city": "Lisbon", "check_in": "2027-01-10", "nights": 3},
        [
            "Book a hotel in Lisbon for 3 nights from January 10",
            "Hotel in Lisbon, Jan 10 to Jan 13",
            (
                "I need somewhere to stay in Lisbon starting the 10th of January, three nights, close to "
                "the old town if possible"
            ),
            "Reserve me a room in Lisbon for three nights from Jan 10, work trip so something with decent wifi",
        ],
    ),
    (
        "book_hotel",
        {"city": "Lisbon", "check_in": "2027-01-10", "nights": 4},
        [
            "Book a hotel in Lisbon for 4 nights from January 10",
            "Lisbon hotel, four nights starting Jan 10",
        ],
    ),
    (
        "book_hotel",
        {"city": "Denver", "check_in": "2026-12-12", "nights": 1, "max_price": 150},
        [
            "Hotel in Denver for Dec 12, one night, under $150",
            "Need a cheap room in Denver on the 12th, nothing over 150 dollars",
            "Can you find a Denver hotel for the night of December 12? Budget is $150 max",
        ],
    ),
    (
        "get_stock_price",
        {"ticker": "AAPL"},
        [
            "AAPL price",
            "How is Apple stock doing today?",
            "What's Apple trading at right now",
            "Quick check on AAPL before the market closes, I might sell some shares",
        ],
    ),
    (
        "get_stock_price",
        {"ticker": "MSFT"},
        [
            "MSFT price",
            "How is Microsoft stock doing today?",
            "Where is Microsoft trading this morning",
        ],
    ),
    (
        "get_stock_price",
        {"ticker": "TSLA", "currency": "EUR"},
        [
            "Tesla share price in euros",
            "What does one TSLA share cost in EUR?",
            "I'm in Berlin, how much is Tesla stock in euros at the moment",
        ],
    ),
    (
        "place_order",
        {"ticker": "NVDA", "side": "buy", "quantity": 10},
        [
            "Buy 10 shares of NVDA",
            "Put in an order for ten Nvidia shares",
            "Go ahead and purchase 10 NVDA at market, I've been waiting for this dip",
            "I want ten shares of Nvidia, buy them now",
        ],
    ),
    (
        "place_order",
        {"ticker": "NVDA", "side": "sell", "quantity": 10},
        [
            "Sell 10 shares of NVDA",
            "Dump ten of my Nvidia shares",
        ],
    ),
    (
        "cancel_order",
        {"order_id": "1234"},
        [
            "Cancel order 1234",
            "Cancel order 1234, it arrived damaged",
            "Cancel order 1234, I ordered the wrong size by mistake",
            "I don't want order #1234 anymore, please stop it before it ships",
            "Is it too late to cancel my order 1234? The same jacket is cheaper somewhere else",
        ],
    ),
    (
        "track_order",
        {"order_id": "1234"},
        [
            "Track order 1234",
            "Where is my order 1234?",
            "Order 1234 was supposed to arrive yesterday and it still hasn't shown up, where is it",
        ],
    ),
    (
        "track_order",
        {"order_id": "88317"},
        [
            "Status of order 88317",
            "Has order 88317 shipped yet?",
            "I ordered a lamp last week, order number 88317, any update on delivery?",
        ],
    ),
    (
        "return_item",
        {"order_id": "55012", "reason": "wrong size"},
        [
            "Return order 55012, wrong size",
            "The shoes from order 55012 don't fit, I'd like to send them back",
            "Start a return for 55012 because the size is wrong",
        ],
    ),
    (
        "create_event",
        {"title": "Dentist", "date": "2026-12-09", "time": "15:00"},
        [
            "Add dentist Dec 9 at 3pm",
            "Put a dentist appointment in my calendar for December 9th at 3 in the afternoon",
            "Schedule Dentist on 9 December, 15:00",
            "I just booked the dentist for the 9th at 3pm, can you add it so I don't forget",
        ],
    ),
    (
        "create_event",
        {"title": "Dentist", "date": "2026-12-10", "time": "15:00"},
        [
            "Add dentist Dec 10 at 3pm",
            "Put a dentist appointment on my calendar for December 10th at 3pm",
        ],
    ),
    (
        "create_event",
        {"title": "Team standup", "date": "2026-12-07", "time": "09:30", "recurrence": "weekdays"},
        [
            "Daily standup at 9:30 on weekdays starting Monday Dec 7",
            "Set up a recurring team standup every weekday at 9:30am from December 7",
            "Create a weekday meeting called Team standup, 9:30, first one on the 7th of December",
        ],
    ),
    (
        "list_events",
        {"date": "today"},
        [
            "What's on my calendar today?",
            "Do I have any meetings today",
            "Read me today's schedule",
            "I'm running late this morning, what do I have on today and is anything before noon",
        ],
    ),
    (
        "list_events",
        {"date": "tomorrow"},
        [
            "What's on my calendar tomorrow?",
            "Anything scheduled for tomorrow",
            "Am I free tomorrow or is my day packed",
        ],
    ),
    (
        "send_message",
        {"to": "Maria", "text": "running 10 minutes late"},
        [
            "Tell Maria I'm running 10 minutes late",
            "Text Maria: running 10 minutes late",
            "Can you let Maria know I'll be about ten minutes late, traffic is awful on the bridge",
            "Message Maria that I'm running 10 min late",
        ],
    ),
    (
        "send_message",
        {"to": "Maria", "text": "running 20 minutes late"},
        [
            "Tell Maria I'm running 20 minutes late",
            "Text Maria that I'll be twenty minutes late",
        ],
    ),
    (
        "send_message",
        {"to": "Dad", "text": "happy birthday"},
        [
            "Send dad a happy birthday text",
            "Wish my father happy birthday over text",
            "Message Dad happy birthday, he turns 70 today and I can't call until tonight",
        ],
    ),
    (
        "send_email",
        {"to": "hr@acme.com", "subject": "Sick day", "body": "I'm sick today and won't be in"},
        [
            "Email hr@acme.com that I'm sick today",
            "Send an email to HR at hr@acme.com, subject Sick day, saying I'm sick and won't be in",
            "I woke up with a fever, write to hr@acme.com that I'm taking a sick day",
        ],
    ),
    (
        "set_lights",
        {"room": "living room", "brightness": 40},
        [
            "Living room lights to 40%",
            "Dim the living room to 40 percent",
            "Set the living room lights to 40% for movie night",
            "Set the living room lights to 40%, it's way too bright in here",
            "Could you turn the living room brightness down to forty, the baby is finally asleep",
        ],
    ),
    (
        "set_lights",
        {"room": "living room", "brightness": 80},
        [
            "Living room lights to 80%",
            "Brighten the living room to 80 percent, I'm reading",
        ],
    ),
    (
        "set_lights",
        {"room": "bedroom", "power": "off"},
        [
            "Bedroom lights off",
            "Turn off the lights in the bedroom",
            "I'm already in bed and forgot the bedroom light, can you switch it off",
        ],
    ),
    (
        "set_lights",
        {"room": "bedroom", "power": "on"},
        [
            "Bedroom lights on",
            "Turn on the lights in the bedroom",
        ],
    ),
    (
        "set_thermostat",
        {"temperature": 21, "unit": "C"},
        [
            "Thermostat to 21",
            "Set the heating to 21 degrees Celsius",
            "It's freezing in here, bump the thermostat up to 21C",
            "Make it 21 degrees in the house before I get home",
        ],
    ),
    (
        "set_thermostat",
        {"temperature": 19, "unit": "C"},
        [
            "Thermostat to 19",
            "Lower the heating to 19 degrees, it's too warm",
        ],
    ),
    (
        "lock_door",
        {"door": "front"},
        [
            "Lock the front door",
            "Did I lock the front door? Lock it if not",
            "I'm at the airport and just remembered the front door, please lock it",
        ],
    ),
    (
        "find_recipe",
        {"query": "vegetarian lasagna"},
        [
            "Vegetarian lasagna recipe",
            "How do I make lasagna without meat",
            "Find me a good veggie lasagna recipe, my in-laws are coming over Sunday",
            "Looking for a meatless lasagna I can prep the night before",
        ],
    ),
    (
        "find_recipe",
        {"query": "vegan lasagna"},
        [
            "Vegan lasagna recipe",
            "How do I make lasagna with no dairy or meat",
        ],
    ),
    (
        "find_recipe",
        {"query": "banana bread", "max_minutes": 60},
        [
            "Banana bread under an hour",
            "Quick banana bread recipe, I have 60 minutes",
            "I have three overripe bananas, what banana bread can I bake in less than an hour",
        ],
    ),
    (
        "get_directions",
        {"destination": "Union Station", "mode": "walking"},
        [
            "Walk to Union Station",
            "Walking directions to Union Station",
            "How do I get to Union Station on foot from here",
            "My phone is almost dead, give me the walking route to Union Station quickly",
        ],
    ),
    (
        "get_directions",
        {"destination": "Union Station", "mode": "driving"},
        [
            "Drive to Union Station",
            "Driving directions to Union Station",
            "Fastest way to drive to Union Station avoiding the highway",
        ],
    ),
    (
        "find_places",
        {"query": "coffee", "near": "current location", "open_now": True},
        [
            "Coffee near me open now",
            "Is there a cafe open around here right now",
            "Where can I grab a coffee nearby, it's 6am so it has to be open already",
        ],
    ),
    (
        "find_places",
        {"query": "pharmacy", "near": "current location", "open_now": True},
        [
            "Pharmacy near me open now",
            "I need a pharmacy that's open right now close by, my kid has a fever",
        ],
    ),
    (
        "log_workout",
        {"activity": "run", "distance_km": 5, "duration_min": 28},
        [
            "Log a 5k run, 28 minutes",
            "Record my run: 5 km in 28 min",
            "Just finished a 5 kilometer run in twenty eight minutes, add it to my log",
            "Track today's run, 5k, 28 minutes, felt great after the rest day",
        ],
    ),
    (
        "log_workout",
        {"activity": "run", "distance_km": 10, "duration_min": 58},
        [
            "Log a 10k run, 58 minutes",
            "Record my run: 10 km in 58 min",
        ],
    ),
    (
        "get_steps",
        {"date": "yesterday"},
        [
            "How many steps yesterday",
            "Did I hit my step goal yesterday?",
            "Show me my step count from yesterday, I think my watch missed the afternoon walk",
        ],
    ),
    (
        "play_music",
        {"query": "jazz"},
        [
            "Play some jazz",
            "Put on jazz",
            "Play some jazz for the dinner party",
            "Play some jazz, I need to focus on this report",
            "Something jazzy please, nothing too loud",
        ],
    ),
    (
        "play_music",
        {"query": "blues"},
        [
            "Play some blues",
            "Put on blues for the drive home",
        ],
    ),
    (
        "play_music",
        {"query": "Abbey Road", "type": "album"},
        [
            "Play Abbey Road",
            "Put on the album Abbey Road from the start",
            "I want to hear Abbey Road by the Beatles, the whole album in order",
        ],
    ),
    (
        "set_volume",
        {"level": 30},
        [
            "Volume 30",
            "Turn the volume down to 30",
            "That's way too loud, set it to thirty",
        ],
    ),
    (
        "set_timer",
        {"minutes": 10},
        [
            "Timer 10 minutes",
            "Set a timer for ten minutes",
            "Start a 10 minute timer for the pasta",
            "Give me a ten minute countdown, I'm taking a power nap",
        ],
    ),
    (
        "set_timer",
        {"minutes": 15},
        [
            "Timer 15 minutes",
            "Set a timer for fifteen minutes",
            "Start a 15 minute timer for the pasta",
        ],
    ),
    (
        "set_reminder",
        {"text": "call the plumber", "time": "2026-12-04T09:00"},
        [
            "Remind me to call the plumber tomorrow at 9",
            "Reminder: plumber, tomorrow 9am",
            "Tomorrow morning at nine I need to call the plumber about the leak, remind me",
        ],
    ),
    (
        "set_reminder",
        {"text": "take out the trash", "time": "2026-12-03T20:00"},
        [
            "Remind me to take out the trash at 8pm",
            "Ping me at 8 tonight about the trash",
            "Trash goes out tonight, nudge me at 8 so I don't miss the truck again",
        ],
    ),
    (
        "book_table",
        {"restaurant": "Nopa", "party_size": 2, "time": "19:00"},
        [
            "Book a table for 2 at Nopa at 7",
            "Table for two at Nopa tonight, 7pm",
            "Reserve Nopa for me and my wife at 7, it's our anniversary",
            "Can I get a 7 o'clock reservation at Nopa for two people",
        ],
    ),
    (
        "book_table",
        {"restaurant": "Nopa", "party_size": 4, "time": "19:00"},
        [
            "Book a table for 4 at Nopa at 7",
            "Table for four at Nopa tonight, 7pm",
            "Reserve Nopa for my parents, my brother and me at 7",
        ],
    ),
    (
        "request_ride",
        {"destination": "SFO airport", "type": "standard"},
        [
            "Uber to SFO",
            "Get me a ride to the airport, SFO",
            "I need a car to SFO now, my flight leaves in two hours and I have one suitcase",
        ],
    ),
    (
        "request_ride",
        {"destination": "SFO airport", "type": "xl"},
        [
            "Uber XL to SFO",
            "Get me a big car to SFO, there are six of us with luggage",
        ],
    ),
    (
        "convert_currency",
        {"amount": 1000, "from": "USD", "to": "EUR"},
        [
            "1,000 USD to EUR",
            "How much is $1000 in euros",
            "Convert a thousand dollars to euros for me",
            "I'm wiring 1000 dollars to my landlord in Spain, what's that in euros today",
        ],
    ),
    (
        "convert_currency",
        {"amount": 500, "from": "USD", "to": "EUR"},
        [
            "500 USD to EUR",
            "How much is $500 in euros",
        ],
    ),
    (
        "translate_text",
        {"text": "where is the train station", "target": "es"},
        [
            "Translate 'where is the train station' to Spanish",
            "How do you say where is the train station in Spanish?",
            "I'm lost in Madrid, how do I ask someone where the train station is in Spanish",
        ],
    ),
    (
        "translate_text",
        {"text": "where is the train station", "target": "it"},
        [
            "Translate 'where is the train station' to Italian",
            "How do you say where is the train station in Italian?",
        ],
    ),
    (
        "get_news",
        {"topic": "technology"},
        [
            "Tech news",
            "What's new in technology today?",
            "Give me the top tech headlines, I have five minutes before my meeting",
        ],
    ),
    (
        "get_news",
        {"topic": "sports"},
        [
            "Sports news",
            "What's new in sports today?",
        ],
    ),
    (
        "get_score",
        {"team": "Lakers"},
        [
            "Lakers score",
            "Did the Lakers win last night?",
            "How are the Lakers doing in tonight's game, I can't watch it at work",
        ],
    ),
    (
        "get_balance",
        {"account": "checking"},
        [
            "Checking balance",
            "How much money is in my checking account?",
            "Before I pay rent, can you tell me what's left in checking",
            "What's my checking account balance",
        ],
    ),
    (
        "get_balance",
        {"account": "savings"},
        [
            "Savings balance",
            "How much money is in my savings account?",
        ],
    ),
    (
        "transfer_money",
        {"from": "checking", "to": "savings", "amount": 250},
        [
            "Move $250 from checking to savings",
            "Transfer two hundred fifty dollars to savings from my checking",
            "Put 250 into savings out of checking, payday was yesterday",
        ],
    ),
    (
        "search_movies",
        {"title": "Dune Part Two", "near": "current location", "date": "today"},
        [
            "Dune Part Two showtimes today",
            "Where is Dune Part Two playing tonight near me",
            "My son wants to see Dune Part Two after school today, what times are there nearby",
        ],
    ),
    (
        "add_to_list",
        {"list": "groceries", "items": ["milk", "eggs"]},
        [
            "Add milk and eggs to groceries",
            "Put eggs and milk on the shopping list",
            "We're out of milk and eggs, add them to the grocery list",
            "Grocery list: milk, eggs",
        ],
    ),
    (
        "add_to_list",
        {"list": "groceries", "items": ["milk", "bread"]},
        [
            "Add milk and bread to groceries",
            "Put bread and milk on the shopping list",
        ],
    ),
    (
        "get_package_status",
        {"tracking_number": "1Z999AA10123456784"},
        [
            "Track 1Z999AA10123456784",
            "Where's my UPS package 1Z999AA10123456784",
            "The seller sent tracking number 1Z999AA10123456784, when will it get here",
        ],
    ),
    (
        "search_products",
        {"query": "running shoes", "max_price": 100, "size": "10"},
        [
            "Running shoes size 10 under $100",
            "Find me running shoes in a size 10 for less than 100 dollars",
            "My old trainers fell apart, I need new running shoes, size ten, budget around a hundred bucks max",
        ],
    ),
    (
        "search_products",
        {"query": "running shoes", "max_price": 100, "size": "11"},
        [
            "Running shoes size 11 under $100",
            "Find me running shoes in a size 11 for less than 100 dollars",
        ],
    ),
    (
        "get_definition",
        {"word": "ephemeral"},
        [
            "Define ephemeral",
            "What does ephemeral mean?",
            "I keep seeing the word ephemeral in this book, what does it actually mean",
        ],
    ),
    (
        "start_vacuum",
        {"rooms": ["kitchen"]},
        [
            "Vacuum the kitchen",
            "Start the robot vacuum in the kitchen",
            "The kids spilled cereal everywhere, send the vacuum to the kitchen",
        ],
    ),
    (
        "get_traffic",
        {"route": "I-80 to Berkeley"},
        [
            "Traffic on I-80 to Berkeley",
            "How bad is I-80 toward Berkeley right now",
            "Should I leave now or wait, how's the traffic on 80 into Berkeley",
        ],
    ),
    (
        "create_note",
        {"title": "Gift ideas", "text": "scarf for mom, book for Sam"},
        [
            "New note Gift ideas: scarf for mom, book for Sam",
            "Jot down gift ideas, a scarf for mom and a book for Sam",
            "Make a note called Gift ideas with scarf for mom and book for Sam before I forget",
        ],
    ),
    (
        "get_exchange_rate",
        {"from": "GBP", "to": "JPY"},
        [
            "GBP to JPY rate",
            "What's the pound to yen exchange rate today",
            "How many yen do I get for one British pound right now",
        ],
    ),
    (
        "check_flight_status",
        {"flight": "UA 857"},
        [
            "UA 857 status",
            "Is United 857 on time?",
            "My mom is on United flight 857 from Shanghai, has it landed yet",
            "Check if UA857 is delayed, I'm supposed to pick someone up",
        ],
    ),
    (
        "check_flight_status",
        {"flight": "UA 858"},
        [
            "UA 858 status",
            "Is United 858 on time?",
        ],
    ),
    (
        "get_calories",
        {"food": "avocado toast"},
        [
            "Calories in avocado toast",
            "How many calories does a slice of avocado toast have",
            "I had avocado toast for breakfast, roughly how many calories was that",
        ],
    ),
    (
        "find_podcast",
        {"query": "true crime", "max_minutes": 45},
        [
            "True crime podcast under 45 minutes",
            "Recommend a true crime episode I can finish on a 45 minute commute",
            "Any short true crime podcasts, less than forty five minutes each",
        ],
    ),
    (
        "share_location",
        {"with": "Alex", "duration_min": 60},
        [
            "Share my location with Alex for an hour",
            "Let Alex see where I am for the next 60 minutes",
            "I'm walking home late, share my live location with Alex for one hour",
        ],
    ),
    (
        "get_air_quality",
        {"city": "Delhi"},
        [
            "Delhi air quality",
            "Is the air in Delhi safe to go running in today",
            "What's the AQI in Delhi right now",
        ],
    ),
    (
        "book_appointment",
        {"service": "haircut", "date": "2026-12-05", "time": "11:00"},
        [
            "Haircut Saturday 11am",
            "Book me a haircut on December 5 at 11",
            "I look like a mess, get me a haircut appointment this Saturday at 11 in the morning",
        ],
    ),
    (
        "order_food",
        {"restaurant": "Golden Dragon", "items": ["kung pao chicken", "fried rice"]},
        [
            "Order kung pao chicken and fried rice from Golden Dragon",
            "Golden Dragon delivery: kung pao chicken, fried rice",
            "Too tired to cook, get me kung pao chicken with a side of fried rice from Golden Dragon",
            "Can you place my usual at Golden Dragon, the kung pao chicken and fried rice",
        ],
    ),
    (
        "order_food",
        {"restaurant": "Golden Dragon", "items": ["kung pao chicken", "chow mein"]},
        [
            "Order kung pao chicken and chow mein from Golden Dragon",
            "Golden Dragon delivery: kung pao chicken, chow mein",
        ],
    ),
    (
        "get_weather",
        {"city": "Seattle", "date": "this weekend"},
        [
            "Seattle weather this weekend",
            (
                "Is it going to be sunny in Seattle this weekend? We want to go to the market on Saturday "
                "and hike on Sunday if the trails are dry"
            ),
            "Weekend forecast for Seattle, I'm deciding between the ferry trip and staying in with a movie marathon",
        ],
    ),
    (
        "search_flights",
        {"origin": "BOS", "destination": "MIA", "date": "2026-12-23", "return": "2026-12-30"},
        [
            "Round trip Boston to Miami Dec 23 to 30",
            (
                "Flights BOS-MIA leaving the 23rd of December, coming back on the 30th, economy is fine "
                "and I only have a carry-on"
            ),
            (
                "We're spending the holidays with my grandparents in Miami, can you find flights out of "
                "Boston on December 23 returning December 30, preferably not a red-eye"
            ),
        ],
    ),
    (
        "create_event",
        {"title": "Book club", "date": "2026-12-15", "time": "19:00", "location": "Jenna's place"},
        [
            "Book club Dec 15 7pm at Jenna's",
            (
                "Add book club to my calendar on Tuesday December 15th at 7 in the evening, it's at "
                "Jenna's place this month, and remind me to bring the wine"
            ),
            (
                "Jenna is hosting book club on December 15, starts at 7pm, please put it in my calendar "
                "with her place as the location"
            ),
        ],
    ),
    (
        "send_message",
        {"to": "Team", "text": "the demo moved to Thursday at 2pm"},
        [
            "Tell the team the demo moved to Thursday 2pm",
            (
                "Post in the team chat that the client demo has been moved to Thursday at 2pm because "
                "their CTO can't make Wednesday, and ask everyone to update their calendars"
            ),
            (
                "Let the team know the demo is now Thursday at 2, the client asked to reschedule and we "
                "need the extra day anyway to fix the login bug"
            ),
        ],
    ),
    (
        "set_thermostat",
        {"temperature": 68, "unit": "F", "schedule": "nights"},
        [
            "Nights at 68F",
            (
                "Every night set the thermostat to 68 degrees Fahrenheit, my husband complains that the "
                "bedroom gets too hot after midnight and we both wake up sweating"
            ),
            (
                "Program the heating for 68 at night from now on, the energy bill last month was "
                "ridiculous and nobody needs 74 degrees while sleeping"
            ),
        ],
    ),
    (
        "find_recipe",
        {"query": "chicken curry", "diet": "gluten free", "servings": 6},
        [
            "Gluten free chicken curry for 6",
            (
                "I'm hosting six people on Friday and one of them has celiac disease, so I need a chicken "
                "curry recipe that is completely gluten free and not too spicy for the kids"
            ),
            (
                "Find a chicken curry that serves six and has no gluten at all, my friend is celiac, and "
                "ideally something I can make in one pot after work"
            ),
        ],
    ),
    (
        "book_hotel",
        {"city": "Kyoto", "check_in": "2027-04-02", "nights": 5, "guests": 2},
        [
            "Kyoto hotel for 2, April 2, 5 nights",
            (
                "We're going to Kyoto for cherry blossom season, two adults, checking in April 2nd for "
                "five nights, and we'd love a traditional ryokan with a private bath if there's anything "
                "left"
            ),
            (
                "Look for a place in Kyoto for my wife and me from the 2nd of April, five nights, walking "
                "distance to the train station because we'll do day trips to Nara and Osaka"
            ),
        ],
    ),
    (
        "get_directions",
        {"destination": "Golden Gate Park", "mode": "transit"},
        [
            "Transit to Golden Gate Park",
            (
                "How do I get to Golden Gate Park by bus or train from downtown, I don't have a car this "
                "week and I want to be there before the museum opens at nine"
            ),
            (
                "What's the public transport route to Golden Gate Park, I'm meeting friends at the "
                "Japanese tea garden and I have no idea which muni line goes there"
            ),
        ],
    ),
    (
        "log_meal",
        {"meal": "lunch", "items": ["caesar salad", "iced tea"]},
        [
            "Log lunch: caesar salad, iced tea",
            (
                "For lunch I had a caesar salad and an iced tea, put that in my food diary so my "
                "nutritionist can see it at our appointment next week"
            ),
            "Add my lunch to the tracker, a caesar salad with dressing on the side and a large unsweetened iced tea",
        ],
    ),
    (
        "play_music",
        {"query": "lofi beats", "type": "playlist", "shuffle": True},
        [
            "Shuffle lofi beats",
            (
                "Put on a lofi beats playlist on shuffle while I study for my chemistry final, and keep "
                "it going for the next few hours without any ads if possible"
            ),
            (
                "I need some background music for deep work, a lofi playlist shuffled, nothing with "
                "lyrics because they distract me"
            ),
        ],
    ),
    (
        "cancel_order",
        {"order_id": "77120"},
        [
            "Cancel order 77120",
            (
                "I placed order 77120 this morning by accident while my toddler was playing with my "
                "phone, please cancel it before it gets processed and refund the card"
            ),
            (
                "Please cancel 77120, I found the same blender at a local store and I'd rather pick it up "
                "today than wait a week for shipping"
            ),
        ],
    ),
]

FILLERS = ["just", "actually", "quickly", "real quick", "for me", "basically"]
SUFFIXES = [", please?", " please", ", thanks!", " thank you", " - thanks in advance", " pls", " :)", ", thx"]
PREFIXES = ["Hey, ", "Hi! ", "Please ", "Can you ", "Could you please ", "Hello, ", "Ok so ", "Hey assistant, "]
NUMBER_WORDS = {
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
    "10": "ten",
    "11": "eleven",
    "12": "twelve",
    "15": "fifteen",
    "20": "twenty",
    "30": "thirty",
    "40": "forty",
    "60": "sixty",
    "100": "a hundred",
    "1000": "a thousand",
}
TIME_PHRASES = ["tonight", "tomorrow", "today", "right now", "this weekend", "yesterday", "at 7", "now"]


def polite_suffix(text: str, rng: random.Random) -> str:
    """A polite closer, with or without the text's own final punctuation."""
    return text.rstrip(".?!") + rng.choice(SUFFIXES)


def polite_prefix(text: str, rng: random.Random) -> str:
    """A greeting or "can you" in front, the first letter lowercased."""
    return rng.choice(PREFIXES) + text[:1].lower() + text[1:]


def casing(text: str, rng: random.Random) -> str:
    """Lowercased, uppercased, title-cased or capitalised: whichever changes the text."""
    forms = [form for form in (text.lower(), text.upper(), text.title(), text.capitalize()) if form != text]
    return rng.choice(forms)


def punctuation(text: str, rng: random.Random) -> str:
    """Punctuation dropped, or some added (a question mark, an exclamation, a comma after the first word)."""
    stripped = re.sub(r"[,.?!;:']", "", text)
    words = text.split()
    options = [stripped] if stripped != text else []
    options += [text.rstrip(".?!") + "?!", text.rstrip(".?!") + "..."]
    if len(words) > 3 and not words[0].endswith(","):
        options.append(" ".join([words[0] + ","] + words[1:]))
    return rng.choice(options)


def lower_no_commas(text: str, rng: random.Random) -> str:
    """The issue's own edit: lowercased with the commas dropped."""
    edited = text.lower().replace(",", "")
    return edited if edited != text else text.lower() + "?"


def filler(text: str, rng: random.Random) -> str:
    """A filler word ("just", "actually", ...) at the start or after the first word."""
    word = rng.choice(FILLERS)
    words = text.split()
    if rng.random() < 0.5 or len(words) < 2:
        return word.capitalize() + " " + text[:1].lower() + text[1:]
    return " ".join([words[0], word] + words[1:])


def reorder(text: str, rng: random.Random) -> str:
    """Two clauses swapped, a time phrase moved to the front, or two neighbouring words swapped."""
    clauses = [clause.strip() for clause in re.split(r",\s+", text.rstrip(".?!"))]
    if len(clauses) >= 2:
        i = rng.randrange(len(clauses) - 1)
        clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
        return ", ".join(clauses)
    body = text.rstrip(".?!")
    for phrase in TIME_PHRASES:
        if body.lower().endswith(" " + phrase):
            return phrase.capitalize() + ", " + body[: -len(phrase) - 1][:1].lower() + body[: -len(phrase) - 1][1:]
    words = body.split()
    at = rng.randrange(len(words) - 1) if len(words) > 1 else 0
    if len(words) > 1:
        words[at], words[at + 1] = words[at + 1], words[at]
    return " ".join(words)


def number_format(text: str, rng: random.Random) -> str:
    """A number written another way: 2 <-> two, 1,000 <-> 1000, $5 <-> 5 dollars, 40% <-> 40 percent, 3pm <-> 3 pm."""
    swaps: list[tuple[str, str]] = []
    for digits, word in NUMBER_WORDS.items():
        swaps += [(rf"\b{digits}\b(?![,:.]\d)", word), (rf"\b{word}\b", digits)]
    swaps += [
        (r"\$(\d[\d,]*)", r"\1 dollars"),
        (r"\b(\d+) dollars\b", r"$\1"),
        (r"(\d),(\d{3})\b", r"\1\2"),
        (r"\b(\d)(\d{3})\b", r"\1,\2"),
        (r"(\d+)%", r"\1 percent"),
        (r"(\d+) percent\b", r"\1%"),
        (r"\b(\d+)(am|pm)\b", r"\1 \2"),
        (r"\b(\d+) (am|pm)\b", r"\1\2"),
    ]
    rng.shuffle(swaps)
    for pattern, replacement in swaps:
        edited = re.sub(pattern, replacement, text, count=1, flags=re.IGNORECASE if pattern[2:3].isalpha() else 0)
        if edited != text:
            return edited
    return whitespace(text, rng)  # no number in the text


def whitespace(text: str, rng: random.Random) -> str:
    """Doubled spaces, a tab, or padding around the text."""
    words = text.split(" ")
    at = rng.randrange(len(words))
    return rng.choice(
        [" ".join(words[:at] + [" " + words[at]] + words[at + 1 :]), "  " + text + " \n", text.replace(" ", "\t", 1)]
    )


EDITS: dict[str, Callable[[str, random.Random], str]] = {
    "suffix": polite_suffix,
    "prefix": polite_prefix,
    "casing": casing,
    "punctuation": punctuation,
    "lower_no_commas": lower_no_commas,
    "filler": filler,
    "reorder": reorder,
    "number": number_format,
    "whitespace": whitespace,
}
SINGLE = list(EDITS)
PAIRS = [(a, b) for a in SINGLE for b in SINGLE if a < b and "whitespace" not in (a, b)]


def length_bucket(text: str) -> str:
    """'<=6', '7-15' or '>15' words."""
    words = len(text.split())
    return "<=6" if words <= 6 else "7-15" if words <= 15 else ">15"


def build(seed: int = 0) -> list[dict[str, Any]]:
    """Every distinct request (kind "distinct") and two edited copies of each ("copy"): one edit, then two."""
    entries: list[dict[str, Any]] = []
    for group, (name, arguments, texts) in enumerate(GROUPS):
        for text in texts:
            entries.append(
                {"id": f"d{len(entries)}", "group": group, "name": name, "arguments": arguments, "text": text}
            )
    distinct = [{**entry, "kind": "distinct", "source": None, "edit": None} for entry in entries]
    copies = []
    for i, entry in enumerate(distinct):
        rng = random.Random(seed * 7919 + i)
        for edits in ((SINGLE[i % len(SINGLE)],), PAIRS[(i * 7) % len(PAIRS)]):
            text = entry["text"]
            for edit in edits:
                text = EDITS[edit](text, rng)
            copies.append(
                {**entry, "id": f"c{len(copies)}", "kind": "copy", "source": entry["id"], "edit": "+".join(edits)}
            )
            copies[-1]["text"] = text
    return distinct + copies


def records(entries: list[dict[str, Any]], one_call: bool = False) -> list[dict[str, Any]]:
    """Plain-dict records for filters.dedup: the system turn, the request, the group's call; rank = list order.

    `one_call`: every record gets the same call, so all are compared (the hard negatives of other
    groups too): a stress test of the text similarity alone, not what dedup meets in a run.
    """
    calls = [("lookup", {}) if one_call else (entry["name"], entry["arguments"]) for entry in entries]
    return [
        {
            "id": entry["id"],
            "category": "single",
            "tools": [{"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}],
            "messages": [
                {"role": "system", "content": "You are a helpful assistant with tools."},
                {"role": "user", "content": entry["text"]},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call0",
                            "type": "function",
                            "function": {"name": name, "arguments": arguments},
                        }
                    ],
                },
            ],
            "meta": {"task_index": rank},
        }
        for rank, (entry, (name, arguments)) in enumerate(zip(entries, calls))
    ]


def score(entries: list[dict[str, Any]], issues: Mapping[int, Any]) -> dict[str, dict[str, Any]]:
    """Per length bucket of the distinct request (and "all"): copies flagged (recall), distinct requests flagged.

    `issues` is find_duplicates' answer over `records(entries)`. A copy counts as caught whatever it
    names; `wrong_source` counts the caught copies naming a record of another distinct request.
    """
    source_of = {entry["id"]: entry["source"] or entry["id"] for entry in entries}
    rows: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        bucket = length_bucket(entries[int(entry["source"][1:])]["text"] if entry["source"] else entry["text"])
        for key in (bucket, "all"):
            row = rows.setdefault(key, {"copies": 0, "caught": 0, "wrong_source": 0, "distinct": 0, "flagged": 0})
            if entry["kind"] == "copy":
                row["copies"] += 1
                if i in issues:
                    row["caught"] += 1
                    named = re.search(r"\b(?:of|first:) ([dc]\d+)", issues[i].message)
                    row["wrong_source"] += bool(named and source_of[named.group(1)] != entry["source"])
            else:
                row["distinct"] += 1
                row["flagged"] += i in issues
    for row in rows.values():
        row["recall"] = row["caught"] / max(1, row["copies"])
        row["false_flags"] = row["flagged"] / max(1, row["distinct"])
    return dict(sorted(rows.items(), key=lambda item: ["<=6", "7-15", ">15", "all"].index(item[0])))


def recall_by_edit(entries: list[dict[str, Any]], issues: Mapping[int, Any]) -> dict[str, float]:
    """Share of copies flagged per edit (a two-edit copy counts under "a+b")."""
    counts: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        if entry["kind"] == "copy":
            count = counts.setdefault(entry["edit"], [0, 0])
            count[0] += i in issues
            count[1] += 1
    return {edit: caught / total for edit, (caught, total) in sorted(counts.items())}
