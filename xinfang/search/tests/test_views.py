"""The staff list page /matters/ with its search form."""

import re

import pytest
from django.db import connection
from django.test import Client

from xinfang.audit.models import Event
from xinfang.intake.validation import PetitionerInput
from xinfang.search.services import search_index_catch_up
from xinfang.testing.factories import id_number, register

PHONE = "13912345678"


def _client(world, persona="registrar"):
    client = Client()
    client.force_login(world.users[persona])
    return client


def _register_some(world, count):
    for i in range(count):
        person = PetitionerInput(name="李四", id_number=id_number(500 + i), phone=PHONE, address="学府路2号")
        register(world, facts=f"小区地下室水管爆裂第{i}次", petitioners=[person])


def _listed(html: str) -> list[str]:
    return re.findall(r'href="/matters/([^/"]+)/"', html)


def test_the_form_has_every_condition_in_chinese(world):
    html = _client(world).get("/matters/").content.decode()
    for label in (
        "关键词",
        "信访人姓名",
        "联系电话",
        "证件号码",
        "登记或承办单位",
        "收到日期自",
        "状态",
        "渠道",
        "内容分类",
    ):
        assert label in html
    assert html.count('type="date"') == 2
    assert '<select name="unit"' in html and world.units["ns_housing"].name in html
    assert world.units["hz_bureau"].name not in html  # another province's units are not offered
    department = _client(world, "handler").get("/matters/").content.decode()
    for key in ("ns_housing", "ns_housing_team", "ns_bureau", "city_bureau", "gd_bureau"):  # here, above
        assert f">{world.units[key].name}<" in department, key
    for key in ("ft_bureau", "hz_bureau", "discipline"):  # beside: another district, a city department
        assert f">{world.units[key].name}<" not in department, key
    assert "每次检索都记入审计日志" in html
    assert 'method="post"' in html


def test_a_phone_search_posts_finds_and_is_recorded_once(world):
    _register_some(world, 2)
    response = _client(world).post("/matters/", {"phone": PHONE})
    html = response.content.decode()
    assert response.status_code == 200 and len(_listed(html)) == 2
    assert Event.objects.filter(verb="matter.search_pii").count() == 1
    # Paging re-posts the form: the number is in no link the page makes.
    assert not any(PHONE in href for href in re.findall(r'href="([^"]*)"', html))


def test_a_malformed_phone_is_shown_on_the_form_and_nothing_recorded(world):
    _register_some(world, 1)
    html = _client(world).post("/matters/", {"phone": "12345"}).content.decode()
    assert "电话号码格式不正确" in html and _listed(html) == []
    assert not Event.objects.filter(verb="matter.search_pii").exists()


def test_the_auditor_is_told_why(world):
    html = _client(world, "auditor").post("/matters/", {"id_number": id_number(500)}).content.decode()
    assert "三员分立" in html


def test_words_and_the_pager(world):
    _register_some(world, 30)
    search_index_catch_up()
    client = _client(world)
    first = client.post("/matters/", {"q": "水管 爆裂"}).content.decode()
    assert len(_listed(first)) == 25 and "共 30 件" in first
    assert 'name="page" value="2"' in first
    second = client.post("/matters/", {"q": "水管 爆裂", "page": "2"}).content.decode()
    assert len(_listed(second)) == 5 and not set(_listed(first)) & set(_listed(second))
    assert 'name="page" value="1"' in second and 'name="page" value="3"' not in second
    assert _listed(client.get("/matters/", {"q": "水管", "page": "x"}).content.decode()) == _listed(first)


def test_the_page_says_when_a_word_is_in_more_matters_than_it_looks_at(world, monkeypatch):
    from xinfang.search import selectors

    monkeypatch.setattr(selectors, "TEXT_WINDOW", 2)
    _register_some(world, 3)
    search_index_catch_up()
    html = _client(world).post("/matters/", {"q": "水管"}).content.decode()
    assert "共 2+ 件" in html and "只在其中最新登记的 2 件里查找" in html
    monkeypatch.setattr(selectors, "TEXT_WINDOW", 3)  # exactly as many as hold the word: all were looked at
    html = _client(world).post("/matters/", {"q": "水管"}).content.decode()
    assert "共 3 件" in html and "最新登记的" not in html


@pytest.mark.parametrize("count", [3, 30])
def test_query_count_is_constant(world, django_assert_max_num_queries, count):
    _register_some(world, count)
    search_index_catch_up()
    register(world, facts="水管爆裂又一次")  # above the indexer's cursor: the tail is searched as well
    client = _client(world)
    everything = {"q": "水管", "name": "李四", "phone": PHONE, "unit": world.units["city_bureau"].pk}
    everything |= {"received_from": "2020-01-01", "received_to": "2030-12-31", "status": "registered"}
    everything |= {"channel": "visit", "category": "城乡", "matter_type": "petition"}
    # With words: whether the text window was full; on PostgreSQL also the planner settings for them, in a
    # transaction of their own (a savepoint inside the test's: two statements more).
    with django_assert_max_num_queries(12 if connection.vendor == "sqlite" else 15):
        response = client.post("/matters/", everything)
    assert len(_listed(response.content.decode())) == min(count, 25)
    with django_assert_max_num_queries(8):
        client.get("/matters/")
