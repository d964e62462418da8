"""Make audit events append-only in the database itself (defence in depth beside the hash chain).

UPDATE, DELETE and TRUNCATE of audit events are refused by triggers, unless a row exists in
``audit_maintenance_permit`` — a table Django does not manage, so that a deliberate maintenance window
(archiving, or the test suite's table flushes) must be opened by hand and is itself visible. Whatever
happens under a permit, `yikatong auditlog verify` still detects it.
"""

from django.db import migrations

POSTGRES = [
    "CREATE TABLE IF NOT EXISTS audit_maintenance_permit (reason text NOT NULL, opened_at timestamptz NOT NULL DEFAULT now())",
    """
    CREATE OR REPLACE FUNCTION yikatong_audit_append_only() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM audit_maintenance_permit) THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '审计日志只能追加，不能修改或删除（%）', TG_OP;
    END
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION yikatong_audit_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION yikatong_audit_append_only()",
]

POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS yikatong_audit_append_only()",
    "DROP TABLE IF EXISTS audit_maintenance_permit",
]

SQLITE = [
    "CREATE TABLE IF NOT EXISTS audit_maintenance_permit (reason text NOT NULL, opened_at text NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance_permit) "
    "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除（UPDATE）'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance_permit) "
    "BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除（DELETE）'); END",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TABLE IF EXISTS audit_maintenance_permit",
]


def _run(statements: dict[str, list[str]]):
    def apply(apps, schema_editor):
        # A plain cursor, without parameters, so the "%" of RAISE's format is not taken for a placeholder.
        with schema_editor.connection.cursor() as cursor:
            for sql in statements.get(schema_editor.connection.vendor, []):
                cursor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
