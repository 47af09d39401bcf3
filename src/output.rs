//! Writes a run's output files so that they are complete or absent: every file
//! goes into a staging directory next to the target, which then replaces the
//! target in one rename. Files can be given as bytes or streamed (large CSVs),
//! so memory does not hold a whole file.
//!
//! Ownership: every directory lmi-sim writes carries a marker file
//! ([`MARKER`]) listing the files it wrote there. lmi-sim only ever deletes or
//! replaces what a marker lists (or, in a directory from before markers, the
//! file names it writes); anything else — a user's own file inside `out/NAME/`,
//! a regular file at `out/NAME` — makes it refuse with an error naming it.
//!
//! Interruption: staging directories in flight are registered here, and
//! [`install_signal_handler`] removes them on SIGINT/SIGTERM before exiting.
//! Commits hold the same lock as the handler, so an interrupt leaves either the
//! previous outputs or the complete new ones. Directories left by a process that
//! was killed outright (`.NAME.staging-PID`, `.NAME.old-PID`) are removed by the
//! next run once that process no longer exists.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The marker file in every directory lmi-sim owns.
pub const MARKER: &str = ".lmi-sim";

/// First line of a marker; the file names lmi-sim wrote follow, one a line.
const MARKER_HEAD: &str = "lmi-sim output directory: lmi-sim replaces the files listed below when it writes here again; any other file is yours and is never deleted";

/// File names lmi-sim writes, for directories written before markers existed.
fn legacy_name(name: &str) -> bool {
    matches!(
        name,
        "summary.json" | "timeseries.csv" | "decisions.csv" | "results.csv" | "results.partial.csv"
    ) || (name.ends_with(".png") && !name.starts_with('.'))
}

/// Why outputs could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Something in the way that lmi-sim did not write (bad input: exit 2).
    #[error("{0}")]
    NotOurs(String),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl OutputError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
        move |source| OutputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

// ------------------------------------------------------------ interruption

/// Directories to remove if the process is interrupted.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_flight() -> MutexGuard<'static, Vec<PathBuf>> {
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` with interrupts held off: the signal handler waits until it is done.
pub fn uninterrupted<R>(f: impl FnOnce() -> R) -> R {
    let _g = in_flight();
    f()
}

/// Like [`uninterrupted`], with the list of directories in flight.
fn with_in_flight<R>(f: impl FnOnce(&mut Vec<PathBuf>) -> R) -> R {
    let mut g = in_flight();
    f(&mut g)
}

/// Exit status after SIGINT/SIGTERM (128 + SIGINT).
pub const INTERRUPTED_EXIT: i32 = 130;

/// What the signal handler prints besides "interrupted" (e.g. how to resume).
static NOTE: Mutex<Option<String>> = Mutex::new(None);

/// Sets the line the signal handler prints after "interrupted".
pub fn set_interrupt_note(note: impl Into<String>) {
    *NOTE.lock().unwrap_or_else(|e| e.into_inner()) = Some(note.into());
}

/// Installs the SIGINT/SIGTERM handler: it waits for a commit in progress,
/// removes every staging directory in flight, prints what was kept and exits
/// with [`INTERRUPTED_EXIT`]. Call once, from `main`.
pub fn install_signal_handler() {
    let _ = ctrlc::set_handler(move || {
        let dirs = in_flight();
        for d in dirs.iter() {
            // Another thread may still be creating a file in it while it is
            // removed (then the removal fails on a non-empty directory): try
            // again a few times.
            for _ in 0..50 {
                if fs::remove_dir_all(d).is_ok() || !d.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        let note = NOTE.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut msg = String::from(
            "lmi-sim: interrupted; outputs are as they were before this command (nothing partial was left)",
        );
        if let Some(n) = note {
            msg.push_str("; ");
            msg.push_str(&n);
        }
        eprintln!("{msg}");
        // Exits while holding the lock, so no commit can start afterwards.
        std::process::exit(INTERRUPTED_EXIT);
    });
}

fn register(l: &mut Vec<PathBuf>, p: &Path) {
    l.push(p.to_path_buf());
}

fn unregister(l: &mut Vec<PathBuf>, p: &Path) {
    l.retain(|d| d != p);
}

// ------------------------------------------------------------ ownership

/// What the marker of `dir` lists, if it has one.
fn marker_list(dir: &Path) -> Option<Vec<String>> {
    let text = fs::read_to_string(dir.join(MARKER)).ok()?;
    Some(
        text.lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    )
}

fn marker_bytes(names: &[String]) -> Vec<u8> {
    let mut s = format!("{MARKER_HEAD}\n");
    for n in names {
        s.push_str(n);
        s.push('\n');
    }
    s.into_bytes()
}

/// Whether `dir` (an existing directory) is one lmi-sim owns: it carries a marker.
fn has_marker(dir: &Path) -> bool {
    dir.join(MARKER).is_file()
}

/// Refuses when `dir` exists and is not a directory.
fn check_is_dir(dir: &Path) -> Result<bool, OutputError> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(OutputError::io(dir)(e)),
        Ok(m) if m.is_dir() => Ok(true),
        Ok(m) => Err(OutputError::NotOurs(format!(
            "{} exists and is a {}, not an output directory lmi-sim wrote; lmi-sim will not move or delete it: rename or remove it, or choose another --out",
            dir.display(),
            if m.file_type().is_symlink() {
                "symbolic link"
            } else {
                "file"
            }
        ))),
    }
}

/// Refuses when `dir` exists and is not a directory (a user's file in the way).
pub fn check_not_file(dir: &Path) -> Result<(), OutputError> {
    check_is_dir(dir).map(|_| ())
}

/// Entries of `dir` that lmi-sim did not write (file names), sorted.
fn foreign_entries(dir: &Path) -> Result<Vec<String>, OutputError> {
    let listed = marker_list(dir);
    let mut out = Vec::new();
    for e in fs::read_dir(dir).map_err(OutputError::io(dir))? {
        let e = e.map_err(OutputError::io(dir))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = name == MARKER
            || match &listed {
                Some(l) => l.contains(&name),
                None => legacy_name(&name) && e.file_type().is_ok_and(|t| t.is_file()),
            };
        if !ours {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

fn refuse_foreign(dir: &Path, foreign: &[String]) -> OutputError {
    let shown: Vec<String> = foreign
        .iter()
        .take(5)
        .map(|n| dir.join(n).display().to_string())
        .collect();
    OutputError::NotOurs(format!(
        "{} holds {} that lmi-sim did not write: {}{}; lmi-sim replaces {}/ as a whole and will not delete {}: move {} elsewhere, or choose another --out",
        dir.display(),
        if foreign.len() == 1 {
            "a file".to_string()
        } else {
            format!("{} files", foreign.len())
        },
        shown.join(", "),
        if foreign.len() > 5 { ", …" } else { "" },
        dir.display(),
        if foreign.len() == 1 { "it" } else { "them" },
        if foreign.len() == 1 { "it" } else { "them" },
    ))
}

/// Checks that writing outputs to `dir` (replacing it as a whole) would
/// delete nothing lmi-sim did not write. Call before long work, so a refusal
/// comes first; [`Staging::commit`] checks again.
pub fn check_replaceable(dir: &Path) -> Result<(), OutputError> {
    if check_is_dir(dir)? {
        let foreign = foreign_entries(dir)?;
        if !foreign.is_empty() {
            return Err(refuse_foreign(dir, &foreign));
        }
    }
    Ok(())
}

// ------------------------------------------------------------ stale directories

/// Whether process `pid` exists (Linux: `/proc/PID`). `None` when this cannot
/// be told (no `/proc`): then nothing is treated as stale.
fn process_alive(pid: u32) -> Option<bool> {
    if !Path::new("/proc/self").exists() {
        return None;
    }
    Some(Path::new(&format!("/proc/{pid}")).exists())
}

/// The PID in `.NAME.staging-PID` or `.NAME.old-PID`.
fn stale_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let (_, pid) = name
        .rsplit_once(".staging-")
        .or_else(|| name.rsplit_once(".old-"))?;
    pid.parse().ok()
}

/// Removes staging and `.old` directories in `parent` that carry lmi-sim's
/// marker and belong to processes that no longer exist. Returns what it removed.
pub fn remove_stale(parent: &Path) -> Vec<PathBuf> {
    let me = std::process::id();
    let mut removed = Vec::new();
    let Ok(rd) = fs::read_dir(parent) else {
        return removed;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = stale_pid(&name) else {
            continue;
        };
        let p = e.path();
        if pid == me
            || !e.file_type().is_ok_and(|t| t.is_dir())
            || !has_marker(&p)
            || process_alive(pid) != Some(false)
        {
            continue;
        }
        if fs::remove_dir_all(&p).is_ok() {
            removed.push(p);
        }
    }
    removed
}

// ------------------------------------------------------------ staging

fn parent_of(dir: &Path) -> &Path {
    dir.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A staging directory that becomes `dir` on [`Staging::commit`]; dropped
/// without a commit, it is removed and `dir` is left as it was.
pub struct Staging {
    dir: PathBuf,
    staging: PathBuf,
    trash: PathBuf,
    names: Mutex<Vec<String>>,
    committed: bool,
}

impl Staging {
    pub fn new(dir: &Path) -> Result<Self, OutputError> {
        let parent = parent_of(dir);
        fs::create_dir_all(parent).map_err(OutputError::io(parent))?;
        remove_stale(parent);
        check_is_dir(dir)?;
        let base = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let pid = std::process::id();
        let staging = parent.join(format!(".{base}.staging-{pid}"));
        let trash = parent.join(format!(".{base}.old-{pid}"));
        with_in_flight(|l| {
            let _ = fs::remove_dir_all(&staging);
            fs::create_dir_all(&staging)?;
            register(l, &staging);
            fs::write(staging.join(MARKER), marker_bytes(&[]))
        })
        .map_err(OutputError::io(&staging))?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            trash,
            staging,
            names: Mutex::new(Vec::new()),
            committed: false,
        })
    }

    fn note(&self, name: &str) {
        let mut n = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if !n.iter().any(|x| x == name) {
            n.push(name.to_string());
        }
    }

    /// Writes a whole file.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.note(name);
        fs::write(self.staging.join(name), bytes)
    }

    /// Streams a file through `f`.
    pub fn stream(
        &self,
        name: &str,
        f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        self.note(name);
        let mut w = BufWriter::with_capacity(1 << 16, fs::File::create(self.staging.join(name))?);
        f(&mut w)?;
        w.flush()
    }

    fn write_marker(&self) -> io::Result<Vec<String>> {
        let names = self.names.lock().unwrap_or_else(|e| e.into_inner()).clone();
        fs::write(self.staging.join(MARKER), marker_bytes(&names))?;
        Ok(names)
    }

    /// Replaces `dir` with the staged files. Refuses (and leaves `dir` as it
    /// was) when `dir` holds anything lmi-sim did not write.
    pub fn commit(mut self) -> Result<(), OutputError> {
        self.write_marker()
            .map_err(OutputError::io(&self.staging))?;
        let dir = self.dir.clone();
        let (staging, trash) = (self.staging.clone(), self.trash.clone());
        with_in_flight(|l| {
            check_replaceable(&dir)?;
            if dir.exists() {
                register(l, &trash);
                fs::rename(&dir, &trash).map_err(OutputError::io(&dir))?;
            }
            if let Err(e) = fs::rename(&staging, &dir) {
                // Put the previous outputs back.
                if !dir.exists() && trash.exists() {
                    let _ = fs::rename(&trash, &dir);
                }
                return Err(OutputError::io(&dir)(e));
            }
            unregister(l, &staging);
            Ok(())
        })?;
        self.committed = true;
        with_in_flight(|l| {
            let _ = fs::remove_dir_all(&self.trash);
            unregister(l, &self.trash);
        });
        Ok(())
    }

    /// Moves the staged files into `dir` one by one, keeping whatever else is
    /// there (shard directories, a user's files): files the previous marker
    /// listed that this write did not produce are removed. For directories
    /// shared with other outputs (a sweep's directory holds its shards').
    /// `done_with`, an owned directory (a sweep's progress), is removed in the
    /// same step, so an interrupt cannot leave it beside the new outputs.
    pub fn commit_into(mut self, done_with: Option<&Path>) -> Result<(), OutputError> {
        let names = self
            .write_marker()
            .map_err(OutputError::io(&self.staging))?;
        let dir = self.dir.clone();
        let staging = self.staging.clone();
        // One held lock for the move and the removal of `done_with`: the
        // signal handler cannot run between them.
        with_in_flight(|l| {
            Self::move_in(l, &dir, &staging, &names)?;
            match done_with {
                Some(d) => remove_owned_dir(d),
                None => Ok(()),
            }
        })?;
        self.committed = true;
        Ok(())
    }

    fn move_in(
        l: &mut Vec<PathBuf>,
        dir: &Path,
        staging: &Path,
        names: &[String],
    ) -> Result<(), OutputError> {
        let existed = check_is_dir(dir)?;
        if !existed {
            // Nothing to keep: one rename.
            fs::rename(staging, dir).map_err(OutputError::io(dir))?;
            unregister(l, staging);
            return Ok(());
        }
        let old: Vec<String> = match marker_list(dir) {
            Some(l) => l,
            None => fs::read_dir(dir)
                .map_err(OutputError::io(dir))?
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| legacy_name(n))
                .collect(),
        };
        if let Some(listed) = marker_list(dir) {
            let taken: Vec<String> = names
                .iter()
                .filter(|n| !listed.contains(n) && dir.join(n.as_str()).exists())
                .cloned()
                .collect();
            if !taken.is_empty() {
                return Err(OutputError::NotOurs(format!(
                    "{} holds {} that lmi-sim did not write and would overwrite: {}; move it elsewhere or choose another --out",
                    dir.display(),
                    if taken.len() == 1 { "a file" } else { "files" },
                    taken.join(", ")
                )));
            }
        }
        for n in old.iter().filter(|n| !names.contains(n)) {
            let p = dir.join(n);
            if p.is_file() {
                fs::remove_file(&p).map_err(OutputError::io(&p))?;
            }
        }
        for n in names.iter().chain(std::iter::once(&MARKER.to_string())) {
            fs::rename(staging.join(n), dir.join(n)).map_err(OutputError::io(&dir.join(n)))?;
        }
        let _ = fs::remove_dir_all(staging);
        unregister(l, staging);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            with_in_flight(|l| {
                let _ = fs::remove_dir_all(&self.staging);
                unregister(l, &self.staging);
            });
        }
    }
}

/// Creates `dir` (and its parents) as a directory lmi-sim owns, with an empty
/// marker when it is new. Refuses when `dir` is a file.
pub fn create_owned_dir(dir: &Path) -> Result<(), OutputError> {
    if check_is_dir(dir)? {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(OutputError::io(dir))?;
    fs::write(dir.join(MARKER), marker_bytes(&[])).map_err(OutputError::io(dir))
}

/// Removes `dir` if lmi-sim owns it (it carries a marker) and holds nothing
/// else than what the marker lists; otherwise leaves it.
pub fn remove_owned_dir(dir: &Path) -> Result<(), OutputError> {
    if !check_is_dir(dir)? {
        return Ok(());
    }
    if !has_marker(dir) {
        return Err(OutputError::NotOurs(format!(
            "{} was not made by lmi-sim (it has no {MARKER} marker); lmi-sim will not delete it: remove it yourself or choose another --out",
            dir.display()
        )));
    }
    let foreign = foreign_entries(dir)?;
    if !foreign.is_empty() {
        return Err(refuse_foreign(dir, &foreign));
    }
    fs::remove_dir_all(dir).map_err(OutputError::io(dir))
}

/// Lists `name` in the marker of `dir` (an owned directory), so that later
/// writes know the file is lmi-sim's.
pub fn claim(dir: &Path, name: &str) -> Result<(), OutputError> {
    let mut l = marker_list(dir).unwrap_or_default();
    if !l.iter().any(|n| n == name) {
        l.push(name.to_string());
        fs::write(dir.join(MARKER), marker_bytes(&l)).map_err(OutputError::io(dir))?;
    }
    Ok(())
}

/// `out/<name>` under the chosen output root.
pub fn run_dir(root: &Path, name: &str) -> PathBuf {
    root.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_replaces_and_marks() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("x");
        let s = Staging::new(&dir).unwrap();
        s.write("a.csv", b"1").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&dir), vec![MARKER.to_string(), "a.csv".into()]);
        assert_eq!(marker_list(&dir).unwrap(), vec!["a.csv".to_string()]);
        // A second write replaces a.csv by b.csv.
        let s = Staging::new(&dir).unwrap();
        s.write("b.csv", b"2").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&dir), vec![MARKER.to_string(), "b.csv".into()]);
        assert_eq!(names(t.path()), vec!["x".to_string()]);
    }

    #[test]
    fn refuses_a_users_file_and_a_file_in_the_way() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("x");
        let s = Staging::new(&dir).unwrap();
        s.write("a.csv", b"1").unwrap();
        s.commit().unwrap();
        fs::write(dir.join("notes.txt"), b"mine").unwrap();
        let s = Staging::new(&dir).unwrap();
        s.write("a.csv", b"2").unwrap();
        let e = s.commit().unwrap_err().to_string();
        assert!(
            e.contains("notes.txt") && e.contains("did not write"),
            "{e}"
        );
        assert_eq!(fs::read(dir.join("a.csv")).unwrap(), b"1");
        assert_eq!(fs::read(dir.join("notes.txt")).unwrap(), b"mine");
        // No staging directory is left.
        assert_eq!(names(t.path()), vec!["x".to_string()]);

        let file = t.path().join("f");
        fs::write(&file, b"user data").unwrap();
        let e = Staging::new(&file).err().unwrap().to_string();
        assert!(e.contains("is a file") && e.contains("/f"), "{e}");
        assert_eq!(fs::read(&file).unwrap(), b"user data");
    }

    #[test]
    fn commit_into_keeps_other_entries() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("sweep");
        fs::create_dir_all(dir.join("shard-0-of-2")).unwrap();
        fs::write(dir.join("mine.txt"), b"keep").unwrap();
        fs::write(dir.join("heatmap.png"), b"old chart").unwrap();
        let s = Staging::new(&dir).unwrap();
        s.write("results.csv", b"r").unwrap();
        s.commit_into(None).unwrap();
        assert_eq!(
            names(&dir),
            vec![
                MARKER.to_string(),
                "mine.txt".into(),
                "results.csv".into(),
                "shard-0-of-2".into()
            ]
        );
    }

    #[test]
    fn stale_directories_of_dead_processes_are_removed() {
        let t = tempfile::tempdir().unwrap();
        // PID 2^22+1 is above Linux's pid_max limit: never alive.
        let dead = (1u32 << 22) + 1;
        let stale = t.path().join(format!(".x.staging-{dead}"));
        let old = t.path().join(format!(".x.old-{dead}"));
        let foreign = t.path().join(format!(".y.staging-{dead}"));
        for d in [&stale, &old, &foreign] {
            fs::create_dir_all(d).unwrap();
        }
        fs::write(stale.join(MARKER), b"").unwrap();
        fs::write(old.join(MARKER), b"").unwrap();
        // `foreign` has no marker: not lmi-sim's, kept.
        let removed = remove_stale(t.path());
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert!(!stale.exists() && !old.exists() && foreign.exists());
    }
}
