//! A push whose registry service dies midway is finished by the next one, its log kept whole.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use forklift_tests::{Forklift, Options};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::docker::remove_image;
use crate::push::{finish, phases, skopeo_inspect, submit_push, target_in, PushEvents};

/// A registry address in front of a real registry that at first takes connections and never
/// answers, as a registry hung in the middle of an upload does, and once opened closes those
/// and forwards every new connection to the real one.
struct HungRegistry {
    host: String,
    hung: Arc<AtomicUsize>,
    open: watch::Sender<bool>,
}

impl HungRegistry {
    async fn in_front_of(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let host = listener.local_addr().expect("address").to_string();
        let hung = Arc::new(AtomicUsize::new(0));
        let (open, opened) = watch::channel(false);
        let counter = hung.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut opened = opened.clone();
                let upstream = upstream.clone();
                if *opened.borrow() {
                    tokio::spawn(forward(client, upstream));
                    continue;
                }
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let _held = client;
                    let _ = opened.wait_for(|open| *open).await;
                });
            }
        });
        Self { host, hung, open }
    }

    /// Waits until dockerd has connected, that is, until a push is under way.
    async fn wait_for_a_push(&self) {
        for _ in 0..1200 {
            if self.hung.load(Ordering::SeqCst) > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no push reached the registry within two minutes");
    }

    fn open(&self) {
        self.open.send_replace(true);
    }
}

async fn forward(mut client: TcpStream, upstream: String) {
    if let Ok(mut server) = TcpStream::connect(upstream).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

async fn wait_for_log_line(user: &forklift_tests::ApiClient, task: &str, line: &str) {
    for _ in 0..300 {
        let (_, log) = user
            .get_text(&format!("/build/tasks/{task}/logs"))
            .await
            .expect("log");
        if log.contains(line) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the log of {task} never showed {line:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_survives_its_registry_service_dying_midway() {
    let upstream = forklift_tests::TestEnv::from_env().registry;
    let registry = HungRegistry::in_front_of(upstream.clone()).await;
    let mut fk = Forklift::start_with(Options {
        registry: true,
        insecure_registries: registry.host.clone(),
        registry_ack_wait: Duration::from_secs(2),
        ..Options::default()
    })
    .await
    .expect("start forklift");
    let user = fk.user("ned").await.expect("user");
    let mut events = PushEvents::subscribe(&fk).await;
    let target = target_in(&registry.host);

    let task = submit_push(&fk, &user, &target).await;
    registry.wait_for_a_push().await;
    // The first delivery's lines are stored before it dies, so the second must not reuse
    // their numbers. (Lines still in a dying process's buffers are lost with it.)
    let pushing = format!("pushing {target} to {} (try 1)", registry.host);
    wait_for_log_line(&user, &task, &pushing).await;
    fk.kill_registry();
    // Past the ack wait, so the request is due for redelivery whatever happens next.
    tokio::time::sleep(Duration::from_secs(3)).await;
    registry.open();
    fk.start_registry()
        .await
        .expect("restart the registry service");
    let (done, log) = finish(&user, &task).await;

    assert_eq!(done["status"], "completed", "{done}\n--- log ---\n{log}");
    let seen = events.of(&task).await;
    // dockerd goes on with the first push after its client is gone, so the second may meet
    // the hung connections' end and retry once or twice before it gets through.
    let seen = phases(&seen);
    assert_eq!(seen[..2], ["started", "started"], "{seen:?}");
    assert_eq!(seen.last(), Some(&"pushed"), "{seen:?}");
    assert!(
        seen[2..seen.len() - 1].iter().all(|p| *p == "retrying"),
        "{seen:?}"
    );
    assert_eq!(
        log.matches(&pushing).count(),
        2,
        "both deliveries' lines are kept: {log}"
    );
    let digest = done["pushed_digest"].as_str().unwrap_or_default();
    assert!(log.contains(&format!("digest: {digest}")), "{log}");
    let behind = target.replacen(&registry.host, &upstream, 1);
    let remote = skopeo_inspect(&behind, None).expect("the registry has the image");
    assert_eq!(remote["Digest"], digest, "{remote}");

    remove_image(&target);
    fk.stop().await;
}
