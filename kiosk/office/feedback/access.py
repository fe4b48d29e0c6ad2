"""Who may do what with residents' feedback of a feed.

- Every member of the feed reads the inbox, the figures and the export (supervisors included).
- Drafters, reviewers and admins handle it: assign, answer, refuse, extend, reopen.
- Names and phone numbers: the roles in ``[feedback] contact_roles`` (reviewer and admin by
  default) and the person the case is assigned to; each look is recorded in the history.
"""

from __future__ import annotations

from typing import Any

from kiosk.office.accounts.models import Membership, Role
from kiosk.office.accounts.roles import has_role
from kiosk.office.feedback import conf
from kiosk.office.feedback.models import Submission
from kiosk.office.feeds.models import Feed

HANDLERS = (Role.DRAFTER, Role.REVIEWER, Role.ADMIN)


def can_handle(user: Any, feed: Feed) -> bool:  # noqa: ANN401
    return has_role(user, feed, *HANDLERS)


def contact_roles() -> tuple[Role, ...]:
    return tuple(Role(r) for r in conf.current().contact_roles)


def sees_all_contacts(user: Any, feed: Feed) -> bool:  # noqa: ANN401
    return has_role(user, feed, *contact_roles())


def can_see_contact(user: Any, feed: Feed, sub: Submission) -> bool:  # noqa: ANN401
    return sees_all_contacts(user, feed) or (sub.assignee_id is not None and sub.assignee_id == user.pk
                                             and can_handle(user, feed))


def handlers(feed: Feed) -> list[tuple[int, str]]:
    """(user id, shown name) of everyone who may handle the feed's feedback."""
    people: dict[int, str] = {}
    members = Membership.objects.filter(feed=feed, role__in=[r.value for r in HANDLERS], user__is_active=True)
    for m in members.select_related("user").order_by("user__username"):
        full = m.user.get_full_name().strip()
        people[m.user.pk] = f"{full}（{m.user.get_username()}）" if full else m.user.get_username()
    return sorted(people.items(), key=lambda p: p[1])
