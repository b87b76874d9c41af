-- The Tasks page lists one owner's tasks of one status, newest first: one index serves it, so
-- a page costs the same at 100 tasks and at 100,000.
CREATE INDEX tasks_owner_status_created ON tasks (owner_id, status, created_at DESC, id DESC);

-- How many tasks each owner has in each status, kept by a trigger, so the tabs' counts and the
-- summary chart read a handful of rows instead of counting every task on every poll.
CREATE TABLE task_counts (
    owner_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status   TEXT NOT NULL,
    n        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (owner_id, status)
);

INSERT INTO task_counts (owner_id, status, n)
SELECT owner_id, status, count(*) FROM tasks GROUP BY owner_id, status;

-- A statement touches at most the new status's row, then the old one's; statuses only move
-- forward, so two updates never lock the same two rows in opposite orders.
CREATE FUNCTION task_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.owner_id = NEW.owner_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO task_counts (owner_id, status, n) VALUES (NEW.owner_id, NEW.status, 1)
        ON CONFLICT (owner_id, status) DO UPDATE SET n = task_counts.n + 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE task_counts SET n = n - 1 WHERE owner_id = OLD.owner_id AND status = OLD.status;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER task_counts_follow
AFTER INSERT OR DELETE OR UPDATE OF status, owner_id ON tasks
FOR EACH ROW EXECUTE FUNCTION task_counts_follow();
