//! Shards: which slice of a sweep's points one machine runs (`--shard K/N`,
//! `--shard auto` from a batch scheduler's array index). Parses and resolves
//! only; must not run points or touch files.

use super::SweepError;
use serde::{Deserialize, Serialize};

/// Environment variables `--shard auto` reads the shard index from, in order.
pub const SHARD_ENV: [&str; 3] = [
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "JOB_COMPLETION_INDEX",
    "SLURM_ARRAY_TASK_ID",
];

/// Shard `index` of `count`: the points with `point % count == index`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn owns(&self, point: usize) -> bool {
        point % self.count as usize == self.index as usize
    }
    /// `shard-K-of-N`.
    pub fn dir_name(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

/// `--shard` as typed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ShardArg {
    Fixed(Shard),
    Auto,
}

/// Parses `K/N` or `auto`.
pub fn parse_shard(s: &str) -> Result<ShardArg, SweepError> {
    if s == "auto" {
        return Ok(ShardArg::Auto);
    }
    let bad = || {
        SweepError::input(format!(
            "--shard {s}: expected K/N (shard K of N, K in 0..N, e.g. 0/4) or `auto`"
        ))
    };
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: i64 = k.trim().parse().map_err(|_| bad())?;
    let n: i64 = n.trim().parse().map_err(|_| bad())?;
    shard_of(k, n, &format!("--shard {s}"))
}

fn shard_of(k: i64, n: i64, what: &str) -> Result<ShardArg, SweepError> {
    if !(1..=1_000_000).contains(&n) {
        return Err(SweepError::input(format!(
            "{what}: the shard count must be in 1..=1000000"
        )));
    }
    if !(0..n).contains(&k) {
        return Err(SweepError::input(format!(
            "{what}: shard index {k} is out of range: shards are numbered 0..{n} (0 to {})",
            n - 1
        )));
    }
    Ok(ShardArg::Fixed(Shard {
        index: k as u32,
        count: n as u32,
    }))
}

/// Turns `--shard`/`--shards` into a shard. `auto` takes the index from the
/// first of [`SHARD_ENV`] that is set, the count from `--shards` or the sweep
/// file's `shards`.
pub fn resolve_shard(
    arg: Option<ShardArg>,
    shards_flag: Option<u32>,
    file_shards: Option<u32>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Shard>, SweepError> {
    match arg {
        None => {
            if shards_flag.is_some() {
                return Err(SweepError::input(
                    "--shards N only applies with --shard auto",
                ));
            }
            Ok(None)
        }
        Some(ShardArg::Fixed(s)) => {
            if let Some(n) = shards_flag
                && n != s.count
            {
                return Err(SweepError::input(format!(
                    "--shards {n} contradicts --shard {}/{}",
                    s.index, s.count
                )));
            }
            Ok(Some(s))
        }
        Some(ShardArg::Auto) => {
            let Some((var, val)) = SHARD_ENV
                .iter()
                .find_map(|v| env(v).filter(|x| !x.trim().is_empty()).map(|x| (*v, x)))
            else {
                return Err(SweepError::input(format!(
                    "--shard auto: none of {} is set; use --shard K/N",
                    SHARD_ENV.join(", ")
                )));
            };
            let count = shards_flag.or(file_shards).ok_or_else(|| {
                SweepError::input(
                    "--shard auto: the shard count is unknown; give --shards N or `shards = N` in the sweep file",
                )
            })?;
            let k: i64 = val.trim().parse().map_err(|_| {
                SweepError::input(format!("--shard auto: {var}={val:?} is not an integer"))
            })?;
            match shard_of(k, count as i64, &format!("--shard auto ({var}={val})"))? {
                ShardArg::Fixed(s) => Ok(Some(s)),
                ShardArg::Auto => unreachable!("shard_of returns Fixed"),
            }
        }
    }
}
