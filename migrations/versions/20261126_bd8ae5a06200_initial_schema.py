"""initial schema

Revision ID: bd8ae5a06200
Revises:
Create Date: 2026-11-26 10:49:31.855974

"""

from alembic import op
import sqlalchemy as sa
import crm.db


# revision identifiers, used by Alembic.
revision = "bd8ae5a06200"
down_revision = None
branch_labels = None
depends_on = None


# Raw SQL the models cannot express, frozen here as it was when this migration was written
# (crm.employers.search and crm.reports.models hold the current versions for create_all in tests).
SEARCH_DDL = {
    "sqlite": [
        "CREATE VIRTUAL TABLE IF NOT EXISTS employer_search_fts USING fts5(document, "
        "content='employer_search', content_rowid='employer_id', tokenize='unicode61 remove_diacritics 2', "
        "prefix='2 3')",
        "CREATE TRIGGER IF NOT EXISTS employer_search_fts_ai AFTER INSERT ON employer_search BEGIN INSERT "
        "INTO employer_search_fts (rowid, document) VALUES (NEW.employer_id, NEW.document); END",
        "CREATE TRIGGER IF NOT EXISTS employer_search_fts_ad AFTER DELETE ON employer_search BEGIN INSERT "
        "INTO employer_search_fts (employer_search_fts, rowid, document) VALUES ('delete', OLD.employer_id, "
        "OLD.document); END",
        "CREATE TRIGGER IF NOT EXISTS employer_search_fts_au AFTER UPDATE OF document ON employer_search "
        "BEGIN INSERT INTO employer_search_fts (employer_search_fts, rowid, document) VALUES ('delete', "
        "OLD.employer_id, OLD.document); INSERT INTO employer_search_fts (rowid, document) VALUES "
        "(NEW.employer_id, NEW.document); END",
        "CREATE TRIGGER IF NOT EXISTS employers_search_ai AFTER INSERT ON employers BEGIN INSERT INTO "
        "employer_search (employer_id, document) VALUES (NEW.id, coalesce((SELECT e.name || ' ' || "
        "coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = NEW.id), '')); END",
        "CREATE TRIGGER IF NOT EXISTS employers_search_au AFTER UPDATE OF name, notes ON employers BEGIN "
        "UPDATE employer_search SET document = coalesce((SELECT e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = NEW.id), '') WHERE employer_id = NEW.id; END",
        "CREATE TRIGGER IF NOT EXISTS contacts_search_ai AFTER INSERT ON contacts BEGIN UPDATE "
        "employer_search SET document = coalesce((SELECT e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = NEW.employer_id), '') WHERE employer_id = NEW.employer_id; END",
        "CREATE TRIGGER IF NOT EXISTS contacts_search_ad AFTER DELETE ON contacts BEGIN UPDATE "
        "employer_search SET document = coalesce((SELECT e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = OLD.employer_id), '') WHERE employer_id = OLD.employer_id; END",
        "CREATE TRIGGER IF NOT EXISTS contacts_search_au AFTER UPDATE OF title, first_name, last_name, "
        "archived_at, employer_id ON contacts BEGIN UPDATE employer_search SET document = coalesce((SELECT "
        "e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = NEW.employer_id), '') WHERE employer_id = NEW.employer_id; "
        "UPDATE employer_search SET document = coalesce((SELECT e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = OLD.employer_id), '') WHERE employer_id = OLD.employer_id AND "
        "OLD.employer_id <> NEW.employer_id; END",
        "CREATE TRIGGER IF NOT EXISTS activities_search_ai AFTER INSERT ON activities BEGIN UPDATE "
        "employer_search SET document = coalesce((SELECT e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = NEW.employer_id), '') WHERE employer_id = NEW.employer_id; END",
        "CREATE TRIGGER IF NOT EXISTS activities_search_ad AFTER DELETE ON activities BEGIN UPDATE "
        "employer_search SET document = coalesce((SELECT e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = OLD.employer_id), '') WHERE employer_id = OLD.employer_id; END",
        "CREATE TRIGGER IF NOT EXISTS activities_search_au AFTER UPDATE OF subject, summary, outcome, "
        "archived_at, employer_id ON activities BEGIN UPDATE employer_search SET document = coalesce((SELECT "
        "e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = NEW.employer_id), '') WHERE employer_id = NEW.employer_id; "
        "UPDATE employer_search SET document = coalesce((SELECT e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT group_concat(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT group_concat(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = OLD.employer_id), '') WHERE employer_id = OLD.employer_id AND "
        "OLD.employer_id <> NEW.employer_id; END",
    ],
    "postgresql": [
        "DO $$\n"
        "BEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'crm_search'\n"
        "                 AND cfgnamespace = current_schema()::regnamespace) THEN\n"
        "    CREATE TEXT SEARCH CONFIGURATION crm_search (COPY = pg_catalog.simple);\n"
        "    BEGIN\n"
        "      CREATE EXTENSION IF NOT EXISTS unaccent;\n"
        "      ALTER TEXT SEARCH CONFIGURATION crm_search ALTER MAPPING FOR hword, hword_part, word WITH "
        "unaccent, simple;\n"
        "    EXCEPTION WHEN insufficient_privilege OR undefined_file THEN\n"
        "      RAISE NOTICE 'unaccent is not available; search is case- but not accent-insensitive';\n"
        "    END;\n"
        "  END IF;\n"
        "END $$",
        "CREATE TABLE IF NOT EXISTS employer_search_fts (employer_id integer PRIMARY KEY REFERENCES "
        "employer_search (employer_id) ON DELETE CASCADE, document tsvector NOT NULL)",
        "CREATE INDEX IF NOT EXISTS ix_employer_search_fts_document ON employer_search_fts USING gin (document)",
        "CREATE OR REPLACE FUNCTION employer_search_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  INSERT INTO employer_search_fts (employer_id, document)\n"
        "  VALUES (NEW.employer_id, strip(to_tsvector('crm_search'::regconfig, NEW.document)))\n"
        "  ON CONFLICT (employer_id) DO UPDATE SET document = EXCLUDED.document;\n"
        "  RETURN NULL;\n"
        "END $$",
        "DROP TRIGGER IF EXISTS employer_search_fts_sync ON employer_search",
        "CREATE TRIGGER employer_search_fts_sync AFTER INSERT OR UPDATE OF document ON employer_search FOR "
        "EACH ROW EXECUTE FUNCTION employer_search_fts_sync()",
        "CREATE OR REPLACE FUNCTION employer_search_refresh(target integer) RETURNS void LANGUAGE sql AS $$\n"
        "UPDATE employer_search SET document = coalesce((SELECT e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT string_agg(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT string_agg(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = target), '') WHERE employer_id = target\n"
        "$$",
        "CREATE OR REPLACE FUNCTION employer_search_on_employer() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  IF TG_OP = 'INSERT' THEN\n"
        "    INSERT INTO employer_search (employer_id, document)\n"
        "    VALUES (NEW.id, coalesce((SELECT e.name || ' ' || coalesce(e.notes, '')\n"
        "        || ' ' || coalesce((SELECT string_agg(coalesce(c.title, '') || ' ' || "
        "coalesce(c.first_name, '') || ' '\n"
        "                || c.last_name, ' ') FROM contacts c WHERE c.employer_id = e.id AND c.archived_at "
        "IS NULL), '')\n"
        "        || ' ' || coalesce((SELECT string_agg(a.subject || ' ' || coalesce(a.summary, '') || ' '\n"
        "                || coalesce(a.outcome, ''), ' ') FROM activities a WHERE a.employer_id = e.id\n"
        "                AND a.archived_at IS NULL), '')\n"
        "      FROM employers e WHERE e.id = NEW.id), ''));\n"
        "  ELSE\n"
        "    PERFORM employer_search_refresh(NEW.id);\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END $$",
        "CREATE OR REPLACE FUNCTION employer_search_on_child() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    PERFORM employer_search_refresh(NEW.employer_id);\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.employer_id <> NEW.employer_id) THEN\n"
        "    PERFORM employer_search_refresh(OLD.employer_id);\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END $$",
        "DROP TRIGGER IF EXISTS employers_search ON employers",
        "CREATE TRIGGER employers_search AFTER INSERT OR UPDATE OF name, notes ON employers FOR EACH ROW "
        "EXECUTE FUNCTION employer_search_on_employer()",
        "DROP TRIGGER IF EXISTS contacts_search ON contacts",
        "CREATE TRIGGER contacts_search AFTER INSERT OR DELETE OR UPDATE OF title, first_name, last_name, "
        "archived_at, employer_id ON contacts FOR EACH ROW EXECUTE FUNCTION employer_search_on_child()",
        "DROP TRIGGER IF EXISTS activities_search ON activities",
        "CREATE TRIGGER activities_search AFTER INSERT OR DELETE OR UPDATE OF subject, summary, outcome, "
        "archived_at, employer_id ON activities FOR EACH ROW EXECUTE FUNCTION employer_search_on_child()",
    ],
}
SEARCH_DROP_DDL = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS employer_search_fts_ai",
        "DROP TRIGGER IF EXISTS employer_search_fts_ad",
        "DROP TRIGGER IF EXISTS employer_search_fts_au",
        "DROP TRIGGER IF EXISTS employers_search_ai",
        "DROP TRIGGER IF EXISTS employers_search_au",
        "DROP TRIGGER IF EXISTS contacts_search_ai",
        "DROP TRIGGER IF EXISTS contacts_search_ad",
        "DROP TRIGGER IF EXISTS contacts_search_au",
        "DROP TRIGGER IF EXISTS activities_search_ai",
        "DROP TRIGGER IF EXISTS activities_search_ad",
        "DROP TRIGGER IF EXISTS activities_search_au",
        "DROP TABLE IF EXISTS employer_search_fts",
    ],
    "postgresql": [
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
    ],
}
SQLITE_ACTIVITY_MONTH_INDEX = "CREATE INDEX IF NOT EXISTS ix_activities_month_report ON activities (substr(occurred_at, 1, 7), user_id, kind, occurred_at, archived_at, employer_id)"


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "arguments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("handout", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arguments")),
        sa.UniqueConstraint("name", name=op.f("uq_arguments_name")),
    )
    op.create_table(
        "duoday_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("organiser", sa.String(length=200), nullable=True),
        sa.Column("registration_deadline", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duoday_events")),
        sa.UniqueConstraint("year", "region", name=op.f("uq_duoday_events_year_region")),
    )
    with op.batch_alter_table("duoday_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duoday_events_year"), ["year"], unique=False)

    op.create_table(
        "industries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industries")),
        sa.UniqueConstraint("name", name=op.f("uq_industries_name")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_address_at", ["address", "at"], unique=False)
        batch_op.create_index("ix_login_attempts_email_at", ["email", "at"], unique=False)

    op.create_table(
        "network_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "employment_agency",
                "integration_office",
                "chamber",
                "provider",
                "school",
                "association",
                "other",
                name="partner_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_partners")),
        sa.UniqueConstraint("name", name=op.f("uq_network_partners_name")),
    )
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
        sa.UniqueConstraint("name", name=op.f("uq_objections_name")),
    )
    op.create_table(
        "scheduler_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_locks")),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_sites_name")),
    )
    op.create_table(
        "stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("pipeline", "side", name="stagekind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("requires_reason", sa.Boolean(), nullable=False),
        sa.Column("blocks_contact", sa.Boolean(), nullable=False),
        sa.Column("cadence_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
        sa.UniqueConstraint("key", name=op.f("uq_stages_key")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "acquisition",
                "coach",
                "viewer",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_users_site_id_sites"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("session_token", name=op.f("uq_users_session_token")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column(
            "scope",
            sa.Enum("read", "write", name="api_token_scope", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_entries_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_entries_entity", ["entity_type", "entity_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_user_id"), ["user_id"], unique=False)

    op.create_table(
        "employers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("normalized_name", sa.String(length=200), nullable=False),
        sa.Column("legal_form", sa.String(length=40), nullable=True),
        sa.Column("industry_id", sa.Integer(), nullable=True),
        sa.Column(
            "size_class",
            sa.Enum(
                "1-9",
                "10-19",
                "20-39",
                "40-59",
                "60-249",
                "250+",
                name="sizeclass",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=5), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("accessibility_notes", sa.Text(), nullable=True),
        sa.Column("transport_notes", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "cold",
                "network",
                "referral",
                "job_posting",
                "duoday",
                "event",
                "inbound",
                "other",
                name="employersource",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("stage_changed_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_contact_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("do_not_approach_before", sa.Date(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["industry_id"], ["industries.id"], name=op.f("fk_employers_industry_id_industries"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_employers_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_employers_site_id_sites"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["stage_id"], ["stages.id"], name=op.f("fk_employers_stage_id_stages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employers")),
    )
    with op.batch_alter_table("employers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_employers_cadence", ["stage_id", "archived_at", "last_contact_at", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_employers_district"), ["district"], unique=False)
        batch_op.create_index(batch_op.f("ix_employers_industry_id"), ["industry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_employers_last_contact_at"), ["last_contact_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_employers_normalized_name"), ["normalized_name"], unique=False)
        batch_op.create_index("ix_employers_normalized_name_postcode", ["normalized_name", "postcode"], unique=False)
        batch_op.create_index(batch_op.f("ix_employers_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_employers_postcode"), ["postcode"], unique=False)
        batch_op.create_index(
            "ix_employers_report", ["created_at", "archived_at", "site_id", "stage_id", "source"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_employers_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            "ix_employers_stage_board", ["stage_id", "archived_at", "stage_changed_at", "id"], unique=False
        )
        batch_op.create_index("ix_employers_stage_name", ["stage_id", "name"], unique=False)
        batch_op.create_index("ix_employers_stage_owner", ["stage_id", "archived_at", "owner_id"], unique=False)

    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "uploaded",
                "previewed",
                "committed",
                "undone",
                "discarded",
                name="importstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("committed_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["undone_by_id"], ["users.id"], name=op.f("fk_import_runs_undone_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_import_runs_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_runs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "legal_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("unit", sa.String(length=10), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("reviewed_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_legal_facts_reviewed_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_facts")),
        sa.UniqueConstraint("key", "valid_from", name=op.f("uq_legal_facts_key_valid_from")),
    )
    with op.batch_alter_table("legal_facts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_facts_key"), ["key"], unique=False)

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("covers_date", sa.Date(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=250), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "sent", "failed", name="outboxstatus", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_outbox_messages_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_messages_dedupe_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_status_next", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_user_id"), ["user_id"], unique=False)

    op.create_table(
        "quota_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workforce_size", sa.Integer(), nullable=False),
        sa.Column("outside_count", sa.Integer(), nullable=True),
        sa.Column("baseline_percent", sa.Numeric(precision=4, scale=1), nullable=False),
        sa.Column("baseline_date", sa.Date(), nullable=False),
        sa.Column("goal_percent", sa.Numeric(precision=4, scale=1), nullable=False),
        sa.Column("goal_year", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "baseline_percent >= 0 AND baseline_percent <= 100", name=op.f("ck_quota_settings_baseline_percent_range")
        ),
        sa.CheckConstraint(
            "goal_percent >= 0 AND goal_percent <= 100", name=op.f("ck_quota_settings_goal_percent_range")
        ),
        sa.CheckConstraint("workforce_size > 0", name=op.f("ck_quota_settings_workforce_positive")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_quota_settings_updated_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_settings")),
    )
    op.create_table(
        "reminder_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest_enabled", sa.Boolean(), nullable=False),
        sa.Column("digest_time", sa.Time(), nullable=False),
        sa.Column("calendar_key", sa.String(length=64), nullable=True),
        sa.Column("calendar_created_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reminder_settings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_settings")),
        sa.UniqueConstraint("calendar_key", name=op.f("uq_reminder_settings_calendar_key")),
        sa.UniqueConstraint("user_id", name=op.f("uq_reminder_settings_user_id")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column(
            "salutation",
            sa.Enum("ms", "mr", "none", name="salutation", native_enum=False, create_constraint=True, length=32),
            nullable=True,
        ),
        sa.Column("title", sa.String(length=40), nullable=True),
        sa.Column("first_name", sa.String(length=80), nullable=True),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("function", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("mobile", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "preferred_channel",
            sa.Enum(
                "phone",
                "mobile",
                "email",
                "letter",
                "visit",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("has_left", sa.Boolean(), nullable=False),
        sa.Column("do_not_contact", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("data_source", sa.String(length=200), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_contacts_employer_id_employers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_employer_id"), ["employer_id"], unique=False)
        batch_op.create_index(
            "uq_contacts_primary_employer",
            ["employer_id"],
            unique=True,
            sqlite_where=sa.text("is_primary"),
            postgresql_where=sa.text("is_primary"),
        )

    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("covers_date", sa.Date(), nullable=False),
        sa.Column("queued", sa.Boolean(), nullable=False),
        sa.Column("overdue_count", sa.Integer(), nullable=False),
        sa.Column("today_count", sa.Integer(), nullable=False),
        sa.Column("contact_count", sa.Integer(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_digest_runs_outbox_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_digest_runs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_runs")),
        sa.UniqueConstraint("user_id", "covers_date", name=op.f("uq_digest_runs_user_id_covers_date")),
    )
    with op.batch_alter_table("digest_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_runs_covers_date"), ["covers_date"], unique=False)

    op.create_table(
        "employer_search",
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_employer_search_employer_id_employers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("employer_id", name=op.f("pk_employer_search")),
    )
    op.create_table(
        "employer_tags",
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_employer_tags_employer_id_employers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_employer_tags_tag_id_tags"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("employer_id", "tag_id", name=op.f("pk_employer_tags")),
    )
    with op.batch_alter_table("employer_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employer_tags_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "imported_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("version_after", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_runs.id"],
            name=op.f("fk_imported_records_import_id_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_records")),
    )
    with op.batch_alter_table("imported_records", schema=None) as batch_op:
        batch_op.create_index("ix_imported_records_entity", ["entity_type", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_imported_records_import_id"), ["import_id"], unique=False)

    op.create_table(
        "provider_involvements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_provider_involvements_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["network_partners.id"], name=op.f("fk_provider_involvements_partner_id_network_partners")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_provider_involvements_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_involvements")),
        sa.UniqueConstraint("employer_id", "partner_id", name=op.f("uq_provider_involvements_employer_id_partner_id")),
    )
    with op.batch_alter_table("provider_involvements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_involvements_employer_id"), ["employer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_provider_involvements_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("to_stage_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_stage_changes_changed_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_stage_changes_employer_id_employers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["from_stage_id"], ["stages.id"], name=op.f("fk_stage_changes_from_stage_id_stages")),
        sa.ForeignKeyConstraint(["to_stage_id"], ["stages.id"], name=op.f("fk_stage_changes_to_stage_id_stages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_changes")),
    )
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.create_index("ix_stage_changes_employer_at", ["employer_id", "changed_at"], unique=False)
        batch_op.create_index("ix_stage_changes_report", ["employer_id", "changed_at", "to_stage_id"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "call",
                "email",
                "visit",
                "meeting",
                "event",
                "letter",
                "note",
                name="activity_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occurred_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_activities_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_activities_employer_id_employers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_activities_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_activities_employer_occurred", ["employer_id", "occurred_at"], unique=False)
        batch_op.create_index(
            "ix_activities_report", ["occurred_at", "archived_at", "user_id", "kind", "employer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_activities_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_activities_user_occurred", ["user_id", "occurred_at"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referred_id", sa.Integer(), nullable=False),
        sa.Column("referrer_employer_id", sa.Integer(), nullable=True),
        sa.Column("referrer_contact_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("thanks_handled_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("thanks_followup_id", sa.Integer(), nullable=True),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(referrer_employer_id IS NULL) <> (partner_id IS NULL)", name=op.f("ck_referrals_one_referrer")
        ),
        sa.CheckConstraint(
            "referrer_employer_id IS NULL OR referrer_employer_id <> referred_id", name=op.f("ck_referrals_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_referrals_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["network_partners.id"], name=op.f("fk_referrals_partner_id_network_partners")
        ),
        sa.ForeignKeyConstraint(
            ["referred_id"], ["employers.id"], name=op.f("fk_referrals_referred_id_employers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["referrer_contact_id"],
            ["contacts.id"],
            name=op.f("fk_referrals_referrer_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_employer_id"],
            ["employers.id"],
            name=op.f("fk_referrals_referrer_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index("ix_referrals_partner", ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_referred_id"), ["referred_id"], unique=False)
        batch_op.create_index("ix_referrals_referrer_employer", ["referrer_employer_id"], unique=False)

    op.create_table(
        "employer_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "resolved",
                name="employer_objection_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("is_decline_reason", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("raised_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_employer_objections_activity_id_activities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_employer_objections_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objection_id"], ["objections.id"], name=op.f("fk_employer_objections_objection_id_objections")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_employer_objections_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_objections")),
    )
    with op.batch_alter_table("employer_objections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employer_objections_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index("ix_employer_objections_employer_status", ["employer_id", "status"], unique=False)
        batch_op.create_index("ix_employer_objections_objection_raised", ["objection_id", "raised_at"], unique=False)

    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("assigned_to_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("due_time", sa.Time(), nullable=True),
        sa.Column(
            "priority",
            sa.Enum(
                "low", "normal", "high", name="followup_priority", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "done",
                "cancelled",
                name="followup_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("repeat_every", sa.Integer(), nullable=True),
        sa.Column(
            "repeat_unit",
            sa.Enum(
                "days",
                "weeks",
                "months",
                name="followup_repeat_unit",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("done_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("(repeat_every IS NULL) = (repeat_unit IS NULL)", name=op.f("ck_followups_repeat_complete")),
        sa.CheckConstraint("repeat_every IS NULL OR repeat_every > 0", name=op.f("ck_followups_repeat_every_positive")),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_followups_activity_id_activities"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["assigned_to_id"], ["users.id"], name=op.f("fk_followups_assigned_to_id_users")),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["users.id"], name=op.f("fk_followups_cancelled_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_followups_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_followups_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_followups_done_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_followups_employer_id_employers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"], ["followups.id"], name=op.f("fk_followups_previous_id_followups"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followups_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(
            "ix_followups_assignee_status_due", ["assigned_to_id", "status", "due_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_followups_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_followups_employer_status_due", ["employer_id", "status", "due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_followups_previous_id"), ["previous_id"], unique=False)
        batch_op.create_index("ix_followups_status_due", ["status", "due_date"], unique=False)

    op.create_table(
        "argument_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("argument_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "resolved",
                "partly",
                "not_resolved",
                "open",
                name="argument_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("used_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_argument_uses_activity_id_activities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["argument_id"], ["arguments.id"], name=op.f("fk_argument_uses_argument_id_arguments")),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["employer_objections.id"],
            name=op.f("fk_argument_uses_record_id_employer_objections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"], ["users.id"], name=op.f("fk_argument_uses_used_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_argument_uses")),
    )
    with op.batch_alter_table("argument_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_argument_uses_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index("ix_argument_uses_argument_outcome", ["argument_id", "outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_argument_uses_record_id"), ["record_id"], unique=False)

    op.create_table(
        "duoday_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_duoday_invitations_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_duoday_invitations_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followups.id"],
            name=op.f("fk_duoday_invitations_followup_id_followups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duoday_invitations")),
        sa.UniqueConstraint("employer_id", "year", name=op.f("uq_duoday_invitations_employer_id_year")),
    )
    op.create_table(
        "duoday_participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("participant_ref", sa.String(length=20), nullable=True),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column("job_area", sa.String(length=120), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "confirmed",
                "done",
                "cancelled",
                name="duoday_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "none",
                "taster",
                "trial",
                "placement",
                name="duoday_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("reminder_followup_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["users.id"], name=op.f("fk_duoday_participations_coach_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_duoday_participations_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_duoday_participations_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_duoday_participations_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["duoday_events.id"],
            name=op.f("fk_duoday_participations_event_id_duoday_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reminder_followup_id"],
            ["followups.id"],
            name=op.f("fk_duoday_participations_reminder_followup_id_followups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duoday_participations")),
    )
    with op.batch_alter_table("duoday_participations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duoday_participations_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index("ix_duoday_participations_employer_event", ["employer_id", "event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_duoday_participations_event_id"), ["event_id"], unique=False)

    op.create_table(
        "followup_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("snoozed_by_id", sa.Integer(), nullable=True),
        sa.Column("snoozed_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followups.id"],
            name=op.f("fk_followup_snoozes_followup_id_followups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snoozed_by_id"], ["users.id"], name=op.f("fk_followup_snoozes_snoozed_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_snoozes")),
    )
    with op.batch_alter_table("followup_snoozes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_snoozes_followup_id"), ["followup_id"], unique=False)

    op.create_table(
        "job_postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("poster_text", sa.String(length=600), nullable=True),
        sa.Column(
            "posting_type",
            sa.Enum(
                "individual",
                "group",
                "bfa",
                "bfau",
                "taster",
                "trial",
                name="posting_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("hours_per_week", sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("requirements", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("application_deadline", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "filled",
                "closed",
                name="posting_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("contact_user_id", sa.Integer(), nullable=True),
        sa.Column("board_site_id", sa.Integer(), nullable=True),
        sa.Column("displayed_until", sa.Date(), nullable=True),
        sa.Column("taken_down_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("takedown_followup_id", sa.Integer(), nullable=True),
        sa.Column("filled_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "hours_per_week IS NULL OR (hours_per_week > 0 AND hours_per_week <= 60)",
            name=op.f("ck_job_postings_hours_range"),
        ),
        sa.CheckConstraint("places >= 1", name=op.f("ck_job_postings_places_positive")),
        sa.ForeignKeyConstraint(
            ["board_site_id"], ["sites.id"], name=op.f("fk_job_postings_board_site_id_sites"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contact_user_id"], ["users.id"], name=op.f("fk_job_postings_contact_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_job_postings_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_job_postings_employer_id_employers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["takedown_followup_id"],
            ["followups.id"],
            name=op.f("fk_job_postings_takedown_followup_id_followups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_postings")),
    )
    with op.batch_alter_table("job_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_postings_board_site_id"), ["board_site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_postings_district"), ["district"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_postings_employer_id"), ["employer_id"], unique=False)
        batch_op.create_index("ix_job_postings_status_type", ["status", "posting_type"], unique=False)

    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=True),
        sa.Column("participation_id", sa.Integer(), nullable=True),
        sa.Column("participant_ref", sa.String(length=20), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column(
            "placement_type",
            sa.Enum(
                "taster",
                "trial",
                "individual_temporary",
                "individual_permanent",
                "group",
                "bfa",
                "bfau",
                "regular",
                name="placement_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "permanent_move",
                "returned",
                "ended_by_participant",
                "ended_by_employer",
                "other",
                name="placement_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("mentor_name", sa.String(length=120), nullable=True),
        sa.Column("safety_instruction_done", sa.Boolean(), nullable=False),
        sa.Column("protective_equipment_agreed", sa.Boolean(), nullable=False),
        sa.Column("occupational_checkup_agreed", sa.Boolean(), nullable=False),
        sa.Column("risk_assessment_date", sa.Date(), nullable=True),
        sa.Column("safety_followup_id", sa.Integer(), nullable=True),
        sa.Column("funding_body", sa.String(length=200), nullable=True),
        sa.Column("subsidy_percent", sa.Integer(), nullable=True),
        sa.Column("approval_from", sa.Date(), nullable=True),
        sa.Column("approval_until", sa.Date(), nullable=True),
        sa.Column("funding_followup_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_at", crm.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "subsidy_percent IS NULL OR (subsidy_percent >= 0 AND subsidy_percent <= 100)",
            name=op.f("ck_placements_subsidy_percent_range"),
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["users.id"], name=op.f("fk_placements_coach_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_placements_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_placements_employer_id_employers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["funding_followup_id"],
            ["followups.id"],
            name=op.f("fk_placements_funding_followup_id_followups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["duoday_participations.id"],
            name=op.f("fk_placements_participation_id_duoday_participations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["job_postings.id"], name=op.f("fk_placements_posting_id_job_postings"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["safety_followup_id"],
            ["followups.id"],
            name=op.f("fk_placements_safety_followup_id_followups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placements_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index("ix_placements_employer_start", ["employer_id", "start_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_participation_id"), ["participation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_posting_id"), ["posting_id"], unique=False)

    op.create_table(
        "placement_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column(
            "placement_type",
            sa.Enum(
                "taster",
                "trial",
                "individual_temporary",
                "individual_permanent",
                "group",
                "bfa",
                "bfau",
                "regular",
                name="placement_phase_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", crm.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_placement_phases_employer_id_employers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_placement_phases_placement_id_placements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_placement_phases_recorded_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_phases")),
    )
    with op.batch_alter_table("placement_phases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placement_phases_employer_id"), ["employer_id"], unique=False)
        batch_op.create_index("ix_placement_phases_placement_start", ["placement_id", "start_date"], unique=False)

    # ### end Alembic commands ###

    dialect = op.get_bind().dialect.name
    for statement in SEARCH_DDL.get(dialect, []):
        op.execute(statement)
    if dialect == "sqlite":
        op.execute(SQLITE_ACTIVITY_MONTH_INDEX)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_activities_month_report")
    for statement in SEARCH_DROP_DDL.get(dialect, []):
        op.execute(statement)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("placement_phases", schema=None) as batch_op:
        batch_op.drop_index("ix_placement_phases_placement_start")
        batch_op.drop_index(batch_op.f("ix_placement_phases_employer_id"))

    op.drop_table("placement_phases")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placements_posting_id"))
        batch_op.drop_index(batch_op.f("ix_placements_participation_id"))
        batch_op.drop_index("ix_placements_employer_start")
        batch_op.drop_index(batch_op.f("ix_placements_coach_id"))

    op.drop_table("placements")
    with op.batch_alter_table("job_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_job_postings_status_type")
        batch_op.drop_index(batch_op.f("ix_job_postings_employer_id"))
        batch_op.drop_index(batch_op.f("ix_job_postings_district"))
        batch_op.drop_index(batch_op.f("ix_job_postings_board_site_id"))

    op.drop_table("job_postings")
    with op.batch_alter_table("followup_snoozes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_snoozes_followup_id"))

    op.drop_table("followup_snoozes")
    with op.batch_alter_table("duoday_participations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duoday_participations_event_id"))
        batch_op.drop_index("ix_duoday_participations_employer_event")
        batch_op.drop_index(batch_op.f("ix_duoday_participations_coach_id"))

    op.drop_table("duoday_participations")
    op.drop_table("duoday_invitations")
    with op.batch_alter_table("argument_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_argument_uses_record_id"))
        batch_op.drop_index("ix_argument_uses_argument_outcome")
        batch_op.drop_index(batch_op.f("ix_argument_uses_activity_id"))

    op.drop_table("argument_uses")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_status_due")
        batch_op.drop_index(batch_op.f("ix_followups_previous_id"))
        batch_op.drop_index("ix_followups_employer_status_due")
        batch_op.drop_index(batch_op.f("ix_followups_contact_id"))
        batch_op.drop_index("ix_followups_assignee_status_due")
        batch_op.drop_index(batch_op.f("ix_followups_activity_id"))

    op.drop_table("followups")
    with op.batch_alter_table("employer_objections", schema=None) as batch_op:
        batch_op.drop_index("ix_employer_objections_objection_raised")
        batch_op.drop_index("ix_employer_objections_employer_status")
        batch_op.drop_index(batch_op.f("ix_employer_objections_activity_id"))

    op.drop_table("employer_objections")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_referrer_employer")
        batch_op.drop_index(batch_op.f("ix_referrals_referred_id"))
        batch_op.drop_index("ix_referrals_partner")

    op.drop_table("referrals")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_user_occurred")
        batch_op.drop_index(batch_op.f("ix_activities_user_id"))
        batch_op.drop_index("ix_activities_report")
        batch_op.drop_index("ix_activities_employer_occurred")
        batch_op.drop_index(batch_op.f("ix_activities_contact_id"))

    op.drop_table("activities")
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_changes_report")
        batch_op.drop_index("ix_stage_changes_employer_at")

    op.drop_table("stage_changes")
    with op.batch_alter_table("provider_involvements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_involvements_partner_id"))
        batch_op.drop_index(batch_op.f("ix_provider_involvements_employer_id"))

    op.drop_table("provider_involvements")
    with op.batch_alter_table("imported_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_records_import_id"))
        batch_op.drop_index("ix_imported_records_entity")

    op.drop_table("imported_records")
    with op.batch_alter_table("employer_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employer_tags_tag_id"))

    op.drop_table("employer_tags")
    op.drop_table("employer_search")
    with op.batch_alter_table("digest_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_runs_covers_date"))

    op.drop_table("digest_runs")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_contacts_primary_employer", sqlite_where=sa.text("is_primary"), postgresql_where=sa.text("is_primary")
        )
        batch_op.drop_index(batch_op.f("ix_contacts_employer_id"))

    op.drop_table("contacts")
    op.drop_table("reminder_settings")
    op.drop_table("quota_settings")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_user_id"))
        batch_op.drop_index("ix_outbox_messages_status_next")

    op.drop_table("outbox_messages")
    with op.batch_alter_table("legal_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_facts_key"))

    op.drop_table("legal_facts")
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_runs_user_id"))

    op.drop_table("import_runs")
    with op.batch_alter_table("employers", schema=None) as batch_op:
        batch_op.drop_index("ix_employers_stage_owner")
        batch_op.drop_index("ix_employers_stage_name")
        batch_op.drop_index("ix_employers_stage_board")
        batch_op.drop_index(batch_op.f("ix_employers_site_id"))
        batch_op.drop_index("ix_employers_report")
        batch_op.drop_index(batch_op.f("ix_employers_postcode"))
        batch_op.drop_index(batch_op.f("ix_employers_owner_id"))
        batch_op.drop_index("ix_employers_normalized_name_postcode")
        batch_op.drop_index(batch_op.f("ix_employers_normalized_name"))
        batch_op.drop_index(batch_op.f("ix_employers_last_contact_at"))
        batch_op.drop_index(batch_op.f("ix_employers_industry_id"))
        batch_op.drop_index(batch_op.f("ix_employers_district"))
        batch_op.drop_index("ix_employers_cadence")

    op.drop_table("employers")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_user_id"))
        batch_op.drop_index("ix_audit_entries_entity")
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))

    op.drop_table("audit_entries")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("tags")
    op.drop_table("stages")
    op.drop_table("sites")
    op.drop_table("scheduler_locks")
    op.drop_table("objections")
    op.drop_table("network_partners")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_email_at")
        batch_op.drop_index("ix_login_attempts_address_at")

    op.drop_table("login_attempts")
    op.drop_table("industries")
    with op.batch_alter_table("duoday_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duoday_events_year"))

    op.drop_table("duoday_events")
    op.drop_table("arguments")
    # ### end Alembic commands ###
