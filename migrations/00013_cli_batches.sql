-- +goose Up
-- Batches come in by one path (package intake) from the API and from `medclaims submit`;
-- a batch of the command line has no token.
ALTER TABLE api_batches ALTER COLUMN token_id DROP NOT NULL;

-- +goose Down
DELETE FROM api_batch_items i USING api_batches b WHERE b.token_id IS NULL AND i.owner = b.provider_id AND i.batch_id = b.batch_id;
DELETE FROM api_batches WHERE token_id IS NULL;
ALTER TABLE api_batches ALTER COLUMN token_id SET NOT NULL;
