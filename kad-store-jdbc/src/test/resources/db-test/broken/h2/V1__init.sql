-- A migration that fails at its third statement, after creating a table and inserting a row.
CREATE TABLE IF NOT EXISTS kad_broken_first (id INTEGER PRIMARY KEY);
INSERT INTO kad_broken_first (id) VALUES (1);
CREATE TABLE kad_broken_second (id NO_SUCH_TYPE);
