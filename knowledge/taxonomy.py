"""The topic taxonomy: which topics exist and which category each belongs to."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = ("safety", "rights", "services")

TOPICS: dict[str, tuple[str, ...]] = {
    "safety": (
        "screening",
        "check-in",
        "outdoor-work",
        "incall-outcall",
        "online-safety",
        "payment-safety",
        "violence-response",
        "alerts",
        "overdose",
        "drug-use",
        "harm-reduction-supplies",
        "sexual-health",
        "spiking",
        "safety-planning",
        "coercion",
        "mental-health",
        "money",
        "advertising",
        "reproductive-health",
    ),
    "rights": (
        "police-encounters",
        "phone-search",
        "arrest",
        "condoms-evidence",
        "immigration",
        "housing",
        "benefits",
        "child-welfare",
        "labor-rights",
        "reporting-violence",
        "criminal-records",
        "working-together",
    ),
    "services": (
        "health-services",
        "legal-aid",
        "housing-shelter",
        "peer-support",
        "crisis-support",
        "exit-support",
        "trans-care",
        "youth-services",
    ),
}

# Known but not yet served; content may not use them until the feature exists.
RESERVED_TOPICS: frozenset[str] = frozenset()

# Callback data names a topic by its place in ALL_TOPICS, so a button sent before an update
# must still mean the same topic after it. Topics added after the first release go at the
# END of ALL_TOPICS, in the order they were added, whatever their category; menus follow
# TOPICS, not this order. Only ever append here.
ADDED_LATER: tuple[str, ...] = (
    "working-together",
    "money",
    "advertising",
    "reproductive-health",
    "alerts",
)
ALL_TOPICS: tuple[str, ...] = (
    tuple(t for cat in CATEGORIES for t in TOPICS[cat] if t not in ADDED_LATER) + ADDED_LATER
)
TOPIC_CATEGORY: dict[str, str] = {t: cat for cat in CATEGORIES for t in TOPICS[cat]}

# Every entry is written in REQUIRED_LANGUAGES in its content file; the others come from
# translation files (content/translations/<lang>/), and an entry may lack one: the person
# then reads the closest language they read (FALLBACK), with a short note.
REQUIRED_LANGUAGES: tuple[str, ...] = ("en", "es")
LANGUAGES: tuple[str, ...] = (*REQUIRED_LANGUAGES, "pt", "ro", "fr", "zh")
FALLBACK: dict[str, tuple[str, ...]] = {
    "en": ("es",),
    "es": ("en",),
    "pt": ("es", "en"),
    "ro": ("en", "es"),
    "fr": ("en", "es"),
    "zh": ("en",),
}
DEFAULT_LANGUAGE = "en"
GLOBAL_REGION = "global"
EXAMPLE_REGION = "example"
# "My place is not listed": what applies everywhere, and a plain word that it is general.
OTHER_REGION = "other"
