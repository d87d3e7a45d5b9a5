"""The programme-scale dataset of issue #14, built fast and deterministically.

    .venv/bin/python -m tests.bench.dataset --sqlite /tmp/bench.sqlite [--scale 1] [--seed 14]
    .venv/bin/python -m tests.bench.dataset --pg postgresql://postgres@127.0.0.1:5432/hr_x

At scale 1: 200 clubs, 10,000 events (debates, moot courts, civic projects;
published, cancelled and drafts; two years back and six months ahead; themes,
capacities), 100,000 people, 1,000,000 registrations (check-ins, walk-ins,
cancellations, waitlists), 200,000 votes, 500,000 comments (threads with
replies; published, pending, rejected, hidden, deleted) and 50,000 flags (open,
resolved, and comments hidden by three), with memberships, follows and the
moderation log. ``--scale 0.01`` makes everything a hundred times smaller
(with floors, so that the special events below always fit).

The database is emptied first (every table dropped and created from the
models, ``db.create_all``): never point it at real data. The rows go in with
the driver's bulk paths (SQLite ``executemany`` in one transaction with
synchronous=OFF and no journal; PostgreSQL ``COPY``), the models' indexes are
built after the load, then ANALYZE. A ``bench_dataset`` table marks what was
built: the same seed, scale, generator version and models (``schema_of``)
again reuse the database as it is (``--force`` rebuilds).

The interesting rows (the same ids at every scale; ``INFO`` after a build):
  event 1  a published debate in three days with exactly 300 published comments
  event 2  a published debate in ten days with exactly 100 published comments
  event 3  a debate that ended two days ago with 492 registrants (walk-ins too)
  users    admin (site admin), organiser (owner of club 1, organiser of clubs
           2-5: events 1-3 are club 1's), moderator (site moderator), citizen
           (registered for event 1, has voted and written two of its
           comments); all people's password is ``PASSWORD``.

Importable on its own within the hrdebate tree (``build(url, scale, seed)``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import inspect, text
from werkzeug.security import generate_password_hash

PASSWORD = "correct horse battery"
VERSION = 4  # raise when the generated data changes: older databases are rebuilt
MARKER = "bench_dataset"

# Scale 1, the programme.
SIZES = {"clubs": 200, "events": 10_000, "users": 100_000, "registrations": 1_000_000,
         "votes": 200_000, "comments": 500_000, "flags": 50_000, "follows": 20_000}
# Floors, so that the special events and accounts fit at any scale.
FLOORS = {"clubs": 6, "events": 30, "users": 600, "registrations": 3_000, "votes": 100,
          "comments": 1_000, "flags": 50, "follows": 50}

ADMIN, ORGANISER, MODERATOR, CITIZEN = 1, 2, 3, 4  # user ids
FIRST_PERSON = 5
EVENT_300, EVENT_100, EVENT_ATTENDANCE = 1, 2, 3
ATTENDANCE_REGISTRANTS = 492
ORGANISER_CLUBS = (1, 2, 3, 4, 5)

INFO = {
    "password": PASSWORD,
    "users": {"admin": ADMIN, "organiser": ORGANISER, "moderator": MODERATOR,
              "citizen": CITIZEN},
    "event_300_comments": EVENT_300, "event_100_comments": EVENT_100,
    "event_attendance": EVENT_ATTENDANCE, "attendance_registrants": ATTENDANCE_REGISTRANTS,
    "organiser_clubs": list(ORGANISER_CLUBS),
}

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_HEX_TO_CODE = str.maketrans("0123456789ABCDEF", "ABCDEFGHJKMNPQRS")

FIRST_NAMES = ["Aigerim", "Bakyt", "Cholpon", "Dinara", "Elmira", "Farida", "Gulnara", "Ilyas",
               "Jyldyz", "Kanat", "Meerim", "Nurlan", "Nurzhan", "Oksana", "Ruslan", "Saltanat",
               "Timur", "Urmat", "Zarina", "Azamat", "Айгерим", "Бакыт", "Нуржан", "Элмира",
               "Тимур", "Dilnoza", "Shahnoza", "Otabek", "Jasur", "Malika"]
LAST_NAMES = ["Abdyldaev", "Asanova", "Beishenov", "Dzhaparova", "Esenaliev", "Isakova",
              "Kadyrov", "Mamatova", "Osmonov", "Sadykova", "Toktogulov", "Usenova",
              "Жумабаев", "Осмонова", "Yusupov", "Karimova", "Rakhimov", "Tashieva"]
CITIES = ["Bishkek", "Osh", "Karakol", "Naryn", "Talas", "Batken", "Jalal-Abad", "Tokmok"]
MOTIONS = ["This house would lower the voting age to 16",
           "This house believes that social media does more harm than good to free speech",
           "This house would ban facial recognition in public spaces",
           "This house would make school education free of charge at every level",
           "This house supports quotas for women in parliament",
           "This house would abolish the death penalty worldwide",
           "This house believes that the right to protest outweighs public order",
           "This house would require all public buildings to be accessible"]
CASES = ["Asanova v. Kyrgyz Republic", "The People v. the Ministry of Education",
         "Osmonov v. City of Osh", "Children's Fund v. Talas Region",
         "Media Freedom Centre v. State Agency"]
GOALS = ["Ramps for the city library", "A legal aid desk for students",
         "Clean water for the village school", "A youth council in the district"]
TITLES = {"debate": ["Debate night", "Open debate", "Oxford debate", "Campus debate"],
          "moot_court": ["Moot court", "Human rights moot", "Student moot court"],
          "civic_project": ["Civic project", "Community project", "Volunteer project"]}
VENUES = ["AUCA, room 201", "Osh State University, hall 3", "City library", "Youth centre",
          "NGO office, 2nd floor", "School no. 12, assembly hall"]
BODIES = ["I agree with the proposition: the evidence from other countries is clear.",
          "But what about the cost? Someone has to pay for it.",
          "Great debate, thank you to the organisers!",
          "The opposition ignored the **main argument** about equality before the law.",
          "Article 19 protects this, see the UDHR.",
          "Could you share the slides after the event?",
          "I changed my mind during the debate — the rebuttal was convincing.",
          "Not sure this is realistic in rural areas.\n\nIn Naryn we have no internet half the week.",
          "Мен бул пикирге кошулам.", "Я не согласна: нужно больше данных.",
          "Men bu fikrga qoʻshilaman.", "Who decides what counts as harm?",
          "A question for the speakers: how would this be enforced?",
          "The moot court judgement was well reasoned.",
          "Thank you! Looking forward to the next one."]
DESCRIPTIONS = ["A public debate open to everyone. Bring your questions.",
                "Students argue a case before a bench of judges and lawyers.\n\n"
                "The audience votes before and after.",
                "A community project: we meet, plan, and report our progress here."]
STANCES = ["for", "against", "neutral", None, None]
FLAG_REASONS = ["spam", "harassment", "personal_data", "off_topic", "misinformation", "other"]
REGIONS = ["bishkek", "osh_city", "batken", "chui", "issyk_kul", "jalal_abad", "naryn", "osh",
           "talas", "abroad"]
AGE_BANDS = ["under_18", "18_24", "25_34", "35_49", "50_plus"]
GENDERS = ["woman", "man", "other", "undisclosed"]
AFFILIATIONS = ["student", "pupil", "ngo", "teacher", "other"]
LANGUAGES = ["ky", "ru", "uz", "en"]


def sizes(scale: float) -> dict[str, int]:
    return {name: max(FLOORS[name], round(size * scale)) for name, size in SIZES.items()}


def _code(n: int, length: int, prefix: str) -> str:
    """A unique code from a counter, in the codes' alphabet."""
    return prefix + f"{n:0{length - len(prefix)}X}".translate(_HEX_TO_CODE)


class Tables:
    """The generated rows, table by table: (columns, list of tuples)."""

    def __init__(self):
        self.rows: dict[str, tuple[tuple[str, ...], list]] = {}

    def add(self, table: str, columns: str, rows: list) -> None:
        self.rows[table] = (tuple(columns.split()), rows)


def generate(scale: float, seed: int, anchor: datetime, topic_ids: list[int]) -> Tables:
    """Every row, in memory. ``anchor`` is midnight UTC of the build day
    (naive UTC): nothing is created after it, events run two years before to
    six months after it."""
    from hrdebate.search import club_key, event_key, stored_key
    from hrdebate.text import render_markdown

    n = sizes(scale)
    rng = random.Random(seed)
    out = Tables()
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    html = {body: render_markdown(body) for body in BODIES + DESCRIPTIONS}
    day = timedelta(days=1)

    # -- clubs ---------------------------------------------------------------------------
    n_clubs = n["clubs"]
    club_rows, club_names = [], {}
    for club_id in range(1, n_clubs + 1):
        city = rng.choice(CITIES)
        name = f"{rng.choice(['Debate club', 'Human rights club', 'Moot court society', 'Youth NGO'])}" \
               f" {city} {club_id}"
        region = rng.choice(REGIONS)
        description = "A club of students and young people who debate human rights."
        created = anchor - day * rng.uniform(800, 1500)
        verified = club_id in ORGANISER_CLUBS or rng.random() < 0.9
        club_names[club_id] = name
        club_rows.append((
            club_id, f"club-{club_id}", name, rng.choice(["university_club", "school_club", "ngo",
                                                          "other"]),
            city, region, description, verified, None, None,
            "pre" if rng.random() < 0.2 and club_id not in ORGANISER_CLUBS else "post",
            created, None,
            club_key(name=name, city=city, region=region, description=description), None))
    out.add("clubs", "id slug name club_type city region description verified refused_at "
            "refusal_reason moderation_mode created_at archived_at search_key logo_image",
            club_rows)

    # -- people (their rows are written after the comments: approved counts) ---------------
    n_users = n["users"]
    persons = range(FIRST_PERSON, n_users + 1)
    name_keys: dict[str, str] = {}

    # -- memberships and follows ----------------------------------------------------------
    memberships = []
    taken = set()

    def member(club_id, user_id, role, when):
        if (club_id, user_id) not in taken:
            taken.add((club_id, user_id))
            memberships.append((len(memberships) + 1, club_id, user_id, role, when))

    for club_id in ORGANISER_CLUBS:
        if club_id <= n_clubs:
            member(club_id, ORGANISER, "owner" if club_id == 1 else "organiser",
                   anchor - day * 700)
    club_staff: dict[int, list[int]] = {}
    for club_id in range(1, n_clubs + 1):
        staff = rng.sample(persons, 4)
        club_staff[club_id] = staff
        for user_id, role in zip(staff, ("owner", "organiser", "organiser", "moderator")):
            member(club_id, user_id, role, anchor - day * rng.uniform(300, 800))
        for user_id in rng.sample(persons, 20):
            member(club_id, user_id, "member", anchor - day * rng.uniform(1, 700))
    out.add("memberships", "id club_id user_id role created_at", memberships)
    follows = set()
    while len(follows) < n["follows"]:
        follows.add((rng.choice(persons), rng.randint(1, n_clubs)))
    out.add("club_follows", "user_id club_id created_at",
            [(u, c, anchor - day * rng.uniform(1, 600)) for u, c in sorted(follows)])

    # -- events ---------------------------------------------------------------------------
    n_events = n["events"]
    event_rows, event_topic_rows, events = [], [], []  # events: (id, kind, status, starts, ends, published)
    kinds = ["debate", "debate", "moot_court", "civic_project"]
    for event_id in range(1, n_events + 1):
        if event_id == EVENT_300:
            kind, status, club_id, starts = "debate", "published", 1, anchor + day * 3 + timedelta(hours=14)
        elif event_id == EVENT_100:
            kind, status, club_id, starts = "debate", "published", 1, anchor + day * 10 + timedelta(hours=14)
        elif event_id == EVENT_ATTENDANCE:
            kind, status, club_id, starts = "debate", "published", 1, anchor - day * 2 + timedelta(hours=9)
        else:
            kind = rng.choice(kinds)
            status = rng.choices(("published", "cancelled", "draft"), (92, 4, 4))[0]
            club_id = rng.randint(1, n_clubs)
            offset = rng.uniform(-730, 180) if rng.random() < 0.8 else rng.uniform(-30, 30)
            starts = (anchor + day * offset).replace(minute=0, second=0, microsecond=0) \
                + timedelta(hours=rng.choice((-3, 0, 2, 4, 6)))
        ends = starts + timedelta(hours=rng.choice((2, 2, 3, 4)))
        created = min(starts, anchor) - day * rng.uniform(10, 40)
        published = created + day * rng.uniform(0, 5) if status != "draft" else None
        cancelled = (published + (starts - published) * rng.random()) if status == "cancelled" \
            else None
        ended = ends <= anchor
        title = f"{rng.choice(TITLES[kind])} {event_id}"
        region = rng.choice(REGIONS)
        venue = rng.choice(VENUES)
        description = rng.choice(DESCRIPTIONS)
        motion = debate_format = prop = opp = None
        case_title = facts = facts_html = questions = instruments = applicant = respondent = None
        bench = outcome = reasoning = reasoning_html = judged = None
        goal = community = None
        voting_state, voting_changed = "before_open", None
        if kind == "debate":
            motion = rng.choice(MOTIONS)
            debate_format = rng.choice(("oxford", "karl_popper", "british_parliamentary", "other"))
            prop, opp = "Team A", "Team B"
            if ended and status == "published" and rng.random() < 0.8:
                voting_state, voting_changed = "closed", ends
        elif kind == "moot_court":
            case_title = rng.choice(CASES)
            facts = "The applicant was detained without a lawyer for two days."
            facts_html = render_markdown(facts)
            questions = "Was Article 9 of the ICCPR violated?"
            instruments = "udhr,iccpr"
            applicant, respondent, bench = "Team A", "Team B", "Three judges"
            if ended and status == "published" and rng.random() < 0.5:
                outcome = "Violation found"
                reasoning = "The detention had no legal basis."
                reasoning_html = render_markdown(reasoning)
                judged = ends + day
        else:
            goal = rng.choice(GOALS)
            community = rng.choice(CITIES)
        topics = [topic_ids[i] for i in rng.sample(range(len(topic_ids)), rng.choice((1, 1, 2)))]
        topic_slugs = [TOPIC_SLUGS[t] for t in topics]
        for topic_id in sorted(topics):
            event_topic_rows.append((event_id, topic_id))
        key = event_key(title=title, summary="", motion=motion, case_title=case_title, venue=venue,
                        region=region, club_name=club_names[club_id], topic_slugs=topic_slugs)
        events.append([event_id, kind, status, starts, ends, published, club_id, None])
        event_rows.append([
            event_id, club_id, kind, status, title, "", description, html[description], starts,
            ends, venue, region, None, rng.choice(LANGUAGES), None, None, None, key, created,
            cancelled or published or created, published, cancelled,
            "Speaker fell ill" if cancelled else None, False, 0,
            "".join(rng.choice(CODE_ALPHABET) for _ in range(6)),
            motion, debate_format, prop, None, opp, None, voting_state, voting_changed, False,
            case_title, facts, facts_html, questions, instruments, applicant, respondent, bench,
            outcome, reasoning, reasoning_html, judged, None, goal, community, None])
    out.add("events", "id club_id kind status title summary description description_html "
            "starts_at ends_at venue region online_url language capacity registration_opens_at "
            "registration_closes_at search_key created_at updated_at published_at cancelled_at "
            "cancellation_reason discussion_closed slow_mode_seconds checkin_code motion "
            "debate_format proposition_team proposition_speakers opposition_team "
            "opposition_speakers voting_state voting_changed_at voting_checked_in_only "
            "case_title facts facts_html legal_questions instruments applicant_team "
            "respondent_team bench judgement_outcome judgement_reasoning "
            "judgement_reasoning_html judgement_published_at judgement_amended_at goal "
            "community cover_image", event_rows)
    out.add("event_topics", "event_id topic_id", event_topic_rows)

    # -- registrations and votes ---------------------------------------------------------
    specials = {EVENT_300: 350, EVENT_100: 150, EVENT_ATTENDANCE: ATTENDANCE_REGISTRANTS}
    weights = {}
    for event_id, kind, status, starts, ends, published, club_id, _ in events:
        if event_id in specials or status == "draft":
            continue
        weight = rng.lognormvariate(0, 0.7)
        if starts > anchor:  # registrations still coming in
            weight *= max(0.15, 1 - (starts - anchor).days / 180)
        weights[event_id] = weight
    budget = n["registrations"] - sum(specials.values())
    total = sum(weights.values()) or 1
    size_of = {e: min(n_users - FIRST_PERSON, max(1, round(w / total * budget)))
               for e, w in weights.items()}
    size_of.update(specials)
    registrations, votes, electorates = [], [], []
    certificates = claims = 0
    for row, (event_id, kind, status, starts, ends, published, club_id, _) in \
            zip(event_rows, events):
        size = size_of.get(event_id, 0)
        if not size:
            continue
        ended = ends <= anchor
        walk_ins = size // 20 if ended and status == "published" else 0
        online = size - walk_ins
        people = rng.sample(persons, online)
        if event_id == EVENT_300:
            people[0] = CITIZEN
        capacity = None
        if event_id not in specials and rng.random() < 0.7:
            capacity = max(1, round(online * rng.uniform(0.8, 1.3)))
        row[14] = capacity
        seats = 0
        opened = (published or starts - day * 20)
        span = max(60.0, (min(starts, anchor) - opened).total_seconds())
        voters = []
        for user_id in people:
            registered_at = opened + timedelta(seconds=rng.random() * span)
            cancelled_at = checked_in = checked_in_by = certificate = None
            if status == "cancelled" or rng.random() < 0.05:
                state, cancelled_at = "cancelled", registered_at + timedelta(hours=rng.uniform(1, 48))
            elif capacity is None or seats < capacity:
                state, seats = "registered", seats + 1
                if ended and rng.random() < 0.7:
                    checked_in = starts + timedelta(minutes=rng.uniform(-30, 40))
                    if rng.random() < 0.3:
                        checked_in_by = ORGANISER if club_id in ORGANISER_CLUBS \
                            else club_staff[club_id][1]
                    certificates += 1
                    certificate = _code(certificates, 20, "C")
            else:
                state = "waitlisted"
            if user_id == CITIZEN:
                state, cancelled_at = "registered", None
            registrations.append((
                len(registrations) + 1, event_id, user_id, state, "online", registered_at,
                cancelled_at, checked_in, None, checked_in_by, None, False, None, None, None, None,
                certificate, None, None, None, rng.getrandbits(8)))
            if state == "registered" and (checked_in or not ended):
                voters.append(user_id)
        for _ in range(walk_ins):
            consent = rng.random() < 0.5
            at = starts + timedelta(minutes=rng.uniform(-30, 40))
            claims += 1
            registrations.append((
                len(registrations) + 1, event_id, None, "registered", "walk_in", at, None, at,
                None, ORGANISER if club_id in ORGANISER_CLUBS else club_staff[club_id][1],
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", consent,
                rng.choice(AGE_BANDS) if consent else None, rng.choice(GENDERS) if consent else None,
                rng.choice(AFFILIATIONS) if consent else None, rng.choice(REGIONS) if consent else None,
                None, None, _code(claims, 12, "W"), None, rng.getrandbits(8)))
        if kind == "debate" and status == "published":
            electorates.append((event_id, starts, ends,
                                ("before", "after") if ended else ("before",), voters))
    # Votes: a share of the people with a seat (checked in, once it is over)
    # vote before the debate, and after it once it is over.
    ballots = sum(len(voters) * len(phases) for _e, _s, _e2, phases, voters in electorates)
    vote_share = min(1.0, n["votes"] / max(1, ballots))
    for event_id, starts, ends, phases, voters in electorates:
        for user_id in voters:
            if user_id != CITIZEN and rng.random() >= vote_share:
                continue
            for phase in phases:
                at = (starts - timedelta(minutes=rng.uniform(5, 600))) if phase == "before" \
                    else ends - timedelta(minutes=rng.uniform(1, 20))
                at = min(at, anchor)
                votes.append((len(votes) + 1, event_id, user_id, phase,
                              rng.choice(("for", "for", "against", "undecided")), at, at))
    out.add("registrations", "id event_id user_id status source registered_at cancelled_at "
            "checked_in_at reminded_at checked_in_by_id walk_in_name walk_in_consent age_band "
            "gender affiliation region certificate_code certificate_revoked_at claim_code "
            "claimed_by_id record_key", registrations)
    out.add("votes", "id event_id user_id phase choice created_at updated_at", votes)

    # -- comments --------------------------------------------------------------------------
    # c: [id, event_id, author_id, parent_id, depth, body, body_html, stance, status,
    #     held_for, open_flags, created_at, edited_at, decided_at, decided_by_id,
    #     decision_reason, appeal_message, appealed_at, appeal_decided_at]
    comments: list[list] = []
    exact = {EVENT_300: 300, EVENT_100: 100}
    open_events = [e for e in events if e[2] != "draft" and e[0] not in exact
                   and e[5] is not None and e[5] < anchor]
    c_weights = [size_of.get(e[0], 1) + 1 for e in open_events]
    c_total = sum(c_weights)
    c_budget = n["comments"] - sum(exact.values())
    per_event = {e[0]: 0 for e in open_events}
    # Spread the budget by weight, then hand out what rounding left.
    for e, w in zip(open_events, c_weights):
        per_event[e[0]] = int(w / c_total * c_budget)
    for e in rng.choices(open_events, c_weights, k=c_budget - sum(per_event.values())):
        per_event[e[0]] += 1
    per_event.update(exact)
    decided_by_staff = {}
    for event_id, kind, status, starts, ends, published, club_id, _ in events:
        count = per_event.get(event_id, 0)
        if not count:
            continue
        special = event_id in exact
        begin = published if not special else anchor - day * 7
        end = min(anchor, ends + day * 7)
        span = max(60.0, (end - begin).total_seconds())
        times = sorted(begin + timedelta(seconds=rng.random() * span) for _ in range(count))
        parents: list[tuple[int, int]] = []  # (id, depth) of comments that can take replies
        moderator = club_staff[club_id][3]
        decided_by_staff[event_id] = moderator
        for i, created in enumerate(times):
            comment_id = len(comments) + 1
            parent_id, depth = None, 1
            if parents and rng.random() < 0.55:
                parent_id, parent_depth = rng.choice(parents[-40:])
                depth = parent_depth + 1
            author = rng.choice(persons)
            if event_id == EVENT_300 and i in (count - 2, count - 1):
                author = CITIZEN
            body = rng.choice(BODIES)
            state = "published" if special else rng.choices(
                ("published", "pending", "rejected", "hidden", "deleted"), (920, 20, 10, 15, 35))[0]
            c = [comment_id, event_id, author, parent_id, depth, body, html[body],
                 rng.choice(STANCES) if kind == "debate" else None, state, None, 0, created,
                 None, None, None, None, None, None, None]
            if state == "pending":
                c[9] = "pre_moderation" if rng.random() < 0.7 else "watched_word"
            elif state in ("rejected", "hidden"):
                c[13] = min(anchor, created + timedelta(hours=rng.uniform(1, 30)))
                c[14] = moderator if rng.random() < 0.7 else MODERATOR
                c[15] = "Breaks the code of conduct"
                if state == "rejected" and rng.random() < 0.2:
                    c[16], c[17] = "Please look again", c[13] + timedelta(hours=1)
                    if rng.random() < 0.5:
                        c[18] = c[17] + timedelta(hours=5)
            elif state == "deleted":
                c[5] = c[6] = ""
            if state in ("published", "hidden", "deleted") and depth < 3:
                parents.append((comment_id, depth))
            comments.append(c)

    # -- flags ----------------------------------------------------------------------------
    flags, actions = [], []
    flagged = set()
    candidates = [c for c in comments if c[8] == "published" and c[1] not in exact]
    groups = ("open", "hidden_by_flags", "kept", "hidden")
    attempts = 0
    while len(flags) < n["flags"] and attempts < 20 * n["flags"]:
        attempts += 1
        c = candidates[rng.randrange(len(candidates))]
        if c[0] in flagged:
            continue
        flagged.add(c[0])
        group = rng.choices(groups, (15, 10, 50, 25))[0]
        count = {"open": rng.choice((1, 1, 2)), "hidden_by_flags": 3}.get(group, rng.randint(1, 3))
        count = min(count, n["flags"] - len(flags))
        reporters = rng.sample(persons, count + 1)
        reporters = [r for r in reporters if r != c[2]][:count]
        first = c[11] + timedelta(minutes=rng.uniform(5, 600))
        resolved = resolution = None
        decided = min(anchor, first + timedelta(hours=rng.uniform(2, 48)))
        moderator = decided_by_staff[c[1]] if rng.random() < 0.7 else MODERATOR
        if group == "open":
            c[10] = len(reporters)
        elif group == "hidden_by_flags":
            c[8], c[9], c[10] = "hidden", "flags", len(reporters)
            actions.append((None, "auto_hide", c[0], c[2], c[1], "three_flags",
                            min(anchor, first + timedelta(minutes=30))))
        elif group == "kept":
            resolved, resolution = decided, "keep"
            c[13], c[14] = decided, moderator
            actions.append((moderator, "keep", c[0], c[2], c[1], None, decided))
        else:
            resolved, resolution = decided, "hide"
            c[8], c[13], c[14], c[15] = "hidden", decided, moderator, "Breaks the code of conduct"
            c[10] = len(reporters)
            actions.append((moderator, "hide", c[0], c[2], c[1], c[15], decided))
        for k, reporter in enumerate(reporters):
            at = min(anchor, first + timedelta(minutes=7 * k))
            flags.append((len(flags) + 1, c[0], reporter, rng.choice(FLAG_REASONS),
                          None, at, resolved, resolution))
    for c in comments:
        if c[8] in ("rejected", "hidden") and c[0] not in flagged:  # a moderator's own decision
            actions.append((c[14], "reject" if c[8] == "rejected" else "hide", c[0], c[2],
                            c[1], c[15], c[13]))
            if c[18]:  # an appeal is decided by another moderator, who decided last
                other = MODERATOR if c[14] != MODERATOR else ADMIN
                actions.append((other, "appeal_dismissed", c[0], c[2], c[1], None, c[18]))
                c[13], c[14] = c[18], other
    actions.sort(key=lambda a: a[6])
    out.add("comments", "id event_id author_id parent_id depth body body_html stance status "
            "held_for open_flags created_at edited_at decided_at decided_by_id decision_reason "
            "appeal_message appealed_at appeal_decided_at", [tuple(c) for c in comments])
    out.add("flags", "id comment_id reporter_id reason note created_at resolved_at resolution",
            flags)
    out.add("moderation_actions", "id actor_id action comment_id target_user_id event_id "
            "club_id reason until created_at",
            [(i, a[0], a[1], a[2], a[3], a[4], None, a[5], None, a[6])
             for i, a in enumerate(actions, 1)])

    # -- people ----------------------------------------------------------------------------
    approved: dict[int, int] = {}
    for c in comments:
        if c[8] == "published":
            approved[c[2]] = approved.get(c[2], 0) + 1
    users = []
    specials_u = {ADMIN: ("admin", "Admin Adminova", "admin"),
                  ORGANISER: ("organiser", "Organiser Asanov", "citizen"),
                  MODERATOR: ("moderator", "Moderator Isakova", "moderator"),
                  CITIZEN: ("citizen", "Citizen Osmonov", "citizen")}
    for user_id in range(1, n_users + 1):
        if user_id in specials_u:
            username, display, role = specials_u[user_id]
        else:
            username, role = f"person{user_id}", "citizen"
            display = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        key = name_keys.get(display)
        if key is None:
            key = name_keys[display] = stored_key(display)
        consent = rng.random() < 0.6
        email = rng.random() < 0.5 or user_id in specials_u
        created = anchor - day * rng.uniform(30, 900)
        users.append((
            user_id, username, display, key, password_hash,
            f"{username}@example.org" if email else None, created if email else None,
            rng.choice(LANGUAGES) if rng.random() < 0.5 else None, role,
            f"{rng.getrandbits(96):024x}", created,
            created if consent else None,
            rng.choice(AGE_BANDS) if consent else None, rng.choice(GENDERS) if consent else None,
            rng.choice(AFFILIATIONS) if consent else None, rng.choice(REGIONS) if consent else None,
            rng.getrandbits(8), None, None, False, approved.get(user_id, 0)))
    out.add("users", "id username display_name search_key password_hash email "
            "email_verified_at locale site_role session_token created_at "
            "demographics_consent_at age_band gender affiliation region record_key "
            "calendar_token muted_until banned approved_comment_count", users)
    return out


TOPIC_SLUGS: dict[int, str] = {}
ORDER = ("clubs", "users", "memberships", "club_follows", "events", "event_topics",
         "registrations", "votes", "comments", "flags", "moderation_actions")


# -- loading ---------------------------------------------------------------------------------

def _completion(table, columns):
    """The table's columns not generated here (added by a later change),
    which cannot be left empty: filled from the model's default."""
    extra, makers = [], []
    for column in table.columns:
        if column.name in columns or column.nullable or column.server_default is not None:
            continue
        if column.default is None:
            raise RuntimeError(f"{table.name}.{column.name}: no value and no default")
        extra.append(column.name)
        if column.default.is_scalar:
            value = column.default.arg
            makers.append(lambda value=value: value)
        else:
            makers.append(lambda fn=column.default.arg: fn(None))
    return extra, makers


def _load(connection, dialect: str, metadata, tables: Tables, log) -> None:
    raw = connection.connection.driver_connection
    for name in ORDER:
        columns, rows = tables.rows[name]
        table = metadata.tables[name]
        extra, makers = _completion(table, columns)
        if extra:
            rows = [row + tuple(make() for make in makers) for row in rows]
        names = columns + tuple(extra)
        started = time.perf_counter()
        if dialect == "sqlite":
            times = [i for i, c in enumerate(names)
                     if table.columns[c].type.__class__.__name__ == "UTCDateTime"]
            if times:
                def fix(row):
                    row = list(row)
                    for i in times:
                        if row[i] is not None:
                            row[i] = row[i].isoformat(" ", "microseconds")
                    return row
                rows = map(fix, rows)
            sql = f"INSERT INTO {name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            raw.executemany(sql, rows)
        else:
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {name} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        log(f"  {name}: {len(tables.rows[name][1]):,} rows in "
            f"{time.perf_counter() - started:.1f} s")


def _app(url: str):
    from hrdebate import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                       "RATELIMIT_ENABLED": False})


def schema_of(metadata) -> str:
    """A fingerprint of the models' tables, columns and indexes: a database
    built from other models (another branch, a new migration) is rebuilt."""
    shape = sorted((table.name, sorted(table.columns.keys()),
                    sorted(index.name or "" for index in table.indexes))
                   for table in metadata.sorted_tables)
    return hashlib.sha1(json.dumps(shape).encode()).hexdigest()[:12]


def built(connection) -> dict | None:
    """What the marker says was built here, or None."""
    if not inspect(connection).has_table(MARKER):
        return None
    row = connection.execute(text(f"SELECT info FROM {MARKER}")).first()
    return json.loads(row[0]) if row else None


def dangling(connection, metadata) -> dict[str, int]:
    """Rows whose foreign key names no row (the load does not check them):
    ``{"table.column": count}`` for each key with any; empty when all hold."""
    found = {}
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            child, parent = fk.parent, fk.column
            count = connection.execute(text(
                f"SELECT count(*) FROM {table.name} c WHERE c.{child.name} IS NOT NULL AND NOT "
                f"EXISTS (SELECT 1 FROM {parent.table.name} p WHERE p.{parent.name} = "
                f"c.{child.name})")).scalar()
            if count:
                found[f"{table.name}.{child.name}"] = count
    return found


def build(url: str, scale: float = 1.0, seed: int = 14, force: bool = False,
          log=print) -> dict:
    """Build (or reuse) the dataset at ``url``; what was built (``INFO`` with
    the sizes, seed, scale and build time)."""
    from hrdebate.extensions import db
    from hrdebate.models import Topic
    from tests.helpers import empty_schema

    sqlite_path = None
    if url.startswith("sqlite:///"):
        sqlite_path = Path(url[len("sqlite:///"):])
    app = _app(url)
    with app.app_context():
        with db.engine.connect() as connection:
            info = built(connection)
            counted = None
            if info and not force and info.get("version") == VERSION \
                    and info.get("seed") == seed and info.get("scale") == scale \
                    and info.get("schema") == schema_of(db.metadata):
                counted = connection.execute(text("SELECT count(*) FROM comments")).scalar()
            connection.rollback()
        if counted is not None and counted == info["sizes"]["comments_made"]:
            log(f"reusing the dataset at {url} (seed {seed}, scale {scale}, "
                f"built {info['built_at']})")
            db.engine.dispose()
            return info
        db.session.remove()
        db.engine.dispose()
    started = time.perf_counter()
    if sqlite_path is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
    with app.app_context():
        dialect = db.engine.dialect.name
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {MARKER}"))
        empty_schema()
        topics = db.session.execute(db.select(Topic.id, Topic.slug).order_by(Topic.id)).all()
        TOPIC_SLUGS.clear()
        TOPIC_SLUGS.update({t.id: t.slug for t in topics})
        db.session.remove()
        anchor = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0,
                                                    tzinfo=None)
        tables = generate(scale, seed, anchor, [t.id for t in topics])
        log(f"generated in {time.perf_counter() - started:.1f} s")
        metadata = db.metadata
        # The models' indexes are built after the load (much faster than row by row).
        indexes = [index for table in metadata.sorted_tables for index in table.indexes]
        with db.engine.connect() as connection:
            for index in indexes:
                index.drop(connection)
            connection.commit()
            raw = connection.connection.driver_connection
            if dialect == "sqlite":
                raw.execute("PRAGMA foreign_keys=OFF")
                raw.execute("PRAGMA synchronous=OFF")
                raw.execute("PRAGMA journal_mode=OFF")
                raw.execute("BEGIN")
                _load(connection, dialect, metadata, tables, log)
                raw.execute("COMMIT")
            else:
                connection.execute(text("SET TIME ZONE 'UTC'"))
                connection.execute(text("SET session_replication_role = replica"))
                _load(connection, dialect, metadata, tables, log)
                connection.execute(text("SET session_replication_role = DEFAULT"))
                connection.commit()
            index_started = time.perf_counter()
            if dialect == "postgresql":
                connection.execute(text("SET maintenance_work_mem = '256MB'"))
            for index in indexes:
                index.create(connection)
            connection.commit()
            log(f"  indexes in {time.perf_counter() - index_started:.1f} s")
            if dialect == "postgresql":
                for table in metadata.sorted_tables:
                    if "id" in table.columns and table.columns["id"].autoincrement is not False \
                            and table.columns["id"].primary_key:
                        connection.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"))
            made = {name: len(rows) for name, (_cols, rows) in tables.rows.items()}
            info = {**INFO, "version": VERSION, "seed": seed, "scale": scale,
                    "schema": schema_of(metadata),
                    "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "anchor": anchor.isoformat(),
                    "sizes": {**made, "comments_made": made["comments"]}}
            # What the write path keeps beside the rows (issue #14's turnout
            # aggregates): a bulk load bypasses it, so it is computed here.
            from hrdebate.turnout.aggregates import rebuild as rebuild_turnout

            rebuilt = time.perf_counter()
            rebuild_turnout(connection)
            connection.commit()
            log(f"  turnout aggregates in {time.perf_counter() - rebuilt:.1f} s")
            connection.execute(text(f"CREATE TABLE {MARKER} (info TEXT NOT NULL)"))
            connection.execute(text(f"INSERT INTO {MARKER} (info) VALUES (:info)"),
                               {"info": json.dumps(info)})
            connection.commit()
            analyze_started = time.perf_counter()
            if dialect == "sqlite":
                raw.execute("ANALYZE")
                raw.execute("PRAGMA journal_mode=WAL")
            else:
                connection.execute(text("ANALYZE"))
                connection.commit()
            log(f"  ANALYZE in {time.perf_counter() - analyze_started:.1f} s")
        db.session.remove()
        db.engine.dispose()
    info["build_seconds"] = round(time.perf_counter() - started, 1)
    log(f"built {url} in {info['build_seconds']} s: " +
        ", ".join(f"{k} {v:,}" for k, v in made.items()))
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", help="the SQLite file to build (replaced)")
    parser.add_argument("--pg", help="the PostgreSQL URL to build (emptied!)")
    parser.add_argument("--scale", type=float,
                        default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--force", action="store_true", help="rebuild even if it is there")
    args = parser.parse_args()
    if not args.sqlite and not args.pg:
        parser.error("say --sqlite PATH and/or --pg URL")
    if args.sqlite:
        print(json.dumps(build(f"sqlite:///{Path(args.sqlite).resolve()}", args.scale,
                               args.seed, args.force), indent=1))
    if args.pg:
        print(json.dumps(build(args.pg, args.scale, args.seed, args.force), indent=1))


if __name__ == "__main__":
    main()
