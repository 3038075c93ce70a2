"""Safety check-ins with a trusted contact ("if I'm not back by 11, tell Sam").

Plain Python, no Telegram: what a check-in is and how it moves (`plan.py`), and the one
timer task that wakes them (`scheduler.py`). What is remembered, and for how long, is in
bot/remembered/checkins.py; what people see is in bot/handlers/checkin.py (the person)
and bot/handlers/checkin_contacts.py (pairing, the alarm, the contacts).
"""
