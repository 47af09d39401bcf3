//! Unit tests of the CloudWatch importer on small hand-written files.
use super::*;
use crate::time::SimDuration;
use std::path::Path;

fn spec(paths: &[&Path], sel: Selector, interval: Option<u64>) -> TraceSpec {
    TraceSpec::new(
        TraceFormat::CloudWatch {
            paths: paths.iter().map(|p| p.to_path_buf()).collect(),
            selector: sel,
            interval: interval.map(SimDuration),
        },
        paths[0],
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn all(cw: &mut CloudWatch) -> Vec<Interval> {
    let mut v = Vec::new();
    while let Some(i) = cw.next_interval().unwrap() {
        v.push(i);
    }
    v
}

const M: i64 = 60_000_000;

#[test]
fn metric_data_newest_first_with_a_gap() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "m.json",
        r#"{"MetricDataResults":[{"Id":"inv","Label":"Invocations","Timestamps":["2025-12-01T10:04:00+00:00","2025-12-01T10:01:00+00:00","2025-12-01T10:00:00+00:00"],"Values":[7.0,5,3],"StatusCode":"Complete","Messages":[]}],"Messages":[]}"#,
    );
    let mut cw = CloudWatch::open(&spec(&[&p], Selector::default(), None)).unwrap();
    assert_eq!(
        all(&mut cw),
        vec![(0, M as u64, 3), (M, M as u64, 5), (4 * M, M as u64, 7)]
    );
    let s = &cw.stats;
    assert_eq!(
        (s.points, s.missing, s.total, s.order),
        (3, 2, 15, "newest first")
    );
    assert_eq!(s.first_missing.len(), 2);
    assert_eq!(show_time(s.first_missing[0]), "2025-12-01T10:02:00Z");
    assert!(cw.notes()[0].contains("2 of 5 periods"), "{:?}", cw.notes());
}

#[test]
fn unknown_id_lists_the_results_and_a_skipped_result_costs_nothing() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "m.json",
        r#"{"MetricDataResults":[{"Id":"d","Label":"Duration","Timestamps":["2025-12-01T10:00:00Z"],"Values":[1.5]},{"Id":"inv","Label":"Invocations","Timestamps":["2025-12-01T10:00:00Z","2025-12-01T10:01:00Z"],"Values":[1,2]}]}"#,
    );
    let sel = |id: &str| Selector {
        metric_id: Some(id.into()),
        label: None,
    };
    let cw = CloudWatch::open(&spec(&[&p], sel("inv"), None)).unwrap();
    assert_eq!(cw.stats.total, 3);
    let e = CloudWatch::open(&spec(&[&p], sel("x"), None))
        .err()
        .unwrap()
        .0;
    assert!(e.contains("no result matches metric_id = \"x\""), "{e}");
    assert!(
        e.contains("Id `d` (Label `Duration`), Id `inv` (Label `Invocations`)"),
        "{e}"
    );
    let e = CloudWatch::open(&spec(&[&p], Selector::default(), None))
        .err()
        .unwrap()
        .0;
    assert!(e.contains("Duration"), "{e}");
}

#[test]
fn statistics_unit_and_sum_are_checked() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "s.json",
        "{\"Label\":\"Duration\",\n\"Datapoints\":[{\"Timestamp\":\"2025-12-01T10:00:00+00:00\",\"Average\":12.5,\"Unit\":\"Milliseconds\"}]}",
    );
    let e = CloudWatch::open(&spec(&[&p], Selector::default(), None))
        .err()
        .unwrap()
        .0;
    assert!(e.contains("s.json:2:"), "{e}");
    assert!(e.contains("Unit `Milliseconds`"), "{e}");
    let p = write(
        d.path(),
        "s2.json",
        "{\"Label\":\"Invocations\",\"Datapoints\":[{\"Timestamp\":\"2025-12-01T10:01:00Z\",\"Sum\":2.0,\"Unit\":\"Count\"},{\"Timestamp\":\"2025-12-01T10:00:00Z\",\"Sum\":4.0,\"Unit\":\"Count\"}]}",
    );
    let mut cw = CloudWatch::open(&spec(&[&p], Selector::default(), None)).unwrap();
    assert_eq!(all(&mut cw), vec![(0, M as u64, 4), (M, M as u64, 2)]);
}

#[test]
fn console_csv_both_layouts() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "c.csv",
        "\u{feff}Time,Invocations,Errors\n2025-12-01 10:00:00,3,0\n2025-12-01 10:01:00,,\n2025-12-01 10:02:00,4,1\n",
    );
    let sel = Selector {
        metric_id: None,
        label: Some("Invocations".into()),
    };
    let mut cw = CloudWatch::open(&spec(&[&p], sel.clone(), None)).unwrap();
    assert_eq!(all(&mut cw), vec![(0, M as u64, 3), (2 * M, M as u64, 4)]);
    assert_eq!(cw.stats.missing, 1);
    let e = CloudWatch::open(&spec(&[&p], Selector::default(), None))
        .err()
        .unwrap()
        .0;
    assert!(e.contains("2 columns: `Invocations`, `Errors`"), "{e}");
    let p = write(
        d.path(),
        "t.csv",
        "Label,2025-12-01T10:00:00Z,2025-12-01T10:01:00Z\nInvocations,3,5\nErrors,0,1\n",
    );
    let mut cw = CloudWatch::open(&spec(&[&p], sel, None)).unwrap();
    assert_eq!(all(&mut cw), vec![(0, M as u64, 3), (M, M as u64, 5)]);
}

#[test]
fn an_auto_paginated_file_repeats_the_id_and_is_merged() {
    // The AWS CLI concatenates the pages' MetricDataResults: one Id per page.
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "all.json",
        r#"{"MetricDataResults":[
            {"Id":"inv","Label":"Invocations","Timestamps":["2025-12-01T10:03:00+00:00","2025-12-01T10:02:00+00:00"],"Values":[4,3],"StatusCode":"PartialData"},
            {"Timestamps":["2025-12-01T10:00:00+00:00"],"Values":[1],"Id":"inv","Label":"Invocations","StatusCode":"Complete"}],
            "Messages":[]}"#,
    );
    let mut cw = CloudWatch::open(&spec(&[&p], Selector::default(), None)).unwrap();
    // The second entry lists its arrays before its Id: kept all the same.
    assert_eq!(
        all(&mut cw),
        vec![(0, M as u64, 1), (2 * M, M as u64, 3), (3 * M, M as u64, 4)]
    );
    assert_eq!((cw.stats.results.len(), cw.stats.missing), (1, 1));
}

#[test]
fn skip_bad_rows_counts_malformed_console_rows() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "c.csv",
        "Time,Invocations\n2025-12-01T10:00:00Z,3\nyesterday,4\n2025-12-01T10:01:00Z,2.5\n2025-12-01T10:02:00Z,5\n",
    );
    let mut s = spec(&[&p], Selector::default(), None);
    let e = CloudWatch::open(&s).err().unwrap().0;
    assert!(e.contains("c.csv:3: column `Time`: `yesterday`"), "{e}");
    s.skip_bad_rows = true;
    let mut cw = CloudWatch::open(&s).unwrap();
    assert_eq!(cw.stats.skipped, 2);
    assert_eq!(cw.skipped(), 2);
    assert_eq!(all(&mut cw), vec![(0, M as u64, 3), (2 * M, M as u64, 5)]);
}

#[test]
fn points_off_the_period_grid_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "g.csv",
        "Time,Invocations\n2025-12-01T10:00:00Z,3\n2025-12-01T10:01:00Z,4\n2025-12-01T10:02:30Z,5\n",
    );
    let e = CloudWatch::open(&spec(&[&p], Selector::default(), None))
        .err()
        .unwrap()
        .0;
    assert!(
        e.contains("90 s apart, not a whole number of periods (60 s"),
        "{e}"
    );
    // A given interval longer than the gaps: the periods would overlap.
    let e = CloudWatch::open(&spec(&[&p], Selector::default(), Some(5 * M as u64)))
        .err()
        .unwrap()
        .0;
    assert!(
        e.contains("closer than the period `interval` = 300 s"),
        "{e}"
    );
}
