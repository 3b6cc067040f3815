"""The 信访人合并 page: who sees it, what it lists, and a merge made from it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.audit.models import Event
from xinfang.intake.models import ContactPetitioner, Petitioner
from xinfang.intake.validation import PetitionerInput
from xinfang.testing.factories import register

URL = "/petitioners/duplicates/"


def _twice(world, n: int = 1, start: int = 0) -> list[tuple[Petitioner, Petitioner]]:
    """``n`` people, each registered twice — with a phone, then again with the same phone and name (as two
    simultaneous registrations made before the advisory lock): two records each."""
    out = []
    for k in range(start, start + n):
        person = PetitionerInput(name=f"王{k}", phone=f"1370013{k:04d}", address="深圳市南山区")
        first = ContactPetitioner.objects.get(contact=register(world, petitioners=[person])).petitioner
        copy = Petitioner.objects.create(name=first.name, phone_hash=first.phone_hash, phone_masked="137****")
        ContactPetitioner.objects.create(contact=register(world), petitioner=copy)
        out.append((first, copy))
    return out


@pytest.mark.parametrize(
    ("persona", "status", "listed"),
    [
        ("registrar", 200, True),
        ("ns_registrar", 200, True),
        ("hz_registrar", 200, False),
        ("handler", 403, False),
    ],
)
def test_who_sees_what(world, client, persona, status, listed) -> None:
    ((_, copy),) = _twice(world)
    client.force_login(world.users[persona])
    resp = client.get(URL)
    assert resp.status_code == status
    page = resp.content.decode()
    assert ("<h2>电话和姓名相同</h2>" in page) is listed and (f'value="{copy.pk}"' in page) is listed
    assert "13700130000" not in page  # masked values only


def test_the_list_costs_the_same_for_one_group_or_five(world, client) -> None:
    client.force_login(world.users["registrar"])
    _twice(world, 1)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    _twice(world, 4, start=1)
    with CaptureQueriesContext(connection) as five:
        page = client.get(URL).content.decode()
    assert page.count('<select name="duplicate">') == 5
    assert len(five) == len(one) <= 10


def test_merging_from_the_page(world, client) -> None:
    ((first, copy),) = _twice(world)
    client.force_login(world.users["registrar"])
    resp = client.post(URL, {"keep": first.pk, "duplicate": copy.pk, "reason": ""}, follow=True)
    assert "未合并：请填写合并理由" in resp.content.decode()
    assert Petitioner.objects.get(pk=copy.pk).merged_into_id is None
    resp = client.post(URL, {"keep": first.pk, "duplicate": copy.pk, "reason": "同一人重复登记"}, follow=True)
    page = resp.content.decode()
    assert "已将重复记录合并到信访人" in page and "没有发现可能重复登记的信访人" in page
    assert Petitioner.objects.get(pk=copy.pk).merged_into_id == first.pk
    assert Event.objects.filter(verb="petitioner.merged", actor=world.users["registrar"]).exists()


def test_merging_by_number_a_pair_no_index_finds(world, client) -> None:
    """A misspelt name and another phone, no ID number: no group lists them, the numbers do."""
    a = register(world, petitioners=[PetitionerInput(name="赵六", phone="13600136006", address="南山区")])
    b = register(world, petitioners=[PetitionerInput(name="赵陆", phone="13600136007", address="南山区")])
    keep, dup = (ContactPetitioner.objects.get(contact=c).petitioner for c in (a, b))
    client.force_login(world.users["registrar"])
    page = client.get(f"/matters/{b.matter.number}/").content.decode()
    assert f"编号 {dup.pk}" in page
    client.post(URL, {"keep": keep.pk, "duplicate": "x", "reason": "同一人"})  # not a number: nothing happens
    assert Petitioner.objects.get(pk=dup.pk).merged_into_id is None
    resp = client.post(
        URL, {"keep": keep.pk, "duplicate": dup.pk, "reason": "同一人，姓名登记有误"}, follow=True
    )
    assert "已将重复记录合并到信访人“赵六”" in resp.content.decode()
    assert ContactPetitioner.objects.get(contact=b).petitioner_id == keep.pk


def test_undoing_a_merge_from_the_page(world, client) -> None:
    ((first, copy),) = _twice(world)
    client.force_login(world.users["registrar"])
    client.post(URL, {"keep": first.pk, "duplicate": copy.pk, "reason": "同一人"})
    page = client.get(URL).content.decode()
    assert "最近的合并" in page and 'name="action" value="unmerge"' in page
    client.force_login(world.users["hz_registrar"])
    assert "最近的合并" not in client.get(URL).content.decode()  # another province's merge is not listed
    client.force_login(world.users["registrar"])
    resp = client.post(
        URL, {"action": "unmerge", "duplicate": copy.pk, "reason": "核实后不是同一人"}, follow=True
    )
    assert f"信访人“{copy.name}”（编号 {copy.pk}）已恢复" in resp.content.decode()
    assert Petitioner.objects.get(pk=copy.pk).merged_into_id is None
    assert "最近的合并" not in resp.content.decode()
