//! A streaming CSV table with a header row: columns found by name, one reused
//! record, and errors that name `path:line`, the column and the bad value.

use super::input::Input;
use crate::request::TraceError;
use csv::ByteRecord;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Appended to row errors when skipping is possible.
pub const SKIP_HINT: &str = "(run with --skip-bad-rows to count and skip malformed rows)";

/// One CSV file read row by row.
pub struct Table {
    path: PathBuf,
    /// `path` for messages.
    pub name: String,
    rdr: csv::Reader<BufReader<Input>>,
    pub header: Vec<String>,
    pub rec: ByteRecord,
    /// Count and skip bad rows instead of failing.
    pub skip: bool,
    /// Rows skipped so far (counted on the first pass only).
    pub skipped: u64,
    /// 0 on the first read of the file, then 1, 2, … after each rewind.
    pub pass: u32,
    /// Data rows read in this pass (bad ones included).
    pub row_index: u64,
}

fn io_err(name: &str, e: impl std::fmt::Display) -> TraceError {
    TraceError(format!("{name}: cannot read the trace file: {e}"))
}

fn reader(path: &Path, name: &str) -> Result<csv::Reader<BufReader<Input>>, TraceError> {
    let f = Input::open(path, name)?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(BufReader::with_capacity(256 * 1024, f)))
}

/// Shows a cell for a message: text, trimmed to 40 characters.
pub fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let s = s.trim();
    if s.chars().count() > 40 {
        let t: String = s.chars().take(40).collect();
        format!("{t}…")
    } else {
        s.to_string()
    }
}

impl Table {
    /// Opens `path` and reads its header row. `expected` describes the
    /// expected header for messages.
    pub fn open(path: &Path, skip: bool, expected: &str) -> Result<Table, TraceError> {
        let name = path.display().to_string();
        let mut rdr = reader(path, &name)?;
        let mut rec = ByteRecord::new();
        let got = rdr.read_byte_record(&mut rec).map_err(|e| {
            TraceError(format!(
                "{name}:1: not a CSV file ({e}); expected a header row {expected}"
            ))
        })?;
        if !got {
            return Err(TraceError(format!(
                "{name}: empty file; expected a header row {expected} and data rows"
            )));
        }
        let mut header = Vec::with_capacity(rec.len());
        for (i, f) in rec.iter().enumerate() {
            let f = if i == 0 {
                f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f)
            } else {
                f
            };
            let text = std::str::from_utf8(f).ok().filter(|s| {
                !s.chars()
                    .any(|c| c.is_control() && c != '\t' && c != '\r' && c != '\n')
            });
            match text {
                Some(s) => header.push(s.trim().to_string()),
                None => {
                    return Err(TraceError(format!(
                        "{name}:1: not a CSV text file (binary data in the header row); expected a header row {expected}"
                    )));
                }
            }
        }
        // Column name → first index: linear in the columns (a scan per column
        // took minutes on a header of 10^6 columns).
        let mut seen: std::collections::BTreeMap<&str, usize> = Default::default();
        for (i, h) in header.iter().enumerate() {
            if let Some(&j) = seen.get(h.as_str()) {
                return Err(TraceError(format!(
                    "{name}:1: duplicate column `{h}` (columns {} and {})",
                    j + 1,
                    i + 1
                )));
            }
            seen.insert(h, i);
        }
        Ok(Table {
            path: path.to_path_buf(),
            name,
            rdr,
            header,
            rec,
            skip,
            skipped: 0,
            pass: 0,
            row_index: 0,
        })
    }

    /// Index of the column named `col`, or an error naming it.
    pub fn col(&self, col: &str, expected: &str) -> Result<usize, TraceError> {
        self.find(col).ok_or_else(|| {
            if self.header.len() < 2 {
                // One column and not the one wanted: garbage, or not comma-separated.
                return TraceError(format!(
                    "{}:1: not a CSV file with a header row: found one column `{}` (columns must be comma-separated); expected {expected}",
                    self.name,
                    show(self.header[0].as_bytes())
                ));
            }
            TraceError(format!(
                "{}:1: missing column `{col}`; the header has {}; expected {expected}",
                self.name,
                self.header_list()
            ))
        })
    }

    pub fn find(&self, col: &str) -> Option<usize> {
        self.header.iter().position(|h| h == col)
    }

    pub fn header_list(&self) -> String {
        let v: Vec<String> = self
            .header
            .iter()
            .take(8)
            .map(|h| format!("`{h}`"))
            .collect();
        let more = if self.header.len() > 8 {
            format!(", … ({} columns)", self.header.len())
        } else {
            String::new()
        };
        format!("{}{more}", v.join(", "))
    }

    /// Line of the current record (1-based).
    pub fn line(&self) -> u64 {
        self.rec.position().map_or(0, |p| p.line())
    }

    /// Reads the next data row into `rec`; `Ok(false)` at the end. Rows with
    /// the wrong number of fields are errors (or skipped). Blank lines are
    /// ignored by the CSV reader.
    pub fn advance(&mut self) -> Result<bool, TraceError> {
        loop {
            let got = self.rdr.read_byte_record(&mut self.rec).map_err(|e| {
                let line = e
                    .position()
                    .map_or(String::new(), |p| format!(":{}", p.line()));
                TraceError(format!("{}{line}: {e}", self.name))
            })?;
            if !got {
                return Ok(false);
            }
            self.row_index += 1;
            let n = self.rec.len();
            let h = self.header.len();
            if n == h {
                return Ok(true);
            }
            let msg = if n < h {
                format!(
                    "{}:{}: truncated row: {n} field(s), the header has {h} (column `{}` and after are missing)",
                    self.name,
                    self.line(),
                    self.header[n]
                )
            } else {
                format!(
                    "{}:{}: row has {n} fields, the header has {h}",
                    self.name,
                    self.line()
                )
            };
            self.reject(TraceError(msg))?;
        }
    }

    /// A bad row: `Err` (with the skip hint) unless skipping, when it is
    /// counted (on the first pass) and `Ok` is returned.
    pub fn reject(&mut self, e: TraceError) -> Result<(), TraceError> {
        if self.skip {
            if self.pass == 0 {
                self.skipped += 1;
            }
            Ok(())
        } else {
            Err(TraceError(format!("{} {SKIP_HINT}", e.0)))
        }
    }

    /// The error for a bad cell of the current row.
    pub fn bad_cell(&self, col: usize, what: &str) -> TraceError {
        let v = self.rec.get(col).unwrap_or(b"");
        TraceError(format!(
            "{}:{}: column `{}`: `{}` {what}",
            self.name,
            self.line(),
            self.header.get(col).map_or("?", |s| s.as_str()),
            show(v)
        ))
    }

    /// The cell as trimmed text (`None` if not UTF-8).
    pub fn text(&self, col: usize) -> Option<&str> {
        std::str::from_utf8(self.rec.get(col).unwrap_or(b""))
            .ok()
            .map(|s| s.trim())
    }

    /// A non-negative integer cell.
    pub fn count(&self, col: usize) -> Result<u64, TraceError> {
        self.text(col)
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| self.bad_cell(col, "is not a non-negative integer count"))
    }

    /// A finite number cell.
    pub fn number(&self, col: usize) -> Result<f64, TraceError> {
        self.text(col)
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.bad_cell(col, "is not a number"))
    }

    /// A timestamp cell (a number in `unit`, or a date-time) as µs; `key`
    /// names the unit key for the fix of a misread unit.
    pub fn timestamp(
        &self,
        col: usize,
        unit: super::TimeUnit,
        key: Option<&str>,
    ) -> Result<i64, TraceError> {
        let text = self.text(col).unwrap_or("\u{fffd}");
        super::units::timestamp(text, unit, key).map_err(|why| self.bad_cell(col, &why))
    }

    /// A duration cell in `unit` (`None`: seconds, implicitly) as whole µs,
    /// within the plausible range ([`super::units::duration`]).
    pub fn duration(
        &self,
        col: usize,
        unit: Option<super::TimeUnit>,
        key: Option<&str>,
    ) -> Result<u64, TraceError> {
        let x = self.number(col)?;
        super::units::duration(x, unit, key).map_err(|why| self.bad_cell(col, &why))
    }

    /// A number cell within `lo..=hi`; `what` describes the range.
    pub fn number_in(&self, col: usize, lo: f64, hi: f64, what: &str) -> Result<f64, TraceError> {
        let x = self.number(col)?;
        if x < lo || x > hi {
            return Err(self.bad_cell(col, &format!("is out of range: {what}")));
        }
        Ok(x)
    }

    /// The position of the current record, to come back to with [`Self::seek`].
    pub fn position(&self) -> csv::Position {
        self.rec
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new)
    }

    /// Continues reading at a record position taken by [`Self::position`]
    /// (same pass).
    pub fn seek(&mut self, pos: &csv::Position) -> Result<(), TraceError> {
        self.rdr
            .seek(pos.clone())
            .map_err(|e| io_err(&self.name, e))
    }

    /// Starts the file over (a new pass; the header is skipped).
    pub fn rewind(&mut self) -> Result<(), TraceError> {
        self.rdr = reader(&self.path, &self.name)?;
        self.rdr
            .read_byte_record(&mut self.rec)
            .map_err(|e| io_err(&self.name, e))?;
        self.pass += 1;
        self.row_index = 0;
        Ok(())
    }
}
