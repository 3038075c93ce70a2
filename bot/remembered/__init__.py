"""Everything Lantern remembers about a person, and for how long: memory only, never disk.

This package is what the threat model (docs/threat-model.md, section b) is about. Keys
are salted hashes of Telegram ids (`memory.SaltedKeys`, a salt made fresh at each start;
the one exception is below), so a restart forgets all of it and no list of who used the
bot exists. Safety state lives in `memory.AgedMap`: bounded by bytes and age, never
dropped because others came. `memory.ExpiringMap` (bounded by count, least recent
dropped first) holds only what costs little to lose: flood counters and send buckets (a
fresh allowance) and open flows (a step to start again).

What, where, under what key, for how long:

- Language and region (`prefs.Preferences`): salted user id; forgotten after an idle hour;
  64 MB budget, a new choice is refused (and the person told) when it is full.
- Discreet and disappearing mode (`prefs.Preferences`): salted user id; 48 hours after the
  person's last message; 144 MB budget, refused and told when full.
- Message ids for /wipe and disappearing mode, never their content (`trail.MessageTrail`):
  salted chat id; a little under 48 hours (Telegram's delete limit); 200 MB budget, and a
  4 MB set of "some ids could not be kept" flags so /wipe can say so.
- Disappearing-mode timers (`trail.Vanisher`): the chat id itself, unhashed (a deletion
  must happen without a new message), only while the person's timer runs.
- Open flows, a tip or a reason being typed (`flows.Flows`): salted user id; forgotten
  after a quiet quarter of an hour or when the step ends; at most 5,000 at once, the
  least recently used dropped when another starts.
- Flood counters (`flood.FloodGuard`, a `bucket.TokenBucket` each): salted user id; at most
  20,000 people, the least recent forgotten first (which only gives a fresh allowance).

Kept beside the code that uses them, built from the same pieces:

- Per-chat send buckets and 429 pauses (bot/transport.py): salted chat id; at most 10,000
  buckets (`memory.ExpiringMap` of `bucket.TokenBucket`), least recent first; a pause
  until it ends.
- Per-chat lines of waiting updates (bot/updates.py): salted chat id; only while the chat
  has an update in flight.
- Moderators only (moderation/identity.py, moderation/limits.py): the /mod hash cache and
  per-day counters, under their own per-start or per-day salts.
"""
