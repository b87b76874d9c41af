//! When a failed push is tried again, and when it is not.
//!
//! A registry that is restarting, overloaded or briefly unreachable is worth a few more tries;
//! one that refuses the credentials or the name says the same thing every time, and retrying it
//! would only hammer it (and, for wrong credentials, may lock the account).

use std::time::Duration;

/// Longest wait between two tries, however many came before.
const MAX_DELAY: Duration = Duration::from_secs(60);

/// How often, and after how long, a push that failed for a passing reason is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries after the first one.
    pub max_retries: u32,
    /// Wait before the first retry; each later wait doubles, up to a minute.
    pub first_delay: Duration,
}

impl RetryPolicy {
    /// The wait before retry number `retry` (from 1).
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.first_delay.saturating_mul(factor).min(MAX_DELAY)
    }
}

/// Whether a failure may pass if the push is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Transient,
    Permanent,
}

/// Failures that name something wrong with the request: credentials, name, transport policy,
/// a missing image. Checked first, since their messages may also mention a status or a timeout.
const PERMANENT: &[&str] = &[
    "unauthorized",
    "authentication required",
    "no basic auth credentials",
    "denied",
    "forbidden",
    "name unknown",
    "name_unknown",
    "name invalid",
    "name_invalid",
    "invalid reference format",
    "repository name must",
    "does not exist locally",
    "no such image",
    "http response to https client",
    "x509:",
    "certificate",
    "no such host",
    "manifest invalid",
    "unsupported",
];

/// Failures of the path to the registry, or of the registry itself, that usually pass.
const TRANSIENT: &[&str] = &[
    "connection refused",
    "connection reset",
    "broken pipe",
    "i/o timeout",
    "tls handshake timeout",
    "timeout awaiting",
    "request canceled",
    "unexpected eof",
    ": eof",
    "no route to host",
    "network is unreachable",
    "server misbehaving",
    "toomanyrequests",
    "too many requests",
    "temporarily unavailable",
    "service unavailable",
    "bad gateway",
    "gateway timeout",
    "internal server error",
];

/// Classifies what Docker reported about a failed push.
pub fn classify(message: &str) -> Verdict {
    let message = message.to_ascii_lowercase();
    if PERMANENT.iter().any(|p| message.contains(p)) {
        return Verdict::Permanent;
    }
    if TRANSIENT.iter().any(|p| message.contains(p)) {
        return Verdict::Transient;
    }
    // Docker words other statuses as "received unexpected HTTP status: 500 ...".
    match http_status(&message) {
        Some(status) if status >= 500 || status == 429 || status == 408 => Verdict::Transient,
        // Anything else is not known to pass: fail once rather than retry blindly.
        _ => Verdict::Permanent,
    }
}

fn http_status(message: &str) -> Option<u16> {
    let rest = message.split("status: ").nth(1)?;
    rest.get(..3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages dockerd 20.10 sent to this project's tests, verbatim.
    const OBSERVED: &[(&str, Verdict)] = &[
        ("unauthorized: authentication required", Verdict::Permanent),
        ("no basic auth credentials", Verdict::Permanent),
        (
            "Get \"http://127.0.0.1:5999/v2/\": dial tcp 127.0.0.1:5999: connect: connection refused",
            Verdict::Transient,
        ),
        (
            "Get \"https://no-such-host.invalid/v2/\": dial tcp: lookup no-such-host.invalid on \
             10.255.255.53:53: no such host",
            Verdict::Permanent,
        ),
        (
            "An image does not exist locally with the tag: 127.0.0.1:5000/probe/nothere",
            Verdict::Permanent,
        ),
        ("received unexpected HTTP status: 500 Internal Server Error", Verdict::Transient),
        ("received unexpected HTTP status: 503 Service Unavailable", Verdict::Transient),
        (
            "invalid reference format: repository name must be lowercase",
            Verdict::Permanent,
        ),
    ];

    /// Messages documented by Docker and the distribution registry.
    const DOCUMENTED: &[(&str, Verdict)] = &[
        (
            "denied: requested access to the resource is denied",
            Verdict::Permanent,
        ),
        (
            "name unknown: repository name not known to registry",
            Verdict::Permanent,
        ),
        (
            "Get \"https://10.0.0.9:5000/v2/\": http: server gave HTTP response to HTTPS client",
            Verdict::Permanent,
        ),
        (
            "Get \"https://r.example.com/v2/\": x509: certificate signed by unknown authority",
            Verdict::Permanent,
        ),
        ("toomanyrequests: too many requests", Verdict::Transient),
        (
            "received unexpected HTTP status: 502 Bad Gateway",
            Verdict::Transient,
        ),
        (
            "received unexpected HTTP status: 404 Not Found",
            Verdict::Permanent,
        ),
        (
            "Put \"http://r:5000/v2/x/blobs/uploads/1\": read tcp 127.0.0.1:1->127.0.0.1:5000: \
             read: connection reset by peer",
            Verdict::Transient,
        ),
        (
            "Get \"https://r.example.com/v2/\": net/http: TLS handshake timeout",
            Verdict::Transient,
        ),
        (
            "Patch \"http://r:5000/v2/x/blobs/uploads/1\": EOF",
            Verdict::Transient,
        ),
        ("something nobody has seen before", Verdict::Permanent),
    ];

    #[test]
    fn docker_messages_are_classified() {
        for (message, verdict) in OBSERVED.iter().chain(DOCUMENTED) {
            assert_eq!(classify(message), *verdict, "{message}");
        }
    }

    #[test]
    fn waits_double_up_to_a_minute() {
        let policy = RetryPolicy {
            max_retries: 10,
            first_delay: Duration::from_secs(2),
        };
        let waits: Vec<u64> = (1..=7).map(|r| policy.delay(r).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(policy.delay(40), Duration::from_secs(60));
    }
}
