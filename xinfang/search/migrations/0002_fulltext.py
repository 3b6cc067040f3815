"""The full-text structure over search_mattertext.tokens, one per database (xinfang/search/selectors.py).

SQLite: an FTS5 table with external content — it keeps only the index, the tokens stay in
search_mattertext, whose triggers keep the two in step for every write. ``detail=none`` stores which rows hold
a term and nothing else (no positions, no columns): the search ANDs whole tokens and never asks for a phrase
or a rank, and the index is several times smaller. The tokens are already cut by jieba and joined by
spaces, so ``unicode61`` only has to split at the spaces.

PostgreSQL: a GIN index over to_tsvector('simple', tokens) (as ``search_tsvector``); the 'simple'
configuration neither stems nor drops words, so the lexemes are the tokens.

A later migration that alters search_mattertext on SQLite makes Django rebuild the table, which drops the
triggers: it must create them again (``SQLITE`` below).
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE search_matter_fts USING fts5(tokens, content='search_mattertext', "
    "content_rowid='matter_id', tokenize='unicode61 remove_diacritics 0', detail=none, columnsize=0)",
    "CREATE TRIGGER search_mattertext_fts_insert AFTER INSERT ON search_mattertext BEGIN "
    "INSERT INTO search_matter_fts(rowid, tokens) VALUES (new.matter_id, new.tokens); END",
    # An external-content FTS5 row is removed by giving it back exactly what was indexed: old.tokens.
    "CREATE TRIGGER search_mattertext_fts_delete AFTER DELETE ON search_mattertext BEGIN "
    "INSERT INTO search_matter_fts(search_matter_fts, rowid, tokens) "
    "VALUES ('delete', old.matter_id, old.tokens); END",
    "CREATE TRIGGER search_mattertext_fts_update AFTER UPDATE OF tokens ON search_mattertext BEGIN "
    "INSERT INTO search_matter_fts(search_matter_fts, rowid, tokens) "
    "VALUES ('delete', old.matter_id, old.tokens); "
    "INSERT INTO search_matter_fts(rowid, tokens) VALUES (new.matter_id, new.tokens); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_mattertext_fts_update",
    "DROP TRIGGER IF EXISTS search_mattertext_fts_delete",
    "DROP TRIGGER IF EXISTS search_mattertext_fts_insert",
    "DROP TABLE IF EXISTS search_matter_fts",
]
POSTGRESQL = [
    # to_tsvector under a name of our own, so that the planner knows what it costs: parsing a matter's
    # tokens again takes ~0.1 ms (a long row's read back from TOAST first), where PostgreSQL assumes to_tsvector
    # is nearly free and will happily recompute it for every row it walks past instead of asking the index.
    # PL/pgSQL, so that it is never inlined back into the cheap call.
    "CREATE FUNCTION search_tsvector(tokens text) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE STRICT "
    "PARALLEL SAFE COST 1000 AS $$ BEGIN RETURN to_tsvector('simple'::regconfig, tokens); END $$",
    "CREATE INDEX search_mattertext_tokens_gin ON search_mattertext USING gin (search_tsvector(tokens))",
    # A search reads the matter id of every row GIN hands back, so the narrower the table's rows the fewer
    # pages it reads. PostgreSQL only considers toasting a row above ~2 kB, whatever this says: a matter with a
    # few contacts (~1.1 kB of tokens) stays inline; one with many has its tokens moved out, compressed, all
    # the way down instead of just under 2 kB. (bench/README.md, search.py.)
    "ALTER TABLE search_mattertext SET (toast_tuple_target = 128)",
]
POSTGRESQL_REVERSE = [
    "ALTER TABLE search_mattertext RESET (toast_tuple_target)",
    "DROP INDEX IF EXISTS search_mattertext_tokens_gin",
    "DROP FUNCTION IF EXISTS search_tsvector(text)",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
