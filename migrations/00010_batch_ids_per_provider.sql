-- +goose Up
-- A batch id belongs to its provider: two hospitals may use the same id, and neither can
-- take, reserve, read or probe the other's.
ALTER TABLE api_batch_items DROP CONSTRAINT api_batch_items_batch_id_fkey;
ALTER TABLE api_batch_items DROP CONSTRAINT api_batch_items_pkey;
ALTER TABLE api_batches DROP CONSTRAINT api_batches_pkey;
ALTER TABLE api_batches ADD PRIMARY KEY (provider_id, batch_id);
ALTER TABLE api_batch_items ADD COLUMN owner text;
UPDATE api_batch_items i SET owner = b.provider_id FROM api_batches b WHERE b.batch_id = i.batch_id;
ALTER TABLE api_batch_items ALTER COLUMN owner SET NOT NULL;
ALTER TABLE api_batch_items ADD PRIMARY KEY (owner, batch_id, seq);
ALTER TABLE api_batch_items ADD FOREIGN KEY (owner, batch_id) REFERENCES api_batches (provider_id, batch_id);

-- +goose Down
ALTER TABLE api_batch_items DROP CONSTRAINT api_batch_items_owner_batch_id_fkey;
ALTER TABLE api_batch_items DROP CONSTRAINT api_batch_items_pkey;
ALTER TABLE api_batch_items DROP COLUMN owner;
ALTER TABLE api_batches DROP CONSTRAINT api_batches_pkey;
ALTER TABLE api_batches ADD PRIMARY KEY (batch_id);
ALTER TABLE api_batch_items ADD PRIMARY KEY (batch_id, seq);
ALTER TABLE api_batch_items ADD FOREIGN KEY (batch_id) REFERENCES api_batches (batch_id);
