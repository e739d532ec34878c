-- +goose Up
-- Owners (举办人, FRAUD.md §9): a provider's owner from the bundle, and the owner a sanction
-- recorded when it was decided, so a barred owner's other providers are refused for as long
-- as the bar runs, whatever later bundles say of the barred provider.
ALTER TABLE providers ADD COLUMN owner_id text NOT NULL DEFAULT '';
ALTER TABLE sanctions ADD COLUMN owner_id text NOT NULL DEFAULT '';
CREATE INDEX sanctions_owner ON sanctions (owner_id) WHERE owner_id <> '';

-- +goose Down
DROP INDEX sanctions_owner;
ALTER TABLE sanctions DROP COLUMN owner_id;
ALTER TABLE providers DROP COLUMN owner_id;
