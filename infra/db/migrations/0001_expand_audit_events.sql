-- The audit log table, its identity row, and the runtime role's rights (infra/db/schema.md).
-- Runs with search_path set to the target schema: every name below lands there. Runs as the
-- environment's migration role in database dreichor_<env>; the runtime role it grants to,
-- dreichor_<env>_runtime, was made by infra/db/provision-env.sql. No migration creates a role.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = current_database() || '_runtime') THEN
    RAISE EXCEPTION 'role %_runtime does not exist: provision the environment first '
      '(infra/db/provision-env.sql)', current_database();
  END IF;
END
$$;

CREATE TABLE audit_log_meta (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  log_id bytea NOT NULL CHECK (length(log_id) = 16),
  created_at_ns bigint NOT NULL
);

INSERT INTO audit_log_meta (log_id, created_at_ns)
VALUES (decode(replace(gen_random_uuid()::text, '-', ''), 'hex'),
        (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint);

CREATE TABLE audit_events (
  sequence bigint PRIMARY KEY CHECK (sequence >= 1),
  timestamp_ns bigint NOT NULL,
  event_id bytea NOT NULL CHECK (length(event_id) = 16),
  type integer NOT NULL CHECK (type BETWEEN 0 AND 65535),
  payload bytea NOT NULL,
  chain_hash bytea NOT NULL CHECK (length(chain_hash) = 32)
);

-- Append-only, enforced by the database whoever connects.
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_meta_append_only BEFORE UPDATE OR DELETE ON audit_log_meta
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_meta_no_truncate BEFORE TRUNCATE ON audit_log_meta
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- The runtime may read and append, nothing else.
DO $$
DECLARE
  runtime_role text := current_database() || '_runtime';
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), runtime_role);
  EXECUTE format('GRANT SELECT, INSERT ON audit_events TO %I', runtime_role);
  EXECUTE format('GRANT SELECT ON audit_log_meta TO %I', runtime_role);
  EXECUTE format('GRANT SELECT ON dreichor_migrations TO %I', runtime_role);
END
$$;
