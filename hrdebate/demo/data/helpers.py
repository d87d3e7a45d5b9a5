"""The one shape of the demo's comments."""


def comment(who: str, at: float, body: str, stance: str | None = None, replies=(),
            **fate) -> dict:
    """One comment of a ``DISCUSSIONS`` list: its author, its time in hours
    from the event's end (from now while the event is still ahead or
    running), its stance (debates only) and its replies. ``fate`` is what
    became of it: ``status`` (pending, rejected, hidden, restored or deleted;
    published otherwise), ``reason``, ``appeal``, ``flags`` (reporter,
    reason, note), ``by`` (the deciding moderator, ``moderator`` if not
    given). Whether it was held for review first is for the rules to say,
    not for the data."""
    return dict(who=who, at=at, body=body, stance=stance, replies=list(replies), **fate)
