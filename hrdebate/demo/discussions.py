"""The comments of each city's ``DISCUSSIONS`` and everything that became of
them, through the discussion and moderation services: the rules decide who
is held for review (pre-moderation of a new author, a watched word) and
count the approvals; a moderator looks at a held comment within two hours,
before anyone replies; three flags hide a comment; authors delete and
appeal. After the run, ``check_outcomes`` verifies that each comment ended
as the data says, so data and rules cannot drift apart unnoticed.
"""

from datetime import datetime, timedelta

from ..discussions.services import (
    add_watched_word,
    appeal,
    delete_comment,
    flag_comment,
    post_comment,
)
from ..models import CommentStatus
from ..moderation.services import decide
from .data import DISCUSSIONS, EVENTS, WATCHED_WORDS
from .timeline import Timeline

# The moderators' list of watched words was written before any comment.
WATCHED_WORDS_DAYS_AGO = 40
REVIEWED_WITHIN = timedelta(hours=2)
# The final status of each ``status`` of the data.
OUTCOME = {"restored": "published"}


def schedule(story: Timeline) -> None:
    for word in WATCHED_WORDS:
        story.at(story.now - timedelta(days=WATCHED_WORDS_DAYS_AGO), add_watched_word, word)
    specs = {spec["title"]: spec for spec in EVENTS}
    for title, threads in DISCUSSIONS.items():
        event = specs[title]
        assert event["status"] == "published", title
        times = story.event_times(event)
        # Hours count from the end of an event, or from now while it is ahead or running.
        anchor = min(times.ends, story.now)
        records = _flatten(threads, title, anchor)
        for record in records:
            spec, at = record["spec"], record["at"]
            assert (spec["stance"] is not None) == (event["kind"] == "debate"), spec["body"]
            assert times.published < at < story.now, spec["body"]
            assert at > story.now - timedelta(days=WATCHED_WORDS_DAYS_AGO), spec["body"]
            _schedule_comment(story, record)
        story.comments += records


def _flatten(specs: list[dict], title: str, anchor: datetime,
             parent: dict | None = None) -> list[dict]:
    """The comments as flat records, parents first."""
    records = []
    for spec in specs:
        record = {"spec": spec, "title": title, "parent": parent, "replies": [],
                  "at": anchor + timedelta(hours=spec["at"])}
        if parent is not None:
            assert record["at"] > parent["at"], spec["body"]
            parent["replies"].append(record)
        records.append(record)
        records += _flatten(spec["replies"], title, anchor, record)
    return records


def _schedule_comment(story: Timeline, record: dict) -> None:
    spec, at, now = record["spec"], record["at"], story.now
    status = spec.get("status", "published")
    moderator = spec.get("by", "moderator")
    story.at(at, _post, story, record)

    first_reply = min([reply["at"] for reply in record["replies"]] + [now])
    reviewed = at + min(REVIEWED_WITHIN, (first_reply - at) / 2)
    if status == "rejected":
        assert spec["reason"] and moderator != spec["who"], spec["body"]
        story.at(reviewed, _decide, story, record, moderator, "reject", spec["reason"])
        if spec.get("appeal"):
            story.at(reviewed + (now - reviewed) / 3, _appeal, story, record, spec["appeal"])
    elif status != "pending":
        story.at(reviewed, _approve_if_held, story, record, moderator)

    flags = spec.get("flags", ())
    step = min(timedelta(hours=3), (now - reviewed) / (len(flags) + 3))
    flagged = reviewed
    for reporter, reason, note in flags:
        assert reporter != spec["who"], spec["body"]
        flagged += step
        story.at(flagged, _flag, story, record, reporter, reason, note)
    if status in ("hidden", "restored") and spec.get("reason"):
        action = "hide" if status == "hidden" else "restore"
        story.at(flagged + step, _decide, story, record, moderator, action, spec["reason"])
    if status == "deleted":
        assert record["replies"], "a deleted comment keeps its replies' place"
        last = max(reply["at"] for reply in record["replies"])
        story.at(last + (now - last) / 2, _delete, story, record)


def _post(story: Timeline, record: dict) -> None:
    spec, parent = record["spec"], record["parent"]
    comment = post_comment(story.events[record["title"]], story.users[spec["who"]],
                           spec["body"], spec["stance"], parent["comment"].id if parent else None)
    record["comment"] = comment
    story.counts["comments"] += 1
    if spec.get("status") in ("pending", "rejected"):
        assert comment.status == CommentStatus.PENDING, f"not held for review: {spec['body']}"


def _approve_if_held(story: Timeline, record: dict, moderator: str) -> None:
    if record["comment"].status == CommentStatus.PENDING:
        decide(record["comment"], story.users[moderator], "approve")


def _decide(story: Timeline, record: dict, moderator: str, action: str, reason: str) -> None:
    decide(record["comment"], story.users[moderator], action, reason)


def _appeal(story: Timeline, record: dict, message: str) -> None:
    appeal(record["comment"], story.users[record["spec"]["who"]], message)


def _flag(story: Timeline, record: dict, reporter: str, reason: str, note: str | None) -> None:
    flag_comment(record["comment"], story.users[reporter], reason, note)


def _delete(story: Timeline, record: dict) -> None:
    delete_comment(record["comment"], story.users[record["spec"]["who"]])


def check_outcomes(story: Timeline) -> None:
    """Each comment ended as its data says."""
    for record in story.comments:
        status = record["spec"].get("status", "published")
        comment = record["comment"]
        assert comment.status == OUTCOME.get(status, status), (
            f"{comment.status}, not {status}: {record['spec']['body']}")
