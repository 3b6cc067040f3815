"""The indexer: new contacts and events folded into the matters' rows, the cursors, the look-back, 并入,
two indexers at once."""

from io import StringIO

from django.core.management import call_command
from django.db import connection

from xinfang.audit.models import Event
from xinfang.cases.merging import matter_merge_into, matter_unmerge
from xinfang.intake.models import Contact
from xinfang.search import services
from xinfang.search.models import IndexCursor, MatterText
from xinfang.search.selectors import matter_search
from xinfang.search.services import search_index_catch_up, search_index_rebuild
from xinfang.testing.factories import register


def _indexed_ids(word: str) -> set[int]:
    """Matter ids the database's full-text structure itself returns for ``word`` (not the search's tail)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT matter_id FROM search_mattertext WHERE search_tsvector(tokens) "
                "@@ plainto_tsquery('simple'::regconfig, %s)",
                [word],
            )
        else:
            cursor.execute("SELECT rowid FROM search_matter_fts WHERE search_matter_fts MATCH %s", [word])
        return {row[0] for row in cursor.fetchall()}


def _cursor(name: str = services.CONTACTS) -> int:
    return IndexCursor.objects.get(name=name).last_id


def test_new_contacts_are_folded_in_and_the_cursors_move(world):
    first = register(world, facts="小区水管爆裂无人维修").matter
    second = register(world, facts="工地夜间施工噪音扰民").matter
    run = search_index_catch_up()
    assert (run.contacts, run.matters, run.written, run.caught_up) == (2, 2, True, True)
    assert run.cursor == _cursor() == Contact.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert _cursor(services.EVENTS) == Event.objects.exclude(matter_id=None).order_by("-pk")[0].pk
    assert _indexed_ids("水管") == {first.pk}
    assert _indexed_ids("噪音") == {second.pk}
    again = search_index_catch_up()
    assert (again.contacts, again.events, again.matters) == (0, 0, 0)


def test_a_contact_attached_later_updates_its_matters_row(world):
    first = register(world, facts="小区水管爆裂无人维修").matter
    search_index_catch_up()
    register(world, attach_to=first.number, facts="水管仍未修复，地下室被淹")
    run = search_index_catch_up()
    assert (run.contacts, run.matters) == (1, 1)
    row = MatterText.objects.get(matter=first)
    assert row.contacts == 2
    assert {"爆裂", "地下室"} <= set(row.tokens.split())
    assert _indexed_ids("地下室") == {first.pk} == _indexed_ids("爆裂")


def test_a_contact_that_committed_behind_the_cursor_is_found_by_the_look_back(world):
    # PostgreSQL draws ids before commit: a run may pass an id whose registration commits afterwards.
    early = register(world, facts="小区水管爆裂无人维修").matter
    search_index_catch_up()
    late = register(world, facts="工地夜间施工噪音扰民").matter
    newest = Contact.objects.get(matter=late).pk
    events = Event.objects.order_by("-pk")[0].pk
    IndexCursor.objects.filter(name=services.CONTACTS).update(last_id=newest)
    IndexCursor.objects.filter(name=services.EVENTS).update(last_id=events)
    assert search_index_catch_up(look_back=False).matters == 0  # the batches after a loop's first run
    run = search_index_catch_up()
    assert (run.contacts, run.matters) == (0, 1)
    assert _indexed_ids("噪音") == {late.pk}
    assert _indexed_ids("爆裂") == {early.pk}
    assert search_index_catch_up().matters == 0


def test_a_merge_and_its_undoing_move_the_words_with_the_contacts(world):
    # 并入 moves contacts between matters without a new contact: the indexer follows the matters' events.
    kept = register(world, facts="小区水管爆裂无人维修").matter
    folded = register(world, facts="地下室被淹，水管仍未修复").matter
    search_index_catch_up()
    registrar = world.users["registrar"]
    matter_merge_into(matter=folded, target_number=kept.number, actor=registrar, reason="同一诉求重复提交")
    run = search_index_catch_up()
    assert (run.contacts, run.matters) == (0, 2)
    assert _indexed_ids("地下室") == {kept.pk}
    assert MatterText.objects.get(matter=folded).contacts == 0
    folded.refresh_from_db()
    matter_unmerge(matter=folded, actor=registrar, reason="并入有误")
    search_index_catch_up()
    assert _indexed_ids("地下室") == {folded.pk}
    assert _indexed_ids("爆裂") == {kept.pk}


def test_a_second_indexer_that_lost_the_race_writes_nothing(world, monkeypatch):
    register(world, facts="小区水管爆裂无人维修")
    rows_for = services._matter_rows

    def overtaken(ids):
        rows = rows_for(ids)
        # Another indexer finishes first, moving the cursor past the same contacts.
        IndexCursor.objects.filter(name=services.CONTACTS).update(last_id=10**9)
        return rows

    monkeypatch.setattr(services, "_matter_rows", overtaken)
    run = search_index_catch_up()
    assert (run.written, run.matters) == (False, 0)
    assert not MatterText.objects.exists()
    assert _cursor(services.CONTACTS) == 10**9  # the other indexer's move stands


def test_batches_and_the_command_catch_up(world):
    matters = [register(world, facts=f"第{i}号楼外墙脱落").matter for i in range(5)]
    run = search_index_catch_up(batch=2)
    # Two contacts read; the first run's look-back names all five matters by their registration events.
    assert (run.contacts, run.events, run.matters, run.caught_up) == (2, 0, 5, False)
    out = StringIO()
    call_command("search_index", batch=2, stdout=out)
    assert "并入信访件 3 件" in out.getvalue()
    assert _indexed_ids("外墙") == {m.pk for m in matters}


def test_rebuild_empties_the_index_and_the_search_still_finds_through_the_tail(world):
    matter = register(world, facts="小区水管爆裂无人维修").matter
    search_index_catch_up()
    assert search_index_rebuild() == 1
    assert _indexed_ids("爆裂") == set()
    found = matter_search(world.users["registrar"], q="水管爆裂")
    assert [m.pk for m in found.items] == [matter.pk]
    out = StringIO()
    call_command("search_index", stdout=out)
    assert _indexed_ids("爆裂") == {matter.pk}


def test_deleting_a_row_takes_it_out_of_the_full_text_structure(world):
    matter = register(world, facts="小区水管爆裂无人维修").matter
    search_index_catch_up()
    MatterText.objects.filter(matter=matter).delete()
    assert _indexed_ids("爆裂") == set()
