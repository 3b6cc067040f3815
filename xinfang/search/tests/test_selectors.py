"""matter_search: every kind of condition, scoping by persona, the Art 30 shield, the PII audit, pages."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from xinfang.accounts.services import user_create
from xinfang.audit.models import Event
from xinfang.cases.models import Matter, MatterStatus, MatterType
from xinfang.core.errors import PermissionDenied, ValidationFailed
from xinfang.intake.merge import petitioner_merge
from xinfang.intake.models import Petitioner
from xinfang.intake.validation import PetitionerInput
from xinfang.routing.services import matter_route
from xinfang.search import selectors
from xinfang.search.selectors import matter_search
from xinfang.search.services import search_index_catch_up
from xinfang.testing.factories import id_number, register

PHONE = "13912345678"
ID = id_number(777)


def _person(name: str = "李四", phone: str = PHONE, number: str = ID) -> list[PetitionerInput]:
    return [PetitionerInput(name=name, id_number=number, phone=phone, address="深圳市南山区学府路2号")]


def _numbers(actor, **criteria) -> set[str]:
    return {m.number for m in matter_search(actor, **criteria).items}


@pytest.fixture
def pool(world):
    """Matters of the city: 南山 (routed to 南山住建), 福田, one registered by the 南山 bureau."""
    water = register(
        world, title="水管爆裂", facts="小区地下室水管爆裂无人维修", petitioners=_person()
    ).matter
    noise = register(world, title="夜间施工", facts="工地夜间施工噪音扰民", region_code="440304").matter
    wages = register(
        world, "ns_registrar", title="工资拖欠", facts="公司拖欠工资三个月", category="劳动社保"
    ).matter
    matter_route(
        matter=water, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    return {"water": water.number, "noise": noise.number, "wages": wages.number}


@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "tail"])
def test_words_in_title_request_and_facts_are_found_indexed_or_not_yet(world, pool, indexed):
    if indexed:
        search_index_catch_up()
    registrar = world.users["registrar"]
    assert _numbers(registrar, q="地下室 水管") == {pool["water"]}
    assert _numbers(registrar, q="噪音") == {pool["noise"]}
    assert _numbers(registrar, q="督促物业") == {pool["water"], pool["noise"], pool["wages"]}  # the 诉求
    assert _numbers(registrar, q="地下室 噪音") == set()  # every word must be in one matter


def test_the_number_and_stop_words_alone_still_work(world, pool):
    registrar = world.users["registrar"]
    assert _numbers(registrar, q=pool["wages"]) == {pool["wages"]}
    assert _numbers(registrar, q=pool["water"][:-3]) >= {pool["water"]}
    assert _numbers(registrar, q="的") == set()  # only a stop word: the title as typed, none has 的


def test_name_phone_and_id_number(world, pool):
    registrar = world.users["registrar"]
    assert _numbers(registrar, name="李四") == {pool["water"]}
    assert _numbers(registrar, name="李") == set()  # a name is looked up whole
    assert _numbers(registrar, phone="139-1234-5678") == {pool["water"]}
    assert _numbers(registrar, phone="+86 13912345678") == {pool["water"]}
    assert _numbers(registrar, id_number=ID.lower()) == {pool["water"]}
    assert _numbers(registrar, phone="13800000000") == set()


def test_a_merged_duplicates_phone_leads_to_the_kept_persons_matters(world):
    kept = register(world, petitioners=_person(phone="13900000001", number=id_number(1))).matter
    dup = register(world, petitioners=_person(phone="13900000002", number="")).matter
    keep_id = Petitioner.objects.get(contacts__contact__matter=kept).pk
    dup_id = Petitioner.objects.get(contacts__contact__matter=dup).pk
    petitioner_merge(keep_id=keep_id, duplicate_id=dup_id, actor=world.users["registrar"], reason="同一人")
    found = _numbers(world.users["registrar"], phone="13900000002")
    assert found == {kept.number, dup.number}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("registrar", True),  # city bureau
        ("ns_registrar", True),  # the place is in 南山
        ("ft_registrar", False),  # another district
        ("handler", True),  # owner: routed to their unit
        ("colleague", True),  # same unit
        ("outsider", False),  # another unit
        ("hz_registrar", False),  # another province
    ],
)
def test_personas_find_only_what_they_may_see(world, pool, persona, sees):
    search_index_catch_up()
    user = world.users[persona]
    for criteria in ({"q": "水管"}, {"name": "李四"}, {"phone": PHONE}, {"id_number": ID}, {}):
        assert (pool["water"] in _numbers(user, **criteria)) is sees, criteria


@pytest.mark.parametrize("persona", ["handler", "colleague"])
@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "tail"])
def test_an_accusation_against_the_searchers_unit_is_never_found(world, persona, indexed):
    accused = world.units["ns_housing"]
    accusation = register(
        world,
        title="举报住建局工作人员收受好处",
        facts="南山区住房和建设局工作人员违规收费",
        matter_type=MatterType.ACCUSATION,
        accused_unit_id=accused.pk,
        petitioners=_person(),
    ).matter
    # Even a matter that would put it in their sight otherwise: they handle it jointly… it stays shielded.
    Matter.objects.filter(pk=accusation.pk).update(handling_unit=accused)
    if indexed:
        search_index_catch_up()
    user = world.users[persona]
    for criteria in (
        {"q": "收受好处"},
        {"name": "李四"},
        {"phone": PHONE},
        {"id_number": ID},
        {"unit_id": accused.pk},
        {"matter_type": MatterType.ACCUSATION},
    ):
        assert accusation.number not in _numbers(user, **criteria), criteria
    assert accusation.number in _numbers(world.users["registrar"], q="收受好处")
    # A sub-unit of the accused unit is shielded too.
    team = user_create(
        username="team_clerk",
        password="pw-test-123",
        full_name="物业科",
        unit=world.units["ns_housing_team"],
        roles=["handler"],
    )
    assert accusation.number not in _numbers(team, q="收受好处")


@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "tail"])
def test_unit_dates_status_type_category_channel(world, pool, indexed):
    registrar = world.users["registrar"]
    housing, ns_bureau = world.units["ns_housing"], world.units["ns_bureau"]
    Matter.objects.filter(number=pool["water"]).update(handling_unit=housing)
    # As if received long ago: first_received_at is fixed at registration, so set before indexing.
    old = timezone.make_aware(dt.datetime(2025, 3, 31, 23, 30))
    Matter.objects.filter(number=pool["noise"]).update(first_received_at=old)
    if indexed:
        search_index_catch_up()
    assert _numbers(registrar, unit_id=housing.pk) == {pool["water"]}  # handling
    assert _numbers(registrar, unit_id=ns_bureau.pk) == {pool["wages"]}  # registering
    one_day = {"received_from": dt.date(2025, 3, 31), "received_to": dt.date(2025, 3, 31)}
    assert _numbers(registrar, **one_day) == {pool["noise"]}  # the local day: 23:30 in Beijing
    assert _numbers(registrar, **one_day, unit_id=world.units["city_bureau"].pk) == {pool["noise"]}
    assert _numbers(registrar, **one_day, unit_id=ns_bureau.pk) == set()
    assert pool["noise"] not in _numbers(registrar, received_from=dt.date(2025, 4, 1))
    assert _numbers(registrar, received_to=dt.date(2025, 3, 30)) == set()
    assert _numbers(registrar, received_from=dt.date(2025, 1, 1), q="噪音") == {pool["noise"]}
    assert _numbers(registrar, received_from=dt.date(2025, 4, 1), q="噪音") == set()
    assert _numbers(registrar, status=MatterStatus.ROUTED) == {pool["water"]}
    assert _numbers(registrar, matter_type=MatterType.SUGGESTION) == set()
    assert _numbers(registrar, category="劳动") == {pool["wages"]}  # a category and what lies under it
    assert _numbers(registrar, channel="visit") == set(pool.values())
    assert _numbers(registrar, channel="letter") == set()
    combined = {"q": "工资", "unit_id": ns_bureau.pk, "status": MatterStatus.REGISTERED}
    assert _numbers(registrar, **combined, received_from=timezone.localdate()) == {pool["wages"]}


def test_a_word_in_more_matters_than_the_window_searches_the_newest_and_says_so(world, monkeypatch):
    monkeypatch.setattr(selectors, "TEXT_WINDOW", 2)
    numbers = [
        register(world, facts=f"外墙瓷砖脱落，砸坏{car}").matter.number for car in ("汽车", "单车", "摩托")
    ]
    Matter.objects.filter(number=numbers[0]).update(first_received_at=timezone.now() - dt.timedelta(days=400))
    search_index_catch_up()
    registrar = world.users["registrar"]
    found = matter_search(registrar, q="外墙")
    assert [m.number for m in found.items] == numbers[:0:-1]  # the newest two
    assert (found.text_window_full, found.count_capped, found.count) == (True, True, 2)
    # A date range moves the window back to the older one.
    old = matter_search(registrar, q="外墙", received_to=timezone.localdate() - dt.timedelta(days=300))
    assert [m.number for m in old.items] == numbers[:1]
    assert (old.text_window_full, old.count_capped) == (False, False)
    assert not matter_search(registrar, q="外墙 单车").text_window_full


def test_bad_input_is_refused_before_anything_is_read_or_recorded(world, pool):
    registrar = world.users["registrar"]
    with pytest.raises(ValidationFailed) as bad_phone:
        matter_search(registrar, phone="1391234")
    with pytest.raises(ValidationFailed) as bad_id:
        matter_search(registrar, id_number=ID[:-1] + ("0" if ID[-1] != "0" else "1"))
    with pytest.raises(ValidationFailed) as reversed_dates:
        matter_search(registrar, received_from=dt.date(2026, 2, 1), received_to=dt.date(2026, 1, 1))
    assert (bad_phone.value.field, bad_id.value.field) == ("phone", "id_number")
    assert reversed_dates.value.code == "date_range"
    assert not Event.objects.filter(verb="matter.search_pii").exists()


def test_a_phone_or_id_search_is_one_audit_event_with_the_masked_value_only(world, pool):
    registrar = world.users["registrar"]
    matter_search(registrar, phone=PHONE, id_number=ID)
    matter_search(registrar, q="水管", name="李四")  # neither phone nor ID: not a PII look-up
    (event,) = Event.objects.filter(verb="matter.search_pii")
    assert event.actor == registrar and event.actor_unit_id == registrar.unit_id
    assert event.new["keys"] == [
        {"kind": "phone", "value": "139****5678"},
        {"kind": "id_number", "value": ID[:6] + "********" + ID[-4:]},
    ]
    assert event.new["found"] == 1
    recorded = json.dumps([event.old, event.new, event.reason, event.subject_id], ensure_ascii=False)
    assert PHONE not in recorded and ID not in recorded and ID[6:14] not in recorded
    matter_search(registrar, phone=PHONE, page=2)
    assert Event.objects.filter(verb="matter.search_pii").count() == 2  # each search, each page


def test_the_auditor_may_not_look_people_up(world, pool):
    with pytest.raises(PermissionDenied):
        matter_search(world.users["auditor"], phone=PHONE)
    assert not Event.objects.filter(verb="matter.search_pii").exists()
    assert pool["water"] in _numbers(world.users["auditor"], q="水管")


def test_pages_newest_first_and_the_capped_count(world, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 4)
    numbers = [register(world, facts=f"外墙瓷砖脱落第{i}次").matter.number for i in range(5)]
    search_index_catch_up()
    registrar = world.users["registrar"]
    first = matter_search(registrar, q="外墙", page_size=2)
    assert [m.number for m in first.items] == numbers[::-1][:2]
    assert (first.count, first.count_capped, first.has_next, first.has_previous) == (4, True, True, False)
    last = matter_search(registrar, q="外墙", page=3, page_size=2)
    assert [m.number for m in last.items] == numbers[:1]
    assert (last.has_next, last.has_previous, last.previous_page_number) == (False, True, 2)
    exact = matter_search(registrar, q="外墙 瓷砖", page_size=10)
    assert (exact.count, exact.count_capped) == (4, True)
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    assert (matter_search(registrar, q="外墙").count, matter_search(registrar, q="外墙").count_capped) == (
        5,
        False,
    )
    assert matter_search(registrar, q="外墙", page=10**12).items == []  # no OFFSET past 64 bits
