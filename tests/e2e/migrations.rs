//! Migrations run up, down and up again on a fresh database.

use forklift_shared::store::Store;
use forklift_tests::{create_database, drop_database, TestEnv};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_go_up_down_and_up_again() {
    let env = TestEnv::from_env();
    let name = format!(
        "forklift_mig_{}",
        &Uuid::new_v4().simple().to_string()[..12]
    );
    let url = create_database(&env.database_url, &name)
        .await
        .expect("database");
    let store = Store::connect(&url).await.expect("connect");

    store.migrate().await.expect("first up");
    store
        .create_user("before", "x", false)
        .await
        .expect("tables exist");
    store.revert_all().await.expect("down");
    assert!(
        store.user_by_name("before").await.is_err(),
        "the users table must be gone after reverting"
    );
    store.migrate().await.expect("second up");
    assert!(store.user_by_name("before").await.expect("query").is_none());

    drop(store);
    drop_database(&env.database_url, &name).await.expect("drop");
}
