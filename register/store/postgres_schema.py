"""The database design of a register on PostgreSQL: tables, roles, and the rules the server enforces.

One schema per register (``register`` unless the URL's ``options`` set a ``search_path``):
- ``records``: every record, partitioned by kind so each kind is its own table
  (``suppliers``, ``risks``, ...; kinds not known here land in ``other_records``). ``body`` holds
  the record's canonical JSON, the exact bytes its audit entry hashed; ``record`` is the same as
  JSONB, generated from it, with expression indexes on what is sorted and filtered by (more
  generated columns would each parse the record again: an import took 3.5x as long with ten).
  ``revision`` is the ``seq`` of the last audit entry that wrote the record.
- ``register_tables``: every table the register has ever had, empty ones included, because
  they are part of the register's content hash (an emptied table stays, as in the file).
- ``audit``: the hash chain, append-only. UPDATE, DELETE and TRUNCATE are granted to no one
  and refused by triggers, for the owner as well. ``login`` is the database login that
  appended the entry: a default the application roles cannot override (column privileges).

Roles (cluster-wide, created if missing): ``register_reader`` reads; ``register_editor`` also
writes records; ``register_admin`` also changes the method, the register's settings and the
screening lists (the kinds in ADMIN_KINDS), which a trigger refuses to anyone else.
"""

from __future__ import annotations

# Kinds with a partition of their own; any other kind is stored in the default partition.
PARTITIONED_KINDS = (
    "register", "suppliers", "interconnections", "risks", "reviews", "mappings",
    "screening_runs", "screening_decisions", "screening_lists",
)
# Records only register_admin may write: the register's own settings (its scoring method
# among them) and the external screening lists.
ADMIN_KINDS = ("register", "screening_lists")
ROLES = ("register_reader", "register_editor", "register_admin")
NOTIFY_CHANNEL = "register_commits"


def schema_sql(schema: str) -> list[str]:
    """The statements that create a register's tables, triggers and grants in `schema`."""
    quoted = _ident(schema)
    partitions = [
        f"CREATE TABLE {quoted}.{_ident(kind)} PARTITION OF {quoted}.records FOR VALUES IN ('{kind}')"
        for kind in PARTITIONED_KINDS
    ]
    admin_only = [
        f"CREATE TRIGGER admin_only BEFORE INSERT OR UPDATE OR DELETE ON {quoted}.{_ident(kind)} "
        f"FOR EACH ROW EXECUTE FUNCTION {quoted}.require_admin()"
        for kind in ADMIN_KINDS
    ]
    return [
        f"CREATE SCHEMA {quoted}",
        f"""CREATE TABLE {quoted}.register_tables (kind text COLLATE "C" PRIMARY KEY)""",
        f"""CREATE TABLE {quoted}.records (
    kind text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    revision bigint NOT NULL,
    body text NOT NULL,
    record jsonb GENERATED ALWAYS AS (replace(body, '\\u0000', '\\ufffd')::jsonb) STORED,
    PRIMARY KEY (kind, id)
) PARTITION BY LIST (kind)""",
        *partitions,
        f"CREATE TABLE {quoted}.other_records PARTITION OF {quoted}.records DEFAULT",
        # What the app sorts and filters by, and how risks find their subject.
        f"CREATE INDEX ON {quoted}.records (kind, (record ->> 'name') COLLATE \"C\", id)",
        f"CREATE INDEX ON {quoted}.records (kind, (record ->> 'subject_type'), (record ->> 'subject_id'))",
        f"""CREATE TABLE {quoted}.audit (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    hash text NOT NULL,
    kind text COLLATE "C" NOT NULL,
    record_id text COLLATE "C" NOT NULL,
    body text NOT NULL,
    login name NOT NULL DEFAULT session_user,
    committed_at timestamptz NOT NULL DEFAULT now()
)""",
        f"""CREATE FUNCTION {quoted}.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the register''s audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$""",
        f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {quoted}.audit FOR EACH ROW EXECUTE FUNCTION {quoted}.refuse_audit_change()",
        f"CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {quoted}.audit FOR EACH STATEMENT EXECUTE FUNCTION {quoted}.refuse_audit_change()",
        f"""CREATE FUNCTION {quoted}.require_admin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_has_role(current_user, 'register_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'only register_admin may change % records', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$""",
        *admin_only,
        *grants_sql(schema),
    ]


def roles_sql() -> list[str]:
    """Create the three roles if this cluster does not have them yet (roles are cluster-wide)."""
    statements = []
    for role in ROLES:
        statements.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {role} NOLOGIN; END IF; END $$"
        )
    statements += ["GRANT register_reader TO register_editor", "GRANT register_editor TO register_admin"]
    return statements


def grants_sql(schema: str) -> list[str]:
    quoted = _ident(schema)
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {quoted} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {quoted} TO register_reader",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {quoted} TO register_reader",
        f"GRANT INSERT, DELETE ON {quoted}.records TO register_editor",
        f"GRANT INSERT ON {quoted}.register_tables TO register_editor",
        # Not `login`: it always records the session's own login.
        f"GRANT INSERT (seq, hash, kind, record_id, body) ON {quoted}.audit TO register_editor",
    ]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
