"""PostgreSQL's own full-text search index and change notifications

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 06:00:00

SQLite libraries search through FTS5 (migrations 0003, 0005, 0007). A PostgreSQL library
gets its equivalent here: ``search_documents`` holds one ``tsvector`` per reference under a
GIN index, its fields weighted A (title), B (authors), C (venue), D (abstract), made of
the text folded as the app folds query words (lower case, accents stripped: the SQL
function ``refman_fold``) and split into words by ``to_tsvector``'s parser. Triggers
rebuild a reference's document when its title, abstract, venue or authors change.

Live updates for a shared library: row triggers on references, their tags, authors,
notes and attachments send ``NOTIFY refman_changes`` at commit with the payload
``r:<id>`` (that reference's row, authors, tags, notes or attachments changed; PostgreSQL
drops repeats within a transaction), a statement trigger on tags ``t`` (tag names or
colours).

An import sets ``refman.bulk`` for its transaction (``BULK_SETTING``): every trigger's
WHEN clause then skips it (a WHEN costs nothing like a trigger call); the import lists
what it wrote in ``search_dirty`` for ``catch_up`` and sends one ``r:*`` (reload) when it
ends (``search_index.pause`` / ``resume``). The raw texts of imports are compressed with
lz4 where the server has it. Nothing changes for SQLite.
"""

from __future__ import annotations

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

# The app's fold (refman.domain.text.fold: NFKD, combining marks dropped, case-folded)
# in SQL; ASCII text, most of a library, skips the Unicode work.
_FOLD = (
    r"CASE WHEN t ~ '^[\x01-\x7f]*$' THEN lower(t) ELSE lower(replace(regexp_replace("
    r"normalize(t, NFKD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
    r"\ufe20-\ufe2f]+', '', 'g'), 'ß', 'ss')) END"
)
# to_tsvector's parser splits at punctuation as FTS5 does, except that it keeps host
# names, versions, e-mail addresses and paths whole: their dots, colons, slashes and at
# signs become spaces first.
_WORDS = "translate(refman_fold({0}), '.:/@', '    ')"
_DOCUMENT = " || ".join(
    f"setweight(to_tsvector('simple', {_WORDS.format(arg)}), '{weight}')"
    for arg, weight in (("title", "A"), ("authors", "B"), ("venue", "C"), ("abstract", "D"))
)
BULK_SETTING = "refman.bulk"
"""Set (``on``, for one transaction) by an import: the triggers below then do nothing;
the import lists what it wrote for the index and notifies once (``search_index``)."""
NOT_BULK = f"current_setting('{BULK_SETTING}', true) IS DISTINCT FROM 'on'"
_AUTHORS = """coalesce((SELECT string_agg(p.given || ' ' || p.family, ' ' ORDER BY ra.position)
    FROM reference_authors ra JOIN persons p ON p.id = ra.person_id
    WHERE ra.reference_id = r.id), '')"""

UPGRADE = [
    f"""CREATE FUNCTION refman_fold(t text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {_FOLD} $$""",
    f"""CREATE FUNCTION refman_search_document(title text, authors text, venue text,
        abstract text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {_DOCUMENT} $$""",
    """CREATE TABLE search_documents (
        reference_id integer PRIMARY KEY
            REFERENCES "references" (id) ON DELETE CASCADE,
        document tsvector NOT NULL)""",
    "CREATE INDEX ix_search_documents_document ON search_documents USING gin (document)",
    f"""CREATE FUNCTION refman_reindex(ref integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO search_documents (reference_id, document)
        SELECT r.id, refman_search_document(r.title, {_AUTHORS}, r.venue, r.abstract)
        FROM "references" r WHERE r.id = ref
        ON CONFLICT (reference_id) DO UPDATE SET document = EXCLUDED.document
    $$""",
    """CREATE FUNCTION refman_index_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'references' THEN
            PERFORM refman_reindex(NEW.id);
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM refman_reindex(OLD.reference_id);
        ELSE
            PERFORM refman_reindex(NEW.reference_id);
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER search_reference_write
        AFTER INSERT OR UPDATE OF title, abstract, venue ON "references"
        FOR EACH ROW WHEN ({NOT_BULK}) EXECUTE FUNCTION refman_index_trigger()""",
    f"""CREATE TRIGGER search_author_write
        AFTER INSERT OR DELETE ON reference_authors
        FOR EACH ROW WHEN ({NOT_BULK}) EXECUTE FUNCTION refman_index_trigger()""",
    f"""INSERT INTO search_documents (reference_id, document)
        SELECT r.id, refman_search_document(r.title, {_AUTHORS}, r.venue, r.abstract)
        FROM "references" r""",
]

CHANNEL = "refman_changes"
_NOTIFY_FUNCTION = f"""CREATE FUNCTION refman_notify_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'tags' THEN
        PERFORM pg_notify('{CHANNEL}', 't');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('{CHANNEL}', 'r:' || (to_jsonb(OLD) ->> TG_ARGV[0]));
    ELSE
        PERFORM pg_notify('{CHANNEL}', 'r:' || (to_jsonb(NEW) ->> TG_ARGV[0]));
    END IF;
    RETURN NULL;
END $$"""
# The table and the column holding the reference id.
_NOTIFYING = {
    "references": "id",
    "reference_tags": "reference_id",
    "reference_authors": "reference_id",
    "notes": "reference_id",
    "attachments": "reference_id",
}
NOTIFY_TRIGGERS = {
    f"notify_{table}": f"""AFTER INSERT OR UPDATE OR DELETE ON "{table}"
        FOR EACH ROW WHEN ({NOT_BULK}) EXECUTE FUNCTION refman_notify_changes('{column}')"""
    for table, column in _NOTIFYING.items()
}
NOTIFY_TRIGGERS["notify_tags"] = f"""AFTER INSERT OR UPDATE OR DELETE ON tags
        FOR EACH STATEMENT WHEN ({NOT_BULK}) EXECUTE FUNCTION refman_notify_changes('tags')"""
# Imported raw texts (most of a library's bytes) compressed with lz4 where the server
# has it: pglz costs an import a fifth of its time.
_LZ4 = """DO $$ BEGIN
    EXECUTE 'ALTER TABLE raw_texts ALTER COLUMN data SET COMPRESSION lz4';
EXCEPTION WHEN others THEN NULL;  -- before PostgreSQL 14, or built without lz4
END $$"""
UPGRADE += [
    _NOTIFY_FUNCTION,
    *(f"CREATE TRIGGER {name} {body}" for name, body in NOTIFY_TRIGGERS.items()),
    _LZ4,
]

DOWNGRADE = [
    *(
        f'DROP TRIGGER IF EXISTS {name} ON "{name.removeprefix("notify_")}"'
        for name in NOTIFY_TRIGGERS
    ),
    "DROP FUNCTION IF EXISTS refman_notify_changes()",
    'DROP TRIGGER IF EXISTS search_reference_write ON "references"',
    "DROP TRIGGER IF EXISTS search_author_write ON reference_authors",
    "DROP FUNCTION IF EXISTS refman_index_trigger()",
    "DROP FUNCTION IF EXISTS refman_reindex(integer)",
    "DROP TABLE IF EXISTS search_documents",
    "DROP FUNCTION IF EXISTS refman_search_document(text, text, text, text)",
    "DROP FUNCTION IF EXISTS refman_fold(text)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DOWNGRADE:
        op.execute(statement)
