-- jkad record store, schema version 2, H2 2.x.
-- H2 commits each DDL statement: every statement here can run again after a failed attempt.
--
-- keyspace_id: the SHA-256 of pkey, written for the local peer's provider rows (NULL for others')
-- so that providedFrom reads the local provided keys in keyspace order through an index range.
-- The store fills it for the local peer's existing rows when it opens (the script cannot: it does
-- not know the local peer). H2 has no partial indexes, so the index holds every row; it starts
-- with the peer so that the other peers' rows (NULL ids) are outside the ranges providedFrom
-- reads, and so that H2's planner, which prefers an index matching "peer = ?", takes this one
-- rather than kad_providers_peer and a sort.

ALTER TABLE kad_providers ADD COLUMN IF NOT EXISTS keyspace_id VARBINARY(32);

CREATE INDEX IF NOT EXISTS kad_providers_keyspace ON kad_providers (peer, keyspace_id, pkey);

-- Node state: small named values kept beside the records (RecordStore.putNodeState).
CREATE TABLE IF NOT EXISTS kad_node_state (
    name VARCHAR(64)      NOT NULL PRIMARY KEY,
    val  VARBINARY(65536) NOT NULL
);
