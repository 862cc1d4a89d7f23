0002_expand_audit_log_epochs.sql
-- The log's epochs: one row per failover (infra/db/REPLICATION.md). A log without rows is at
-- epoch 1. When an operator promotes a standby, `dreichor audit failover` appends the next epoch
-- on the promoted server, with the sequence and chain hash the log had there; the runtime is
-- configured with the epoch it may write (DREICHOR_DATABASE_EPOCH) and refuses a server at any
-- other, so a runtime pointed at the old primary after a failover never writes to it.
-- Runs with search_path set to the target schema, as the environment's migration role.

CREATE TABLE audit_log_epochs (
  epoch integer PRIMARY KEY CHECK (epoch >= 2),
  since_sequence bigint NOT NULL CHECK (since_sequence >= 0),
  chain_hash bytea NOT NULL CHECK (length(chain_hash) = 32),
  promoted_at_ns bigint NOT NULL,
  note text NOT NULL CHECK (length(note) BETWEEN 1 AND 1000)
);

CREATE TRIGGER audit_log_epochs_append_only BEFORE UPDATE OR DELETE ON audit_log_epochs
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_epochs_no_truncate BEFORE TRUNCATE ON audit_log_epochs
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- The runtime reads the epoch; only the migration role (the operator's failover step) adds one.
DO $$
BEGIN
  EXECUTE format('GRANT SELECT ON audit_log_epochs TO %I', current_database() || '_runtime');
END
$$;
