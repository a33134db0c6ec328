"""Fixed reference data for the demo world: names, places, phone plans, notes.

Phone numbers use ranges reserved for fiction (US 555-01xx, UK 07700 900xxx) and
e-mail addresses use the reserved example.* domains, so nobody real is contacted.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

DEMO_PASSWORD = "demo-password-2026"
DEMO_EMAIL_DOMAIN = "collections-demo.example"

TEAM_NAMES = (
    "Team North",
    "Team South",
    "Team East",
    "Team West",
    "Team Central",
    "Team Pacific",
    "Team Atlantic",
    "Team Summit",
)
TEAM_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "America/Los_Angeles",
    "America/New_York",
    "America/Denver",
)


class AgencyProfile(NamedTuple):
    name: str
    contact_name: str
    time_zone: str
    weight: int
    slug: str = ""  # of its e-mail domain; blank: its name's first word


AGENCIES = (
    AgencyProfile("Northwind Recoveries", "Dana Whitfield", "America/New_York", 5),
    AgencyProfile("Summit Credit Services", "Luis Ortega", "America/Denver", 4),
    AgencyProfile("Harbor Point Collections", "Grace Liu", "America/Los_Angeles", 3),
    AgencyProfile("Bluegrass Receivables", "Tom Avery", "America/Chicago", 3),
    AgencyProfile("Pacific Crest Recovery", "Mei Tanaka", "America/Los_Angeles", 2),
)
# The agency (by position) whose licence runs out a few weeks after the business date.
EXPIRING_AGENCY = 2

FIRST_NAMES = {
    "en": (
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "John",
        "Jennifer",
        "Michael",
        "Linda",
        "David",
        "Elizabeth",
        "William",
        "Barbara",
        "Richard",
        "Susan",
        "Joseph",
        "Jessica",
        "Thomas",
        "Sarah",
        "Christopher",
        "Karen",
        "Daniel",
        "Lisa",
        "Matthew",
        "Nancy",
        "Anthony",
        "Betty",
        "Mark",
        "Sandra",
        "Donald",
        "Ashley",
        "Steven",
        "Kimberly",
        "Andrew",
        "Emily",
        "Joshua",
        "Donna",
        "Kevin",
        "Michelle",
        "Brian",
        "Carol",
        "George",
        "Amanda",
        "Timothy",
        "Melissa",
        "Ronald",
        "Deborah",
        "Jason",
        "Stephanie",
        "Oliver",
        "Amelia",
        "Harry",
        "Olivia",
        "Jack",
        "Isla",
        "Charlie",
        "Ava",
        "Tyrone",
        "Keisha",
        "DeShawn",
        "Latoya",
    ),
    "es": (
        "José",
        "María",
        "Luis",
        "Carmen",
        "Carlos",
        "Ana",
        "Juan",
        "Lucía",
        "Miguel",
        "Sofía",
        "Jorge",
        "Isabel",
        "Pedro",
        "Rosa",
        "Alejandro",
        "Gabriela",
        "Fernando",
        "Daniela",
        "Ricardo",
        "Valeria",
        "Javier",
        "Paola",
        "Diego",
        "Mariana",
        "Andrés",
        "Elena",
        "Raúl",
        "Beatriz",
        "Héctor",
        "Adriana",
        "Manuel",
        "Patricia",
        "Óscar",
        "Verónica",
        "Sergio",
        "Claudia",
        "Eduardo",
        "Marisol",
        "Rafael",
        "Yolanda",
    ),
    "zh": (
        "Wei",
        "Fang",
        "Min",
        "Jing",
        "Lei",
        "Li",
        "Jun",
        "Yan",
        "Hao",
        "Xiu Ying",
        "Yong",
        "Xia",
        "Qiang",
        "Hui",
        "Tao",
        "Ling",
        "Ming",
        "Na",
        "Jie",
        "Ting",
        "Chen",
        "Yu",
        "Bo",
        "Lan",
        "Gang",
        "Mei",
        "Kai",
        "Xin",
        "Peng",
        "Juan",
    ),
}
LAST_NAMES = {
    "en": (
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Miller",
        "Davis",
        "Wilson",
        "Anderson",
        "Taylor",
        "Thomas",
        "Moore",
        "Martin",
        "Jackson",
        "Thompson",
        "White",
        "Harris",
        "Clark",
        "Lewis",
        "Robinson",
        "Walker",
        "Young",
        "Allen",
        "King",
        "Wright",
        "Scott",
        "Green",
        "Baker",
        "Adams",
        "Nelson",
        "Hill",
        "Campbell",
        "Mitchell",
        "Roberts",
        "Carter",
        "Phillips",
        "Evans",
        "Turner",
        "Parker",
        "Collins",
        "Edwards",
        "Stewart",
        "Morris",
        "Murphy",
        "Cook",
        "Rogers",
        "Morgan",
        "Cooper",
        "Peterson",
        "Reed",
        "Bailey",
        "Bell",
        "Kelly",
        "Howard",
        "Ward",
        "Cox",
        "Patel",
        "Khan",
        "O'Brien",
        "Nguyen",
    ),
    "es": (
        "García",
        "Rodríguez",
        "Martínez",
        "Hernández",
        "López",
        "González",
        "Pérez",
        "Sánchez",
        "Ramírez",
        "Torres",
        "Flores",
        "Rivera",
        "Gómez",
        "Díaz",
        "Reyes",
        "Cruz",
        "Morales",
        "Ortiz",
        "Gutiérrez",
        "Chávez",
        "Ramos",
        "Ruiz",
        "Álvarez",
        "Mendoza",
        "Castillo",
        "Jiménez",
        "Vásquez",
        "Romero",
        "Herrera",
        "Medina",
        "Aguilar",
        "Vargas",
        "Castro",
        "Guzmán",
        "Fernández",
        "Soto",
        "Delgado",
        "Peña",
        "Navarro",
        "Rojas",
    ),
    "zh": (
        "Wang",
        "Li",
        "Zhang",
        "Liu",
        "Chen",
        "Yang",
        "Huang",
        "Zhao",
        "Wu",
        "Zhou",
        "Xu",
        "Sun",
        "Ma",
        "Zhu",
        "Hu",
        "Guo",
        "He",
        "Lin",
        "Gao",
        "Luo",
        "Zheng",
        "Liang",
        "Xie",
        "Song",
        "Tang",
        "Han",
        "Feng",
        "Deng",
        "Cao",
        "Peng",
    ),
}
LANGUAGES = ("en", "es", "zh")
LANGUAGE_WEIGHTS = (80, 14, 6)


class Place(NamedTuple):
    """A place a debtor lives: zone, phone prefix, postal line, portfolio."""

    zone: str
    dialling: str  # how a number starts
    city_line: str
    portfolio: str


US = "US consumer"
UK = "UK consumer"
INTL = "International"
PLACES = (
    Place("America/New_York", "+1 212 555 01", "New York, NY 10027", US),
    Place("America/New_York", "+1 617 555 01", "Boston, MA 02118", US),
    Place("America/New_York", "+1 305 555 01", "Miami, FL 33125", US),
    Place("America/New_York", "+1 404 555 01", "Atlanta, GA 30310", US),
    Place("America/Chicago", "+1 312 555 01", "Chicago, IL 60623", US),
    Place("America/Chicago", "+1 713 555 01", "Houston, TX 77023", US),
    Place("America/Chicago", "+1 214 555 01", "Dallas, TX 75211", US),
    Place("America/Denver", "+1 303 555 01", "Denver, CO 80219", US),
    Place("America/Phoenix", "+1 602 555 01", "Phoenix, AZ 85009", US),
    Place("America/Los_Angeles", "+1 213 555 01", "Los Angeles, CA 90033", US),
    Place("America/Los_Angeles", "+1 415 555 01", "San Francisco, CA 94133", US),
    Place("America/Los_Angeles", "+1 206 555 01", "Seattle, WA 98118", US),
    Place("America/Anchorage", "+1 907 555 01", "Anchorage, AK 99504", US),
    Place("Pacific/Honolulu", "+1 808 555 01", "Honolulu, HI 96817", US),
    Place("America/Puerto_Rico", "+1 787 555 01", "San Juan, PR 00907", US),
    Place("Europe/London", "+44 7700 900", "London E1 6AN", UK),
    Place("Europe/London", "+44 7700 900", "Manchester M14 5RQ", UK),
    Place("Asia/Shanghai", "+86 138 0021 ", "Pudong, Shanghai 200120", INTL),
)
# Weights of PLACES per language (same order as PLACES).
PLACE_WEIGHTS = {
    "en": (12, 6, 5, 6, 8, 6, 5, 4, 3, 9, 5, 5, 1, 1, 1, 7, 4, 1),
    "es": (8, 1, 10, 2, 9, 10, 7, 4, 6, 16, 3, 1, 0, 0, 14, 1, 0, 0),
    "zh": (8, 2, 1, 1, 2, 2, 1, 0, 0, 12, 14, 6, 0, 1, 0, 4, 1, 45),
}
LOCAL_PHONE_DIGITS = {"+1": 2, "+44": 3, "+86": 4}
STREETS = (
    "Maple Avenue",
    "Oak Street",
    "Cedar Lane",
    "Pine Road",
    "Elm Street",
    "Washington Avenue",
    "Lincoln Way",
    "Park Place",
    "Lakeview Drive",
    "Hillcrest Road",
    "River Road",
    "Sunset Boulevard",
    "Highland Avenue",
    "Church Street",
    "Mill Lane",
    "Station Road",
)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

PRODUCTS = (
    # name, weight, credit limit range in whole dollars (step 500)
    ("Classic", 55, 1000, 5000),
    ("Gold", 30, 5000, 15000),
    ("Platinum", 12, 15000, 40000),
    ("Business", 3, 10000, 50000),
)

THIRD_PARTY_RELATIONSHIPS = (
    "emergency contact",
    "spouse",
    "parent",
    "sibling",
    "guarantor",
    "employer",
)
VULNERABILITY_NOTES = (
    "Recent bereavement; agreed to call only in the afternoon.",
    "Serious illness disclosed; send written communication first.",
    "Hearing impairment: prefers letters and e-mail.",
    "Job loss last quarter; referred to the hardship programme.",
    "Mental-health condition disclosed; handle with a specialist collector.",
    "Caring for a dependent relative; limited availability.",
)
CALL_NOTES = {
    "rpc": (
        "Spoke to the customer; explained the arrears.",
        "Customer aware of the balance; will review finances.",
        "Customer asked for the statement to be re-sent.",
    ),
    "promise": (
        "Promise to pay taken.",
        "Customer agreed a payment plan.",
        "Customer will pay on payday.",
    ),
    "refused": (
        "Customer refused to pay at this time.",
        "Customer says they cannot afford any payment.",
    ),
    "callback": (
        "Customer asked to be called back later.",
        "Customer driving; asked for a call-back.",
    ),
    "third_party": ("Spoke to a family member; left a call-back request.",),
    "dispute": ("Customer disputes the late fees; dispute form sent.",),
    "wrong_number": ("Number does not belong to the customer.",),
}
SUPPRESSION_NOTES = {
    "attorney": "Represented by an attorney: contact goes through counsel only.",
    "bankrupt": "Bankruptcy notice received: collection activity stopped.",
    "deceased": "Customer reported deceased: dealing with the estate representative.",
    "cease": "Written cease-communication request received.",
    "dispute": "Dispute received: collection paused pending verification.",
}


def ascii_fold(text: str) -> str:
    """'José Núñez' -> 'jose nunez' (for e-mail addresses)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch == " ")).lower()
