-- Every text column compares bytewise (COLLATE "C"), as SQLite does.
--
-- Keys are ids (case, task, timer, request ids, IINs, directory keys), never
-- words to sort for people, so a linguistic collation only costs: under a
-- cluster's default such as C.UTF-8 or en_US.UTF-8 every B-tree comparison
-- of a key goes through strcoll (seen in `qyzmet bench engine`'s profile on
-- PostgreSQL), and `ORDER BY case_id` differed from SQLite's order, so
-- `audit verify` listed problems in another case order on such clusters.
-- Changing a column's collation rebuilds its indexes, not the table.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT c.table_name, c.column_name
        FROM information_schema.columns c
        JOIN information_schema.tables t
          ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema()
          AND t.table_type = 'BASE TABLE'
          AND c.data_type = 'text'
          AND c.table_name <> 'schema_migrations'
          AND (c.collation_name IS NULL OR c.collation_name <> 'C')
        ORDER BY c.table_name, c.ordinal_position
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE text COLLATE "C"',
                       col.table_name, col.column_name);
    END LOOP;
END
$$;
