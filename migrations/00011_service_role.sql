-- +goose Up
-- Least privilege: `medclaims serve` connects as medclaims_service, which is no superuser,
-- owns nothing (so it can neither change the schema, nor TRUNCATE, nor disable a trigger),
-- cannot SET session_replication_role, and may only read and append to the audit trail,
-- the payment ledger and the sanction register. Migrations run as the owner.
-- The role is the server's; the grants are this database's.
-- +goose StatementBegin
DO $$
BEGIN
    CREATE ROLE medclaims_service LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- made by another database's migration, maybe at this very moment
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO medclaims_service', current_database());
END
$$;
-- +goose StatementEnd
GRANT USAGE ON SCHEMA public TO medclaims_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO medclaims_service;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO medclaims_service;
-- Histories: read and append only.
REVOKE UPDATE, DELETE ON case_events, claim_payment_events, sanctions FROM medclaims_service;
-- The migration bookkeeping: read only (serve checks the schema is current).
REVOKE INSERT, UPDATE, DELETE ON goose_db_version FROM medclaims_service;
-- Tables of later migrations get the same plain grants; a later history table revokes
-- UPDATE and DELETE itself, as above.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO medclaims_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO medclaims_service;

-- +goose Down
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM medclaims_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM medclaims_service;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM medclaims_service;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM medclaims_service;
REVOKE USAGE ON SCHEMA public FROM medclaims_service;
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM medclaims_service', current_database());
END
$$;
-- +goose StatementEnd
