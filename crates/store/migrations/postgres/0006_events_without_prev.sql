-- Events no longer store their predecessors' hashes (issue 13).
--
-- `prev_case_hash` was the `hash` of the case's event seq - 1 and
-- `prev_global_hash` the `hash` of the event global_seq - 1: 142 of ~430
-- bytes per row, copies of the neighbouring rows' `hash`. Both are still
-- hashed (the event hash is unchanged); `verify` takes them from the
-- neighbouring rows. DROP COLUMN only marks the columns dropped: new rows
-- do not carry them, existing rows keep their bytes until rewritten
-- (VACUUM FULL), and every event keeps its hash.
ALTER TABLE events DROP COLUMN prev_case_hash, DROP COLUMN prev_global_hash;
