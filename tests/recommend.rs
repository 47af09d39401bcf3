//! `lmi-sim recommend`: the successive-halving search finds the pick a full
//! grid finds (the cheapest candidate whose mean meets every SLO), the same
//! way on any number of threads; every candidate says why it was not picked;
//! the pick's scenario file runs; bad `[recommend]` tables exit 2.

use lmi_sim::recommend::{self, Options, Plat, Status};
use lmi_sim::sim::Platforms;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn opts(full_grid: bool, jobs: usize) -> Options {
    Options {
        jobs: Some(jobs),
        seed: None,
        progress: false,
        full_grid,
        platforms: Platforms::Both,
    }
}

#[test]
fn the_search_picks_what_the_full_grid_picks() {
    let l = recommend::load(&root().join("scenarios/recommend-api.toml")).unwrap();
    eprintln!("seed {}", l.scenario.seed);
    let fast = recommend::run(&l, &opts(false, 2)).unwrap();
    let grid = recommend::run(&l, &opts(true, 2)).unwrap();
    for (f, g) in fast.platforms.iter().zip(&grid.platforms) {
        assert_eq!(f.platform, g.platform);
        // The grid's pick: the cheapest feasible candidate, checked here from
        // its own figures rather than trusted.
        let feasible: Vec<(f64, usize)> = g
            .candidates
            .iter()
            .filter(|c| c.status == Status::Feasible)
            .map(|c| (c.figures.as_ref().unwrap().monthly_usd, c.index))
            .collect();
        let cheapest = feasible
            .iter()
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|x| x.1);
        assert!(cheapest.is_some(), "{:?}: nothing feasible", g.platform);
        assert_eq!(g.pick, cheapest, "{:?}", g.platform);
        assert_eq!(
            f.pick, g.pick,
            "{:?}: the search missed the grid's pick",
            f.platform
        );
        let (fc, gc) = (
            &f.candidates[f.pick.unwrap()],
            &g.candidates[g.pick.unwrap()],
        );
        // Both confirm on the same seeds: the same figures.
        assert_eq!(fc.figures, gc.figures);
        assert!(
            f.simulations <= g.simulations,
            "{} > {}",
            f.simulations,
            g.simulations
        );
        eprintln!(
            "{:?}: pick {:?} ${:.2}/month; search {} simulations, grid {}",
            f.platform,
            fc.settings,
            fc.figures.as_ref().unwrap().monthly_usd,
            f.simulations,
            g.simulations
        );
        // Every candidate not picked says why.
        for c in &f.candidates {
            match &c.status {
                Status::Dropped { why, .. } | Status::Rejected { why } => {
                    assert!(!why.is_empty(), "{c:?}")
                }
                Status::Invalid { error } => assert!(!error.is_empty()),
                Status::Feasible => {}
            }
        }
    }
    // The LMI search is smaller than the grid: some candidates were dropped.
    let lmi = fast
        .platforms
        .iter()
        .find(|p| p.platform == Plat::Lmi)
        .unwrap();
    assert!(lmi.simulations < lmi.full_grid_simulations);
    assert!(
        lmi.candidates
            .iter()
            .any(|c| matches!(c.status, Status::Dropped { .. }))
    );
    // Some LMI candidates fail the throttle SLO: the SLO binds.
    assert!(
        grid.platforms[0].candidates.iter().any(
            |c| matches!(&c.status, Status::Rejected { why } if why.contains("throttle rate"))
        )
    );
}

#[test]
fn the_search_is_the_same_on_one_thread_and_the_pick_file_runs() {
    let d = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_lmi-sim");
    let file = root().join("scenarios/recommend-api.toml");
    let run = |jobs: &str, out: &str| {
        let o = Command::new(bin)
            .args([
                "recommend",
                file.to_str().unwrap(),
                "--out",
                out,
                "-q",
                "--platform",
                "lmi",
                "--jobs",
                jobs,
            ])
            .current_dir(d.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run("1", "a");
    run("2", "b");
    for f in ["recommend.json", "candidates.csv", "pick-lmi.toml"] {
        let a = std::fs::read(d.path().join("a/recommend-api.recommend").join(f)).unwrap();
        let b = std::fs::read(d.path().join("b/recommend-api.recommend").join(f)).unwrap();
        assert!(a == b, "{f} differs between --jobs 1 and 2");
    }
    // The pick's scenario validates and runs.
    let pick = d.path().join("a/recommend-api.recommend/pick-lmi.toml");
    let o = Command::new(bin)
        .args([
            "run",
            pick.to_str().unwrap(),
            "--out",
            "r",
            "-q",
            "--no-charts",
        ])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn bad_recommend_tables_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(root().join("scenarios/recommend-api.toml")).unwrap();
    let bin = env!("CARGO_BIN_EXE_lmi-sim");
    for (edit, want) in [
        (
            (
                "max_p99 = \"800ms\"",
                "max_p99 = \"800ms\"\nmax_throttles = 1",
            ),
            "unknown field `max_throttles`",
        ),
        (
            ("max_throttle_rate = 0.005", "max_throttle_rate = 5"),
            "recommend.max_throttle_rate = 5: a fraction in 0..=1",
        ),
        (
            ("cpu_target = [30, 50, 70]", "cpu_target = [30, 150]"),
            "recommend.lmi.cpu_target: 150 is out of range",
        ),
        (
            ("[recommend]\n", "[recommend]\nfunction = \"orders\"\n"),
            "recommend.function = \"orders\": no such function; the scenario has \"orders-api\"",
        ),
        (
            ("memory = [512, 1024, 2048]", "memory = []"),
            "recommend.default_lambda.memory = []: give at least one value",
        ),
        (
            ("max_p99 = \"800ms\"", "max_p99 = \"fast\""),
            "recommend.max_p99 = \"fast\"",
        ),
    ] {
        assert!(base.contains(edit.0), "{}", edit.0);
        let p = d.path().join("s.toml");
        std::fs::write(&p, base.replacen(edit.0, edit.1, 1)).unwrap();
        let o = Command::new(bin)
            .args(["recommend", p.to_str().unwrap(), "--out", "o", "-q"])
            .current_dir(d.path())
            .output()
            .unwrap();
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {e}", edit.1);
        assert!(e.contains(want), "{}: wanted `{want}` in:\n{e}", edit.1);
        assert!(e.contains("s.toml"), "{e}");
        assert!(!d.path().join("o").exists());
        // `validate` checks the table too.
        let o = Command::new(bin)
            .args(["validate", p.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "validate {}", edit.1);
        assert!(String::from_utf8_lossy(&o.stderr).contains(want));
    }
}
