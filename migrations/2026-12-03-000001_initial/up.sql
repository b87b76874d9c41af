-- Accounts. Admins see every task; the deployment config names the first admin.
CREATE TABLE users (
    id            UUID PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per build request, written by the gateway when it accepts a request and moved
-- forward by the inventory service as status events arrive.
CREATE TABLE tasks (
    id            UUID PRIMARY KEY,
    owner_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'running', 'completed', 'error', 'cancelled')),
    source_image  TEXT NOT NULL,
    target_image  TEXT NOT NULL,
    spec          JSONB NOT NULL,
    dockerfile    TEXT NOT NULL,
    attempt       INTEGER NOT NULL DEFAULT 0,
    status_message TEXT,
    error_message TEXT,
    image_id      TEXT,
    base_distro   TEXT,
    pushed_digest TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at    TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX tasks_owner_created ON tasks (owner_id, created_at DESC, id DESC);
CREATE INDEX tasks_status_created ON tasks (status, created_at DESC, id DESC);
CREATE INDEX tasks_created ON tasks (created_at DESC, id DESC);

-- Every line of every attempt, never clipped. (task, attempt, seq) makes a redelivered event a
-- no-op; id orders lines for live followers and is the server-sent event id.
CREATE TABLE task_logs (
    id        BIGSERIAL PRIMARY KEY,
    task_id   UUID NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    attempt   INTEGER NOT NULL,
    seq       BIGINT NOT NULL,
    line      TEXT NOT NULL,
    logged_at TIMESTAMPTZ NOT NULL,
    UNIQUE (task_id, attempt, seq)
);
CREATE INDEX task_logs_task_id ON task_logs (task_id, id);

-- Images Forklift built.
CREATE TABLE images (
    image_id    TEXT NOT NULL,
    reference   TEXT NOT NULL,
    task_id     UUID REFERENCES tasks (id) ON DELETE SET NULL,
    size_bytes  BIGINT NOT NULL,
    labels      JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (image_id, reference)
);
CREATE INDEX images_task ON images (task_id);
