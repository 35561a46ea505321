"""Full-text search over employers: one search document per employer, kept current by triggers.

The document holds the employer's name and notes, the names of its non-archived contacts and the
subject, summary and outcome of its non-archived activities. Database triggers on employers,
contacts and activities rewrite it, so every write path (ORM services, bulk Core statements, raw SQL
imports) keeps the index correct without the domain services knowing about search.

Backends:
- SQLite: an FTS5 external-content table over `employer_search` (unicode61 tokenizer with
  remove_diacritics, so "bäcker" and "backer" both find "Bäckerei Müller"), prefix match of every term.
- PostgreSQL: `employer_search_fts` holds each document parsed by `to_tsvector('crm_search', ...)`
  (kept by a trigger on employer_search; positions stripped, nothing ranks or searches phrases)
  with a GIN index; `crm_search` is the `simple`
  configuration plus `unaccent` when that extension can be installed (same folding as on SQLite).

The table is part of the models (Alembic creates it); the rest is raw DDL, created by
`install_search_schema(connection)` — called by `create_all` through a metadata hook and by the migration.
"""

# The SQL strings below are built once at import from constant fragments; no user input reaches them.
# ruff: noqa: S608

import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import (
    DDL,
    Column,
    ForeignKey,
    Integer,
    Select,
    Table,
    Text,
    column,
    event,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection

from crm.extensions import db

# One row per employer; the FTS5 table (SQLite) or the GIN index (PostgreSQL) index `document`.
employer_search = Table(
    "employer_search",
    db.metadata,
    Column("employer_id", Integer, ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True),
    Column("document", Text, nullable=False, server_default=""),
)

# PostgreSQL's parsed documents (raw DDL below, so not in the metadata; on SQLite a virtual table has
# that name). Alembic's autogenerate leaves *_fts tables alone (migrations/env.py).
_pg_fts = table("employer_search_fts", column("employer_id"), column("document"))

# Terms are runs of letters and digits, as the unicode61 tokenizer and PostgreSQL's parser see them.
_TERM = re.compile(r"[^\W_]+")
MAX_TERMS = 8
MAX_TERM_LENGTH = 60


def search_terms(query_text: str | None) -> list[str]:
    """Split user input into lower-case search terms; operators and quotes are ignored, never parsed."""
    if not query_text:
        return []
    normalised = unicodedata.normalize("NFKC", query_text).casefold()
    terms: list[str] = []
    for term in _TERM.findall(normalised):
        term = term[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def search_employer_ids(query_text: str | None) -> Select | None:
    """Return a SELECT of the ids of employers whose document contains every term as a word prefix.

    None when the input has no searchable term (only punctuation or blanks): the caller shows all.
    Archived employers are matched too; the list filters them.
    """
    terms = search_terms(query_text)
    if not terms:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"'{term}':*" for term in terms)
        return select(_pg_fts.c.employer_id).where(
            _pg_fts.c.document.op("@@")(func.to_tsquery(literal_column("'crm_search'::regconfig"), tsquery))
        )
    # FTS5: every term quoted (so AND, OR, NOT, NEAR, * and " are plain text) and marked as a prefix.
    match = " AND ".join(f'"{term}"*' for term in terms)
    return (
        select(literal_column("rowid").label("employer_id"))
        .select_from(text("employer_search_fts"))
        .where(text("employer_search_fts MATCH :fts_match").bindparams(fts_match=match))
    )


# --- The search document, as SQL (used by the triggers and by the rebuild) ---------------------------


def _document_sql(aggregate: str, employer: str) -> str:
    """SQL expression of the search document of the employer whose id is `employer`."""
    return f"""(SELECT e.name || ' ' || coalesce(e.notes, '')
        || ' ' || coalesce((SELECT {aggregate}(coalesce(c.title, '') || ' ' || coalesce(c.first_name, '') || ' '
                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at IS NULL), '')
        || ' ' || coalesce((SELECT {aggregate}(a.subject || ' ' || coalesce(a.summary, '') || ' '
                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id
                AND a.archived_at IS NULL), '')
      FROM employers e WHERE e.id = {employer})"""


def _refresh_sql(aggregate: str, employer: str) -> str:
    """Rewrite one employer's document; a no-op when its row is gone (employer deleted)."""
    return (
        f"UPDATE employer_search SET document = coalesce({_document_sql(aggregate, employer)}, '') "
        f"WHERE employer_id = {employer}"
    )


def _rebuild_sql(aggregate: str) -> str:
    return (
        "INSERT INTO employer_search (employer_id, document) "
        f"SELECT x.id, coalesce({_document_sql(aggregate, 'x.id')}, '') FROM employers x"
    )


# Columns whose change alters a document; UPDATE OF keeps unrelated updates (version, updated_at) cheap.
EMPLOYER_COLUMNS = "name, notes"
CONTACT_COLUMNS = "title, first_name, last_name, archived_at, employer_id"
ACTIVITY_COLUMNS = "subject, summary, outcome, archived_at, employer_id"


def _sqlite_child_triggers(table: str, columns: str) -> list[str]:
    refresh_new = _refresh_sql("group_concat", "NEW.employer_id")
    refresh_old = _refresh_sql("group_concat", "OLD.employer_id")
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_search_ai AFTER INSERT ON {table} BEGIN {refresh_new}; END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_search_ad AFTER DELETE ON {table} BEGIN {refresh_old}; END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_search_au AFTER UPDATE OF {columns} ON {table} BEGIN "
        f"{refresh_new}; {refresh_old} AND OLD.employer_id <> NEW.employer_id; END",
    ]


# External content: the text lives once, in employer_search; FTS5 keeps only the index.
# prefix='2 3' adds prefix indexes so short prefixes ("bä", "bäc") do not scan the whole term list.
SQLITE_FTS_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS employer_search_fts USING fts5(document, content='employer_search', "
    "content_rowid='employer_id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
)
# Keep the FTS index in step with employer_search (the standard external-content triggers).
SQLITE_FTS_TRIGGERS: Sequence[str] = [
    "CREATE TRIGGER IF NOT EXISTS employer_search_fts_ai AFTER INSERT ON employer_search BEGIN "
    "INSERT INTO employer_search_fts (rowid, document) VALUES (NEW.employer_id, NEW.document); END",
    "CREATE TRIGGER IF NOT EXISTS employer_search_fts_ad AFTER DELETE ON employer_search BEGIN "
    "INSERT INTO employer_search_fts (employer_search_fts, rowid, document) "
    "VALUES ('delete', OLD.employer_id, OLD.document); END",
    "CREATE TRIGGER IF NOT EXISTS employer_search_fts_au AFTER UPDATE OF document ON employer_search BEGIN "
    "INSERT INTO employer_search_fts (employer_search_fts, rowid, document) "
    "VALUES ('delete', OLD.employer_id, OLD.document); "
    "INSERT INTO employer_search_fts (rowid, document) VALUES (NEW.employer_id, NEW.document); END",
]
SQLITE_FTS_TRIGGER_NAMES = ("employer_search_fts_ai", "employer_search_fts_ad", "employer_search_fts_au")

SQLITE_DDL: Sequence[str] = [
    SQLITE_FTS_TABLE,
    *SQLITE_FTS_TRIGGERS,
    "CREATE TRIGGER IF NOT EXISTS employers_search_ai AFTER INSERT ON employers BEGIN "
    "INSERT INTO employer_search (employer_id, document) "
    f"VALUES (NEW.id, coalesce({_document_sql('group_concat', 'NEW.id')}, '')); END",
    f"CREATE TRIGGER IF NOT EXISTS employers_search_au AFTER UPDATE OF {EMPLOYER_COLUMNS} ON employers BEGIN "
    f"{_refresh_sql('group_concat', 'NEW.id')}; END",
    *_sqlite_child_triggers("contacts", CONTACT_COLUMNS),
    *_sqlite_child_triggers("activities", ACTIVITY_COLUMNS),
]

SQLITE_DROP_DDL: Sequence[str] = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            *SQLITE_FTS_TRIGGER_NAMES,
            "employers_search_ai",
            "employers_search_au",
            "contacts_search_ai",
            "contacts_search_ad",
            "contacts_search_au",
            "activities_search_ai",
            "activities_search_ad",
            "activities_search_au",
        )
    ),
    "DROP TABLE IF EXISTS employer_search_fts",
]

POSTGRESQL_DDL: Sequence[str] = [
    # `simple` (no stemming, no stop words: firm names are not prose) plus unaccent where it can be
    # installed; without the extension (no privilege) search stays case-insensitive but not accent-blind.
    """DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'crm_search'
                 AND cfgnamespace = current_schema()::regnamespace) THEN
    CREATE TEXT SEARCH CONFIGURATION crm_search (COPY = pg_catalog.simple);
    BEGIN
      CREATE EXTENSION IF NOT EXISTS unaccent;
      ALTER TEXT SEARCH CONFIGURATION crm_search ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
    EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
      RAISE NOTICE 'unaccent is not available; search is case- but not accent-insensitive';
    END;
  END IF;
END $$""",
    # The parsed document is stored: an expression index makes PostgreSQL re-parse every matching
    # document when a common word matches most rows (3 s at 20,000 employers instead of 20 ms).
    "CREATE TABLE IF NOT EXISTS employer_search_fts (employer_id integer PRIMARY KEY "
    "REFERENCES employer_search (employer_id) ON DELETE CASCADE, document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_employer_search_fts_document ON employer_search_fts USING gin (document)",
    """CREATE OR REPLACE FUNCTION employer_search_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO employer_search_fts (employer_id, document)
  VALUES (NEW.employer_id, strip(to_tsvector('crm_search'::regconfig, NEW.document)))
  ON CONFLICT (employer_id) DO UPDATE SET document = EXCLUDED.document;
  RETURN NULL;
END $$""",
    "DROP TRIGGER IF EXISTS employer_search_fts_sync ON employer_search",
    "CREATE TRIGGER employer_search_fts_sync AFTER INSERT OR UPDATE OF document ON employer_search "
    "FOR EACH ROW EXECUTE FUNCTION employer_search_fts_sync()",
    f"""CREATE OR REPLACE FUNCTION employer_search_refresh(target integer) RETURNS void LANGUAGE sql AS $$
{_refresh_sql("string_agg", "target")}
$$""",
    f"""CREATE OR REPLACE FUNCTION employer_search_on_employer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO employer_search (employer_id, document)
    VALUES (NEW.id, coalesce({_document_sql("string_agg", "NEW.id")}, ''));
  ELSE
    PERFORM employer_search_refresh(NEW.id);
  END IF;
  RETURN NULL;
END $$""",
    """CREATE OR REPLACE FUNCTION employer_search_on_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    PERFORM employer_search_refresh(NEW.employer_id);
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.employer_id <> NEW.employer_id) THEN
    PERFORM employer_search_refresh(OLD.employer_id);
  END IF;
  RETURN NULL;
END $$""",
    "DROP TRIGGER IF EXISTS employers_search ON employers",
    f"CREATE TRIGGER employers_search AFTER INSERT OR UPDATE OF {EMPLOYER_COLUMNS} ON employers "
    "FOR EACH ROW EXECUTE FUNCTION employer_search_on_employer()",
    "DROP TRIGGER IF EXISTS contacts_search ON contacts",
    f"CREATE TRIGGER contacts_search AFTER INSERT OR DELETE OR UPDATE OF {CONTACT_COLUMNS} ON contacts "
    "FOR EACH ROW EXECUTE FUNCTION employer_search_on_child()",
    "DROP TRIGGER IF EXISTS activities_search ON activities",
    f"CREATE TRIGGER activities_search AFTER INSERT OR DELETE OR UPDATE OF {ACTIVITY_COLUMNS} ON activities "
    "FOR EACH ROW EXECUTE FUNCTION employer_search_on_child()",
]

POSTGRESQL_DROP_DDL: Sequence[str] = [
    "DROP TRIGGER IF EXISTS employers_search ON employers",
    "DROP TRIGGER IF EXISTS contacts_search ON contacts",
    "DROP TRIGGER IF EXISTS activities_search ON activities",
    "DROP FUNCTION IF EXISTS employer_search_on_employer()",
    "DROP FUNCTION IF EXISTS employer_search_on_child()",
    "DROP FUNCTION IF EXISTS employer_search_refresh(integer)",
    "DROP TRIGGER IF EXISTS employer_search_fts_sync ON employer_search",
    "DROP FUNCTION IF EXISTS employer_search_fts_sync()",
    "DROP TABLE IF EXISTS employer_search_fts",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS crm_search",
]

_DDL = {"sqlite": SQLITE_DDL, "postgresql": POSTGRESQL_DDL}
_DROP_DDL = {"sqlite": SQLITE_DROP_DDL, "postgresql": POSTGRESQL_DROP_DDL}
_AGGREGATE = {"sqlite": "group_concat", "postgresql": "string_agg"}


def install_search_schema(connection: Connection) -> None:
    """Create the FTS table or index, the triggers and functions (idempotent), then fill the index.

    The `employer_search` table must exist (create_all or the migration's create_table).
    """
    for statement in _DDL[connection.dialect.name]:
        connection.execute(DDL(statement))
    rebuild_search_index(connection)


def drop_search_schema(connection: Connection) -> None:
    """Remove the triggers, functions and FTS objects; the `employer_search` table stays (it is a model)."""
    for statement in _DROP_DDL[connection.dialect.name]:
        connection.execute(DDL(statement))


def rebuild_search_index(connection: Connection | None = None) -> int:
    """Recompute every employer's search document and re-index; the caller commits. Return the count."""
    connection = connection or db.session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        # An FTS5 'delete' of text the index does not hold corrupts it, and the index may be out of
        # step (that is why one rebuilds): detach the sync triggers, rewrite, let FTS5 re-read everything.
        for name in SQLITE_FTS_TRIGGER_NAMES:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    connection.execute(employer_search.delete())
    connection.execute(text(_rebuild_sql(_AGGREGATE[dialect])))
    if dialect == "sqlite":
        connection.execute(text("INSERT INTO employer_search_fts (employer_search_fts) VALUES ('rebuild')"))
        for statement in SQLITE_FTS_TRIGGERS:
            connection.execute(text(statement))
    return connection.scalar(select(func.count()).select_from(employer_search)) or 0


# create_all / drop_all build and remove the raw objects too (tests, `crm init` on a fresh database).
for _dialect, _statements in _DDL.items():
    for _statement in _statements:
        event.listen(db.metadata, "after_create", DDL(_statement).execute_if(dialect=_dialect))
for _dialect, _statements in _DROP_DDL.items():
    for _statement in _statements:
        event.listen(db.metadata, "before_drop", DDL(_statement).execute_if(dialect=_dialect))
