//! Renders the Tasks page with 100 and then with 10,000 tasks in the store and prints the
//! median render time of each, so a page that slows down with the store's size shows up.
//!
//! The tasks are one user's, spread over the four statuses the tabs show, each carrying a real
//! generated Dockerfile and request. Needs the services of `deploy/services.sh up`.
//! Requests per size: `FORKLIFT_BENCH_ROUNDS` (default 201).

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use diesel::sql_types::{Integer, Jsonb, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use forklift_shared::dockerfile;
use forklift_shared::spec::{self, BuildSpec};
use forklift_tests::{ApiClient, Forklift, Options};

const SIZES: [i32; 2] = [100, 10_000];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::var("FORKLIFT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(201);
    let options = Options {
        builder: false,
        ..Options::default()
    };
    let forklift = Forklift::start_with(options).await?;
    let user = forklift.user("bench").await?;
    let mut db = AsyncPgConnection::establish(&forklift.database_url).await?;
    let owner = owner_id(&forklift, "bench").await?;

    println!("Tasks page (GET /tasks?status=completed, 25 rows), {rounds} requests per size:");
    let mut stored = 0;
    let mut medians = Vec::new();
    for size in SIZES {
        insert_tasks(&mut db, owner, size - stored, &forklift.env.base_image).await?;
        stored = size;
        diesel::sql_query("VACUUM ANALYZE tasks")
            .execute(&mut db)
            .await?;
        let first = median(&user, "/tasks?status=completed", rounds).await?;
        let last_page = (size / 4 + 24) / 25;
        let deep = median(
            &user,
            &format!("/tasks?status=completed&page={last_page}"),
            rounds,
        )
        .await?;
        println!(
            "  {size:>6} tasks: median {:>7.2} ms (first page), {:>7.2} ms (last page, {last_page})",
            ms(first),
            ms(deep)
        );
        medians.push(first);
    }
    println!(
        "  ratio 10,000 / 100: {:.2}",
        ms(medians[1]) / ms(medians[0])
    );
    forklift.stop().await;
    Ok(())
}

/// The id of the account `name`.
async fn owner_id(forklift: &Forklift, name: &str) -> anyhow::Result<uuid::Uuid> {
    let store = forklift_shared::store::Store::connect(&forklift.database_url).await?;
    let user = store
        .user_by_name(name)
        .await?
        .context("the bench user exists")?;
    Ok(user.id)
}

/// Adds `count` tasks of `owner`, a quarter in each status the tabs show, one second apart.
async fn insert_tasks(
    db: &mut AsyncPgConnection,
    owner: uuid::Uuid,
    count: i32,
    source: &str,
) -> anyhow::Result<()> {
    let request = BuildSpec {
        source_image: source.to_string(),
        target_image: "bench/pages:1.0-debian12".into(),
        runtime_type: Some("app".into()),
        runtime_path: Some("/bin/sh".into()),
        ..BuildSpec::default()
    };
    let validated = spec::validate(&request).map_err(|e| anyhow::anyhow!("{e}"))?;
    let dockerfile = dockerfile::render(&validated).dockerfile;
    let inserted = diesel::sql_query(
        "INSERT INTO tasks (id, owner_id, status, source_image, target_image, spec, dockerfile, \
             created_at, finished_at, error_message) \
         SELECT gen_random_uuid(), $1, (ARRAY['pending','running','completed','error'])[i % 4 + 1], \
             $2, 'bench/pages:' || i || '-debian12', $3, $4, \
             now() - make_interval(secs => i), \
             CASE WHEN i % 4 >= 2 THEN now() - make_interval(secs => i) END, \
             CASE WHEN i % 4 = 3 THEN 'step 3 failed' END \
         FROM generate_series(1, $5) AS i",
    )
    .bind::<SqlUuid, _>(owner)
    .bind::<Text, _>(source)
    .bind::<Jsonb, _>(serde_json::to_value(&request)?)
    .bind::<Text, _>(dockerfile)
    .bind::<Integer, _>(count)
    .execute(db)
    .await?;
    if inserted != usize::try_from(count)? {
        bail!("inserted {inserted} of {count} tasks");
    }
    Ok(())
}

/// The median time of `rounds` renders of `path`, after a few unmeasured ones.
async fn median(user: &ApiClient, path: &str, rounds: usize) -> anyhow::Result<Duration> {
    for _ in 0..3 {
        render(user, path).await?;
    }
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        render(user, path).await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// One whole page: status, then every byte of the body.
async fn render(user: &ApiClient, path: &str) -> anyhow::Result<()> {
    let response = user.get(path).send().await?;
    let status = response.status();
    let body = response.text().await?;
    if status != reqwest::StatusCode::OK || body.matches("data-task=").count() == 0 {
        bail!("{path}: {status}, no task rows: {body:.300}");
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
