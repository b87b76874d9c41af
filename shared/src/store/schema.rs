//! Diesel's view of the tables created by `migrations/`.

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tasks (id) {
        id -> Uuid,
        owner_id -> Uuid,
        status -> Text,
        source_image -> Text,
        target_image -> Text,
        spec -> Jsonb,
        dockerfile -> Text,
        attempt -> Int4,
        status_message -> Nullable<Text>,
        error_message -> Nullable<Text>,
        image_id -> Nullable<Text>,
        base_distro -> Nullable<Text>,
        pushed_digest -> Nullable<Text>,
        created_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    task_logs (id) {
        id -> Int8,
        task_id -> Uuid,
        attempt -> Int4,
        seq -> Int8,
        line -> Text,
        logged_at -> Timestamptz,
    }
}

diesel::table! {
    images (image_id, reference) {
        image_id -> Text,
        reference -> Text,
        task_id -> Nullable<Uuid>,
        size_bytes -> Int8,
        labels -> Jsonb,
        created_at -> Timestamptz,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    registry_credentials (host) {
        host -> Text,
        username -> Text,
        secret_nonce -> Bytea,
        secret_ciphertext -> Bytea,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(tasks -> users (owner_id));
diesel::joinable!(task_logs -> tasks (task_id));
diesel::allow_tables_to_appear_in_same_query!(users, tasks, task_logs, images);
