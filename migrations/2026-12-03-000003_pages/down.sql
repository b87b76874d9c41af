DROP TRIGGER IF EXISTS task_counts_follow ON tasks;
DROP FUNCTION IF EXISTS task_counts_follow();
DROP TABLE IF EXISTS task_counts;
DROP INDEX IF EXISTS tasks_owner_status_created;
