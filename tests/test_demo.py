"""flask seed-demo: what a first visitor of the demo sees."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hrdebate.events.services import tally
from hrdebate.extensions import db
from hrdebate.models import Club, ClubFollow, Event, User, utcnow

# Letters only the language's own script has: Kyrgyz Cyrillic and Uzbek Latin.
SCRIPT_MARKS = {"ky": "ңөү", "uz": "\u02bb"}


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "demo password 1"])
    assert result.exit_code == 0, result.output
    assert "events" in result.output
    with app.app_context():
        yield db.session.scalars(select(Event).options(
            selectinload(Event.topics), selectinload(Event.milestones),
            selectinload(Event.updates))).all()


def test_demo_has_every_kind_of_event_past_and_future_in_four_languages(demo):
    now = utcnow()
    assert len(demo) >= 12
    for kind in ("debate", "moot_court", "civic_project"):
        of_kind = [e for e in demo if e.kind == kind]
        assert any(e.ends_at < now for e in of_kind), kind
        assert any(e.starts_at > now for e in of_kind), kind
    assert {e.status for e in demo} == {"draft", "published", "cancelled"}
    assert {e.language for e in demo} == {"ky", "ru", "uz", "en"}
    for event in demo:
        assert 1 <= len(event.topics) <= 3, event.title
        assert event.description_html and event.search_text, event.title
        marks = SCRIPT_MARKS.get(event.language)
        if marks:
            text = event.title + event.summary + event.description
            assert any(mark in text for mark in marks), event.title
    clubs = {e.club_id for e in demo}
    assert len(clubs) == 4

    online = next(e for e in demo if e.title == "Свобода слова в интернете: где граница?")
    assert (online.kind, online.language, online.status) == ("debate", "ru", "published")
    assert online.starts_at > now and "expression" in {t.slug for t in online.topics}
    found = db.session.scalars(
        select(Event).where(Event.search_text.contains("свобода слова"))).all()
    assert online in found


def test_demo_debates_judgement_and_project_show_results(demo):
    now = utcnow()
    closed = [e for e in demo if e.kind == "debate" and e.voting_state == "closed"]
    assert closed and all(e.ends_at < now for e in closed)
    for debate in closed:
        result = tally(debate.id)
        assert result.winner in ("for", "against")
        # A clear swing, not a rounding accident.
        assert max(abs(result.swing_for), abs(result.swing_against)) >= 15

    upcoming = [e for e in demo if e.kind == "debate" and e.voting_state == "before_open"
                and e.is_published and e.starts_at > now]
    assert any(tally(e.id).before.total >= 10 and e.vote_open("before") for e in upcoming)

    judged = [e for e in demo if e.kind == "moot_court" and e.judgement_published_at]
    assert judged
    for moot in judged:
        assert moot.starts_at < moot.judgement_published_at < now
        assert moot.judgement_outcome
        reasoning = moot.judgement_reasoning_html
        assert "ICCPR" in reasoning and "Universal Declaration" in reasoning
        assert "Constitution" in reasoning and "<strong>" in reasoning

    statuses = {m.status for e in demo if e.kind == "civic_project" for m in e.milestones}
    assert statuses == {"planned", "in_progress", "done"}
    project = next(e for e in demo if e.kind == "civic_project"
                   and {m.status for m in e.milestones} == statuses)
    assert 2 <= len(project.updates) <= 3
    assert all(u.posted_on <= now.date() and u.body_html for u in project.updates)

    follow = db.session.scalar(
        select(Club.slug).join(ClubFollow, ClubFollow.club_id == Club.id)
        .join(User, User.id == ClubFollow.user_id).where(User.username == "organiser"))
    assert follow is not None
