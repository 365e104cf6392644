"""Offline finance tools: fixed price, rate and company tables; hash-derived daily moves.

Executors for the bundled seeds (see seeds/tools/finance.json). Standard library only; every
function is deterministic in its arguments and returns a JSON-serialisable value.
"""

import hashlib

USD_PER_UNIT = {  # mid-market value of one unit in US dollars (a fixed snapshot)
    "USD": 1.0,
    "EUR": 1.085,
    "GBP": 1.268,
    "JPY": 0.00668,
    "CHF": 1.128,
    "CAD": 0.737,
    "AUD": 0.659,
    "NZD": 0.607,
    "INR": 0.01198,
    "MXN": 0.0588,
    "BRL": 0.1985,
    "CNY": 0.1383,
    "KRW": 0.000745,
    "SGD": 0.744,
    "HKD": 0.128,
    "SEK": 0.0951,
    "NOK": 0.0934,
    "DKK": 0.1455,
    "PLN": 0.251,
    "CZK": 0.0432,
    "HUF": 0.00277,
    "TRY": 0.0309,
    "ZAR": 0.0548,
    "AED": 0.2723,
    "ILS": 0.27,
    "THB": 0.0283,
    "PHP": 0.0177,
    "IDR": 0.0000635,
    "ISK": 0.0072,
    "KES": 0.0077,
}

# ticker: (last price USD, name, sector, industry, headquarters, CEO, employees, market cap USD,
#          (fiscal year, revenue USD, net income USD))
COMPANIES = {
    "AAPL": (
        227.48,
        "Apple Inc.",
        "Information Technology",
        "Consumer Electronics",
        "Cupertino, CA",
        "Tim Cook",
        164000,
        3.4e12,
        (2024, 391.0e9, 93.7e9),
    ),
    "MSFT": (
        415.12,
        "Microsoft Corporation",
        "Information Technology",
        "Software",
        "Redmond, WA",
        "Satya Nadella",
        228000,
        3.1e12,
        (2024, 245.1e9, 88.1e9),
    ),
    "TSLA": (
        248.50,
        "Tesla, Inc.",
        "Consumer Discretionary",
        "Automobiles",
        "Austin, TX",
        "Elon Musk",
        125665,
        1.1e12,
        (2024, 97.7e9, 7.1e9),
    ),
    "AMZN": (
        198.33,
        "Amazon.com, Inc.",
        "Consumer Discretionary",
        "Broadline Retail",
        "Seattle, WA",
        "Andy Jassy",
        1556000,
        2.3e12,
        (2024, 638.0e9, 59.2e9),
    ),
    "GOOGL": (
        172.63,
        "Alphabet Inc.",
        "Communication Services",
        "Interactive Media",
        "Mountain View, CA",
        "Sundar Pichai",
        183323,
        2.1e12,
        (2024, 350.0e9, 100.1e9),
    ),
    "META": (
        585.25,
        "Meta Platforms, Inc.",
        "Communication Services",
        "Interactive Media",
        "Menlo Park, CA",
        "Mark Zuckerberg",
        74067,
        1.5e12,
        (2024, 164.5e9, 62.4e9),
    ),
    "NVDA": (
        121.40,
        "NVIDIA Corporation",
        "Information Technology",
        "Semiconductors",
        "Santa Clara, CA",
        "Jensen Huang",
        36000,
        3.0e12,
        (2025, 130.5e9, 72.9e9),
    ),
    "AMD": (
        143.10,
        "Advanced Micro Devices, Inc.",
        "Information Technology",
        "Semiconductors",
        "Santa Clara, CA",
        "Lisa Su",
        28000,
        2.3e11,
        (2024, 25.8e9, 1.6e9),
    ),
    "INTC": (
        22.84,
        "Intel Corporation",
        "Information Technology",
        "Semiconductors",
        "Santa Clara, CA",
        "Lip-Bu Tan",
        108900,
        1.0e11,
        (2024, 53.1e9, -18.8e9),
    ),
    "NFLX": (
        905.40,
        "Netflix, Inc.",
        "Communication Services",
        "Entertainment",
        "Los Gatos, CA",
        "Ted Sarandos",
        14000,
        3.9e11,
        (2024, 39.0e9, 8.7e9),
    ),
    "JPM": (
        243.92,
        "JPMorgan Chase & Co.",
        "Financials",
        "Banks",
        "New York, NY",
        "Jamie Dimon",
        317233,
        6.9e11,
        (2024, 177.6e9, 58.5e9),
    ),
    "KO": (
        69.18,
        "The Coca-Cola Company",
        "Consumer Staples",
        "Beverages",
        "Atlanta, GA",
        "James Quincey",
        69700,
        3.0e11,
        (2024, 47.1e9, 10.6e9),
    ),
    "DIS": (
        112.45,
        "The Walt Disney Company",
        "Communication Services",
        "Entertainment",
        "Burbank, CA",
        "Bob Iger",
        233000,
        2.0e11,
        (2024, 91.4e9, 5.0e9),
    ),
    "BRK.B": (
        476.20,
        "Berkshire Hathaway Inc.",
        "Financials",
        "Multi-Sector Holdings",
        "Omaha, NE",
        "Warren Buffett",
        392400,
        1.0e12,
        (2024, 371.4e9, 89.0e9),
    ),
    "V": (
        338.75,
        "Visa Inc.",
        "Financials",
        "Transaction & Payment Processing",
        "San Francisco, CA",
        "Ryan McInerney",
        31600,
        6.5e11,
        (2024, 35.9e9, 19.7e9),
    ),
    "WMT": (
        96.40,
        "Walmart Inc.",
        "Consumer Staples",
        "Consumer Staples Merchandise Retail",
        "Bentonville, AR",
        "Doug McMillon",
        2100000,
        7.7e11,
        (2025, 681.0e9, 19.4e9),
    ),
    "XOM": (
        108.22,
        "Exxon Mobil Corporation",
        "Energy",
        "Integrated Oil & Gas",
        "Spring, TX",
        "Darren Woods",
        61500,
        4.7e11,
        (2024, 339.2e9, 33.7e9),
    ),
    "PEP": (
        149.60,
        "PepsiCo, Inc.",
        "Consumer Staples",
        "Beverages",
        "Purchase, NY",
        "Ramon Laguarta",
        318000,
        2.1e11,
        (2024, 91.9e9, 9.6e9),
    ),
    "ORCL": (
        172.95,
        "Oracle Corporation",
        "Information Technology",
        "Software",
        "Austin, TX",
        "Safra Catz",
        162000,
        4.8e11,
        (2024, 53.0e9, 10.5e9),
    ),
    "BA": (
        171.80,
        "The Boeing Company",
        "Industrials",
        "Aerospace & Defense",
        "Arlington, VA",
        "Kelly Ortberg",
        172000,
        1.3e11,
        (2024, 66.5e9, -11.8e9),
    ),
    "NKE": (
        72.35,
        "Nike, Inc.",
        "Consumer Discretionary",
        "Footwear",
        "Beaverton, OR",
        "Elliott Hill",
        79400,
        1.1e11,
        (2024, 51.4e9, 5.7e9),
    ),
}
WEBSITES = {
    "AAPL": "https://investor.apple.com",
    "MSFT": "https://www.microsoft.com/investor",
    "TSLA": "https://ir.tesla.com",
    "NVDA": "https://investor.nvidia.com",
    "AMZN": "https://ir.aboutamazon.com",
}


def _unit(*parts):
    """A number in [0, 1) fixed by the parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _rate(code):
    if code not in USD_PER_UNIT:
        raise ValueError(f"unsupported currency {code!r}")
    return USD_PER_UNIT[code]


def convert_currency(amount, from_currency, to_currency):
    """Convert at the fixed mid-market snapshot."""
    rate = float(f"{_rate(from_currency) / _rate(to_currency):.6g}")
    return {
        "amount": amount,
        "from_currency": from_currency,
        "to_currency": to_currency,
        "rate": rate,
        "converted_amount": round(amount * rate, 2),
    }


def get_stock_price(ticker, currency="USD"):
    """Last price: the table's price (or one derived from the ticker) moved by a fixed daily change."""
    base = COMPANIES[ticker][0] if ticker in COMPANIES else round(15 + 485 * _unit(ticker), 2)
    move = (_unit(ticker, "move") - 0.5) * 0.06
    factor = USD_PER_UNIT["USD"] / _rate(currency)
    price = round(base * factor, 2)
    change = round(price * move / (1 + move), 2)
    return {
        "ticker": ticker,
        "price": price,
        "currency": currency,
        "change": change,
        "change_percent": round(move * 100, 2),
    }


def get_company_profile(ticker, include_financials=False):
    """Fundamentals from the fixed table; an unknown ticker is an error."""
    if ticker not in COMPANIES:
        raise LookupError(f"no listed company with ticker {ticker!r}")
    price, name, sector, industry, hq, ceo, employees, cap, (year, revenue, income) = COMPANIES[ticker]
    profile = {
        "ticker": ticker,
        "name": name,
        "sector": sector,
        "industry": industry,
        "headquarters": hq,
        "ceo": ceo,
        "employees": employees,
        "market_cap_usd": cap,
    }
    if ticker in WEBSITES:
        profile["website"] = WEBSITES[ticker]
    if include_financials:
        profile["financials"] = {"fiscal_year": year, "revenue_usd": revenue, "net_income_usd": income}
    return profile
