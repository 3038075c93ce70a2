"""The numbers that shape ranking and matching, in one place to tune them together."""

from __future__ import annotations

import numpy as np

TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 3.0
BODY_WEIGHT = 1.0
OTHER_LANGUAGE_FACTOR = 0.85
PREFIX_SIMILARITY = 0.9
# A misspelling's similarity per slip (see spelling.py): one slip 0.81, two 0.66.
SLIP_SIMILARITY = 0.81
PREFIX_SCAN = 40
# Letters an inflection adds to a known word ("-es", "-ing"): longer words it begins are
# other words ("free", "freezes"; "trans", "transporte").
INFLECTION_LETTERS = 2
RERANK = 30
RERANK_SHARE = 0.25
# A hit holding a share of the query's known words is placed by its score times that
# share to this power (0.5: half the words, about 0.71 of the score).
COORDINATION = 0.5
MIN_SCORE = 18.0
# Hits far below the best one are noise to a person scanning a short list on a phone.
RELATIVE_FLOOR = 0.4
EXPANSION_LIMIT = 6
# Expansions are cached only for words of the index's own vocabulary (see expansion.py).
EXPANSION_CACHE = 4096
# Misspellings are looked for among words at most this many letters longer or shorter.
FUZZY_LENGTH_WINDOW = 2
# A known word in at most this share of entries (at least 2) may be a typo of a close
# neighbour at least NEIGHBOUR_FACTOR times as common (see expansion.py).
RARE_SHARE = 0.005
NEIGHBOUR_FACTOR = 10
# How likely a word a misspelling may stand for is the one meant: similarity to this
# power (a slip makes a word about a third as likely) times the entries holding it plus
# MEANT_SMOOTHING; each word's weight is capped at its likelihood over the likeliest's,
# to the power MEANT_DAMPING.
MEANT_SLIP_POWER = 5.0
MEANT_SMOOTHING = 5.0
MEANT_DAMPING = 0.25

# A word of the title or keywords that the body uses too adds its body weight, times
# this, to its title weight: an entry whose text keeps coming back to a title word is
# about it, where a word a title names once in passing may not be (see README).
TITLE_AND_BODY = 1.5
# Weight code of a (document, word) posting. Body words weigh more the more often they
# occur (one up to four times, 1.25 at five, 1.5 at six or more); a word of the
# title or keywords weighs most, STRONG plus the body's code where the body has it too.
# Codes keep postings at one byte each.
STRONG = 4
_BODY = np.array([0.0, BODY_WEIGHT, 1.25 * BODY_WEIGHT, 1.5 * BODY_WEIGHT])
CODE_WEIGHTS = np.concatenate(
    [_BODY, max(TITLE_WEIGHT, KEYWORD_WEIGHT) + TITLE_AND_BODY * _BODY]
).astype(np.float32)
