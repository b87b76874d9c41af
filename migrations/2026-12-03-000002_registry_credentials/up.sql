-- Credentials for pushing to and pulling from registries, one row per registry host as written
-- in image references (`host[:port]`, lowercase; `docker.io` for Docker Hub). The services
-- encrypt the secret with FORKLIFT_CREDENTIALS_KEY (ChaCha20-Poly1305, the host bound as
-- associated data) before it gets here; the key itself is never stored.
CREATE TABLE registry_credentials (
    host              TEXT PRIMARY KEY,
    username          TEXT NOT NULL,
    secret_nonce      BYTEA NOT NULL,
    secret_ciphertext BYTEA NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
