-- jkad record store, schema version 2, PostgreSQL.
-- Runs in one transaction (PostgreSQL's DDL is transactional): all of it or nothing.
--
-- keyspace_id: the SHA-256 of pkey, written for the local peer's provider rows (NULL for others')
-- so that providedFrom reads the local provided keys in keyspace order through an index range.
-- The store fills it for the local peer's existing rows when it opens (the script cannot: it does
-- not know the local peer). A column added without a default is a change of the catalog only: no
-- table rewrite. The index holds only the rows that have an id (a range "keyspace_id >= ?"
-- implies keyspace_id IS NOT NULL), so other peers' provider rows cost it nothing.

ALTER TABLE kad_providers ADD COLUMN keyspace_id BYTEA;

CREATE INDEX kad_providers_keyspace ON kad_providers (keyspace_id, pkey) WHERE keyspace_id IS NOT NULL;

-- Node state: small named values kept beside the records (RecordStore.putNodeState).
CREATE TABLE kad_node_state (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    val  BYTEA       NOT NULL
);
