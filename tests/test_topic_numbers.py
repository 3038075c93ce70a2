"""Callback data names topics by number: a number sent in a button must keep its topic."""

from __future__ import annotations

from knowledge.taxonomy import ALL_TOPICS, TOPIC_CATEGORY, TOPICS

# The order of the first release, then topics in the order they were added. Append only.
PUBLISHED = (
    "screening", "check-in", "outdoor-work", "incall-outcall", "online-safety",
    "payment-safety", "violence-response", "overdose", "drug-use", "harm-reduction-supplies",
    "sexual-health", "spiking", "safety-planning", "coercion", "mental-health",
    "police-encounters", "phone-search", "arrest", "condoms-evidence", "immigration",
    "housing", "benefits", "child-welfare", "labor-rights", "reporting-violence",
    "criminal-records", "health-services", "legal-aid", "housing-shelter", "peer-support",
    "crisis-support", "exit-support", "trans-care", "youth-services",
    "working-together", "money", "advertising", "reproductive-health",
)  # fmt: skip


def test_published_topic_numbers_never_change():
    assert ALL_TOPICS[: len(PUBLISHED)] == PUBLISHED


def test_every_topic_has_one_number_and_one_category():
    assert len(set(ALL_TOPICS)) == len(ALL_TOPICS)
    assert set(ALL_TOPICS) == set(TOPIC_CATEGORY) == {t for ts in TOPICS.values() for t in ts}
