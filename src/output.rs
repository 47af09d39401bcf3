//! Writes a run's output files so that they are complete or absent: every file
//! goes into a staging directory next to the target, which then replaces the
//! target in one rename. Files can be given as bytes or streamed (large CSVs),
//! so memory does not hold a whole file.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A staging directory that becomes `dir` on [`Staging::commit`]; dropped
/// without a commit, it is removed and `dir` is left as it was.
pub struct Staging {
    dir: PathBuf,
    staging: PathBuf,
    trash: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn new(dir: &Path) -> io::Result<Self> {
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
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir_all(&staging)?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            trash: parent.join(format!(".{base}.old-{pid}")),
            staging,
            committed: false,
        })
    }

    /// Writes a whole file.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        fs::write(self.staging.join(name), bytes)
    }

    /// Streams a file through `f`.
    pub fn stream(
        &self,
        name: &str,
        f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 16, fs::File::create(self.staging.join(name))?);
        f(&mut w)?;
        w.flush()
    }

    /// Replaces `dir` with the staged files.
    pub fn commit(mut self) -> io::Result<()> {
        if self.dir.exists() {
            fs::rename(&self.dir, &self.trash)?;
        }
        if let Err(e) = fs::rename(&self.staging, &self.dir) {
            // Put the previous outputs back.
            if !self.dir.exists() && self.trash.exists() {
                let _ = fs::rename(&self.trash, &self.dir);
            }
            return Err(e);
        }
        self.committed = true;
        let _ = fs::remove_dir_all(&self.trash);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Writes `files` (name, bytes) into `dir`, replacing what was there.
pub fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    let st = Staging::new(dir)?;
    for (name, bytes) in files {
        st.write(name, bytes)?;
    }
    st.commit()
}

/// `out/<name>` under the chosen output root.
pub fn run_dir(root: &Path, name: &str) -> PathBuf {
    root.join(name)
}
