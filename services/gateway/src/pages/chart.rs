//! The tasks-by-status chart, drawn on the server as SVG: no chart library, nothing to load.

use std::collections::BTreeMap;

use forklift_shared::events::TaskStatus;
use maud::{html, Markup};

/// The statuses the chart shows, in the order a build moves through them.
pub const SHOWN: [TaskStatus; 4] = [
    TaskStatus::Pending,
    TaskStatus::Running,
    TaskStatus::Completed,
    TaskStatus::Error,
];

const WIDTH: u32 = 320;
const ROW: u32 = 34;
const BAR_HEIGHT: u32 = 20;
const LABEL: u32 = 92;
/// Room kept right of the longest bar for its number.
const COUNT: u32 = 52;

/// A horizontal bar per status, scaled to the largest count.
pub fn tasks_by_status(counts: &BTreeMap<String, i64>) -> Markup {
    let count = |s: TaskStatus| counts.get(s.as_str()).copied().unwrap_or(0).max(0);
    let largest = SHOWN.iter().map(|s| count(*s)).max().unwrap_or(0).max(1);
    let height = ROW * SHOWN.len() as u32;
    let summary: Vec<String> = SHOWN
        .iter()
        .map(|s| format!("{} {}", count(*s), s.as_str()))
        .collect();
    html! {
        svg .chart viewBox={"0 0 " (WIDTH) " " (height)} role="img"
            aria-label={"Build tasks by status: " (summary.join(", "))} {
            title { "Build tasks by status" }
            @for (row, status) in SHOWN.iter().enumerate() {
                (bar(row as u32, *status, count(*status), largest))
            }
        }
    }
}

fn bar(row: u32, status: TaskStatus, count: i64, largest: i64) -> Markup {
    let room = i64::from(WIDTH - LABEL - COUNT);
    // At least a sliver, so a zero still shows where its bar would be.
    let length = (count * room / largest).max(2);
    let y = row * ROW + (ROW - BAR_HEIGHT) / 2;
    let text_y = y + BAR_HEIGHT / 2 + 5;
    html! {
        g .{"bar bar-" (status.as_str())} data-status=(status.as_str()) data-count=(count) {
            text .chart-label x="0" y=(text_y) { (status.as_str()) }
            rect x=(LABEL) y=(y) width=(length) height=(BAR_HEIGHT) rx="3" {}
            text .chart-count x=(i64::from(LABEL) + length + 6) y=(text_y) { (count) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_count() {
        let counts: BTreeMap<String, i64> = [
            ("pending".into(), 1),
            ("running".into(), 0),
            ("completed".into(), 4),
        ]
        .into();
        let svg = tasks_by_status(&counts).into_string();
        assert!(
            svg.contains(r#"data-status="completed" data-count="4""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"data-status="error" data-count="0""#),
            "{svg}"
        );
        assert!(
            svg.contains("width=\"176\""),
            "the largest bar fills the room: {svg}"
        );
        assert!(svg.contains("aria-label=\"Build tasks by status: 1 pending, 0 running"));
    }
}
