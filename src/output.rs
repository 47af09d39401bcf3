//! Writes a set of output files so that they are complete or absent: everything
//! goes into a staging directory next to the target, which then replaces the
//! target in one rename.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Writes `files` (name, bytes) into `dir`, replacing what was there.
pub fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let pid = std::process::id();
    let staging = parent.join(format!(".{base}.staging-{pid}"));
    let trash = parent.join(format!(".{base}.old-{pid}"));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)?;
    let result = (|| -> io::Result<()> {
        for (name, bytes) in files {
            fs::write(staging.join(name), bytes)?;
        }
        if dir.exists() {
            fs::rename(dir, &trash)?;
        }
        fs::rename(&staging, dir)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
        // Put the previous outputs back if they were moved away.
        if !dir.exists() && trash.exists() {
            let _ = fs::rename(&trash, dir);
        }
    }
    let _ = fs::remove_dir_all(&trash);
    result
}

/// `out/<name>` under the chosen output root.
pub fn run_dir(root: &Path, name: &str) -> PathBuf {
    root.join(name)
}
