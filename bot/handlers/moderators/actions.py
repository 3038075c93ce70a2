"""Every moderator button, by name: the short code each one carries on the wire.

A button's callback data is "1|M|<code>|<value>...", and Telegram gives us 64 bytes for
it, so the codes stay short. They are the contract with every menu already sitting in a
moderator's chat: a code must never change meaning, and a code no longer listed here
simply gets the expired menu. The handler for each code is in `router.ROUTES`.
"""

from __future__ import annotations

from enum import StrEnum


class Act(StrEnum):
    # The menu (menu.py). CANCEL also leaves any half-typed flow.
    MENU = "m"
    CANCEL = "x"

    # Writing a tip, new or edited, step by step (write.py).
    NEW_TIP = "n"
    TIP_REGION = "nr"  # region slug
    TIP_CATEGORY = "nc"  # category
    TIP_TOPIC = "nt"  # topic number: toggles it
    TIP_TOPICS_DONE = "nd"
    TIP_KIND = "nk"  # "tip" or "rights"
    TIP_LANGUAGES = "nl"  # language code, or "all"
    TIP_REVIEW_BY = "nv"  # months until it must be checked again
    TIP_SUBMIT = "nS"
    TIP_BACK = "nb"  # the step before (or the preview, for a field opened from it)
    TIP_KEEP = "nK"  # keep the current answer, go on
    TIP_SKIP = "nX"  # an optional step (search words, a contact field) left empty
    TIP_FIELD = "nj"  # the step's place in the entry's steps, from the preview
    TIP_PREVIEW = "np"  # language code: the preview's page for it (when too long for one)
    TIP_FLAG = "nf"  # a service's flag and its answer, by number (service.py)
    TIP_SERVICE_LANGUAGE = "ng"  # language code (toggles it), or "done"

    # The review queue: revisions waiting for a second pair of eyes, and proposals to
    # retire a tip or confirm legal information (review.py).
    QUEUE = "q"
    REVISION = "qv"  # revision id [, language code: its page, when too long for one]
    REVISION_APPROVE = "qa"  # revision id
    REVISION_REJECT = "qr"  # revision id: asks for a reason
    PROPOSAL = "pv"  # proposal id
    PROPOSAL_APPROVE = "pa"  # proposal id
    PROPOSAL_DECLINE = "pd"  # proposal id (declining one's own withdraws it)

    # Entries due for a recheck (recheck.py).
    RECHECK = "f"
    RECHECK_ENTRY = "fv"  # entry id
    RECHECK_CONFIRM = "fc"  # entry id: still true, push its review date on
    RECHECK_CHANGE = "fe"  # entry id: needs changes, opens the editor on a correction

    # Reports from users, and tips users shared (reports.py).
    REPORTS = "r"
    REPORT = "rv"  # report id
    REPORT_CLOSE = "rc"  # report id
    SHARED_TIP = "sv"  # shared tip id
    SHARED_TIP_ADOPT = "sa"  # shared tip id: opens the editor on it
    SHARED_TIP_CLOSE = "sx"  # shared tip id

    # Moderators' tips: view, edit, retire (tips.py).
    TIPS = "t"
    TIP = "tv"  # tip id
    TIP_EDIT = "te"  # tip id
    TIP_RETIRE = "tr"  # tip id: asks to confirm
    TIP_RETIRE_CONFIRMED = "tR"  # tip id

    # One's own display name (join.py, beside joining with an invite).
    RENAME = "pn"

    # Admins: the team, invites, the audit log, regions, single review (team.py).
    TEAM = "a"
    MEMBER = "av"  # moderator id
    MEMBER_REMOVE = "ax"  # moderator id
    INVITE = "ai"  # "a" for an admin, anything else a moderator
    AUDIT = "al"
    REGIONS = "g"
    REGION_ADD = "ga"
    SINGLE_REVIEW = "s"  # explains it and asks to confirm
    SINGLE_REVIEW_SET = "sc"  # "1" on, "0" off
