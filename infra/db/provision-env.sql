-- Provisions one environment on a PostgreSQL server: its database and its two roles.
-- Run once per environment, as a superuser, before the first migration (infra/db/README.md):
--
--   psql -X -v ON_ERROR_STOP=1 -v env=dev \
--        -v migrator_password="$MIGRATOR_PASSWORD" -v runtime_password="$RUNTIME_PASSWORD" \
--        -d postgres -f infra/db/provision-env.sql
--
-- Makes, for env E (lower-case letters, digits, '_'; starting with a letter):
--   database dreichor_E              CONNECT revoked from PUBLIC; TEMP from everyone
--   role dreichor_E_migrator         LOGIN; CONNECT and CREATE on dreichor_E only: it creates the
--                                    schema and owns everything the migrations make
--   role dreichor_E_runtime          LOGIN; CONNECT on dreichor_E only; its table rights come from
--                                    the migrations (SELECT and INSERT on the audit log, no more)
-- Neither role is a superuser or may create roles or databases, and neither is a member of any
-- role. Nothing here reaches another environment's database.
--
-- Idempotent: a second run changes nothing but the two passwords, so it is also how they rotate.
-- A password may be given as a SCRAM-SHA-256 verifier ('SCRAM-SHA-256$4096:...'), which
-- PostgreSQL stores as is: the clear password then never reaches the server.

\set ON_ERROR_STOP on

SELECT set_config('dreichor.env', :'env', false),
       set_config('dreichor.migrator_password', :'migrator_password', false),
       set_config('dreichor.runtime_password', :'runtime_password', false) \g /dev/null

DO $$
DECLARE
  env text := current_setting('dreichor.env');
BEGIN
  IF env !~ '^[a-z][a-z0-9_]{0,39}$' THEN
    RAISE EXCEPTION 'env %: must be lower-case letters, digits or _, starting with a letter',
      quote_literal(env);
  END IF;
  IF length(current_setting('dreichor.migrator_password')) < 16
     OR length(current_setting('dreichor.runtime_password')) < 16 THEN
    RAISE EXCEPTION 'migrator_password and runtime_password: each must be at least 16 characters';
  END IF;
  IF current_setting('dreichor.migrator_password') = current_setting('dreichor.runtime_password')
  THEN
    RAISE EXCEPTION 'migrator_password and runtime_password: must differ';
  END IF;
END
$$;

-- The two roles: created, or their passwords reset.
DO $$
DECLARE
  env text := current_setting('dreichor.env');
  role_name text;
  password text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['migrator', 'runtime'] LOOP
    password := current_setting('dreichor.' || role_name || '_password');
    role_name := format('dreichor_%s_%s', env, role_name);
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
      EXECUTE format('CREATE ROLE %I', role_name);
    END IF;
    EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
                   'NOBYPASSRLS NOINHERIT PASSWORD %L', role_name, password);
  END LOOP;
END
$$;

-- The passwords are not needed past this point.
SELECT set_config('dreichor.migrator_password', '', false),
       set_config('dreichor.runtime_password', '', false) \g /dev/null

-- CREATE DATABASE cannot run inside a DO block: psql runs the statement this query builds.
SELECT format('CREATE DATABASE %I', 'dreichor_' || current_setting('dreichor.env'))
WHERE NOT EXISTS (SELECT FROM pg_database
                  WHERE datname = 'dreichor_' || current_setting('dreichor.env')) \gexec

DO $$
DECLARE
  env text := current_setting('dreichor.env');
  db text := 'dreichor_' || current_setting('dreichor.env');
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', db);
  EXECUTE format('GRANT CONNECT, CREATE ON DATABASE %I TO %I', db, db || '_migrator');
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', db, db || '_runtime');
END
$$;

-- Inside the new database: nobody but its owner may create anything in the public schema.
SELECT 'dreichor_' || current_setting('dreichor.env') AS database \gset provision_
\connect :provision_database
REVOKE ALL ON SCHEMA public FROM PUBLIC;

\echo provisioned :provision_database
