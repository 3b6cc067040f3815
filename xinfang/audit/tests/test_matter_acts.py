"""The timeline shows one line per act (issue 21, item 12): a 转送 was two lines (转送/交办 and 发出转交) plus
its clocks and mail, four saved drafts were four lines. The events themselves are untouched."""

from __future__ import annotations

from django.test import Client

from xinfang.audit.models import Event
from xinfang.audit.selectors import matter_acts, matter_timeline
from xinfang.cases import drafts
from xinfang.cases.models import Level
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import register


def test_a_route_is_one_line_with_its_consequences_folded(world, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        matter = register(world).matter
        matter_route(
            matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
        )
    events = list(matter_timeline(matter.pk))
    acts = matter_acts(events)
    verbs = [a.event.verb for a in acts]
    assert verbs == ["matter.registered", "matter.route"]
    route = acts[1]
    assert {e.verb for e in route.folded} >= {"assignment.sent", "clock.completed", "clock.started"}
    # Nothing is lost: every event is an act or folded under one.
    assert sum(1 + len(a.folded) for a in acts) + sum(a.repeated - 1 for a in acts) == len(events)


def test_drafts_saved_again_are_one_line_with_a_count(world) -> None:
    matter = register(world).matter
    assignment = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(
        assignment=assignment, actor=world.users["handler"], notice_method="书面", notice_text="已受理"
    )
    matter.refresh_from_db()
    for findings in ("初稿", "二稿", "三稿", "定稿"):
        drafts.opinion_draft_save(
            matter=matter, level=Level.OPINION, data={"findings": findings}, actor=world.users["handler"]
        )
    acts = matter_acts(matter_timeline(matter.pk))
    drafted = [a for a in acts if a.event.verb == "opinion.drafted"]
    assert len(drafted) == 1 and drafted[0].repeated == 4
    assert Event.objects.filter(matter_id=matter.pk, verb="opinion.drafted").count() == 4

    client = Client()
    client.force_login(world.users["handler"])
    page = client.get(f"/matters/{matter.number}/").content.decode()
    assert page.count("意见书拟稿") == 1 and "共4次" in page
    assert "发出转交" not in page.split("随之记录")[0]  # folded, not a line of its own
