//! Trace files as byte streams: plain or gzip-compressed, told apart by the
//! gzip magic bytes (not the file name), so `access.log.gz` as S3 delivers
//! it and a renamed export both read.
//!
//! A gzip file is decompressed as it is read, member after member
//! (`MultiGzDecoder`: S3 and `cat a.gz b.gz` concatenate members), so memory
//! stays flat. Seeking, which the newest-first CSV reader needs, is
//! emulated: forward by reading and discarding, backward by starting the
//! stream over. That is exact but costs a re-read of the file up to the
//! target; a newest-first gzip file of n rows decompresses about
//! n² / (2 × 4096) rows in all (fine for the 10⁵ rows of a CloudWatch
//! export; a plain file seeks directly).

use crate::request::TraceError;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The first two bytes of every gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Buffer for the compressed side of a gzip stream.
const GZ_BUF: usize = 256 * 1024;

/// An opened trace file.
pub enum Input {
    Plain(File),
    Gzip {
        path: PathBuf,
        dec: Box<MultiGzDecoder<BufReader<File>>>,
        /// Decompressed bytes read so far.
        pos: u64,
    },
}

fn io_err(name: &str, e: impl std::fmt::Display) -> TraceError {
    TraceError(format!("{name}: cannot read the trace file: {e}"))
}

fn gz(path: &Path) -> io::Result<Box<MultiGzDecoder<BufReader<File>>>> {
    let f = File::open(path)?;
    Ok(Box::new(MultiGzDecoder::new(BufReader::with_capacity(
        GZ_BUF, f,
    ))))
}

/// True when the file starts with the gzip magic bytes.
pub fn is_gzip(path: &Path) -> io::Result<bool> {
    let mut f = File::open(path)?;
    let mut b = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match f.read(&mut b[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got == 2 && b == GZIP_MAGIC)
}

impl Input {
    /// Opens `path` (named `name` in messages), decompressing it if it is
    /// gzip.
    pub fn open(path: &Path, name: &str) -> Result<Input, TraceError> {
        let gzip = is_gzip(path).map_err(|e| io_err(name, e))?;
        if gzip {
            Ok(Input::Gzip {
                path: path.to_path_buf(),
                dec: gz(path).map_err(|e| io_err(name, e))?,
                pos: 0,
            })
        } else {
            Ok(Input::Plain(File::open(path).map_err(|e| io_err(name, e))?))
        }
    }

    /// True for a gzip-compressed file.
    pub fn is_gzip(&self) -> bool {
        matches!(self, Input::Gzip { .. })
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Plain(f) => f.read(buf),
            Input::Gzip { dec, pos, .. } => {
                let n = dec.read(buf).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("gzip data is corrupt or truncated after {pos} bytes ({e})"),
                    )
                })?;
                *pos += n as u64;
                Ok(n)
            }
        }
    }
}

impl Seek for Input {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        match self {
            Input::Plain(f) => f.seek(to),
            Input::Gzip { path, dec, pos } => {
                let target = match to {
                    SeekFrom::Start(t) => t,
                    SeekFrom::Current(d) => pos.checked_add_signed(d).ok_or_else(|| {
                        io::Error::new(io::ErrorKind::InvalidInput, "seek before the start")
                    })?,
                    SeekFrom::End(_) => {
                        return Err(io::Error::new(
                            io::ErrorKind::Unsupported,
                            "cannot seek from the end of a gzip stream",
                        ));
                    }
                };
                if target < *pos {
                    *dec = gz(path)?;
                    *pos = 0;
                }
                let skip = target - *pos;
                let copied = io::copy(&mut (&mut **dec).take(skip), &mut io::sink())?;
                *pos += copied;
                if copied < skip {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("seek to byte {target} past the end of the gzip stream"),
                    ));
                }
                Ok(*pos)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz_file(dir: &Path, name: &str, members: &[&[u8]]) -> PathBuf {
        let p = dir.join(name);
        let mut out = File::create(&p).unwrap();
        for m in members {
            let mut e = GzEncoder::new(Vec::new(), Compression::default());
            e.write_all(m).unwrap();
            out.write_all(&e.finish().unwrap()).unwrap();
        }
        p
    }

    #[test]
    fn gzip_is_told_by_its_magic_and_members_concatenate() {
        let d = tempfile::tempdir().unwrap();
        let p = gz_file(d.path(), "renamed.csv", &[b"a,b\n1,2\n", b"3,4\n"]);
        let mut i = Input::open(&p, "renamed.csv").unwrap();
        assert!(i.is_gzip());
        let mut s = String::new();
        i.read_to_string(&mut s).unwrap();
        assert_eq!(s, "a,b\n1,2\n3,4\n");
        let plain = d.path().join("plain.csv");
        std::fs::write(&plain, "\x1fa,b\n").unwrap();
        assert!(!Input::open(&plain, "plain.csv").unwrap().is_gzip());
    }

    #[test]
    fn gzip_seeks_forward_and_back_exactly() {
        let d = tempfile::tempdir().unwrap();
        let text: Vec<u8> = (0..100_000u32)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let p = gz_file(d.path(), "n.gz", &[&text]);
        let mut i = Input::open(&p, "n.gz").unwrap();
        let mut b = [0u8; 6];
        for &at in &[500_000u64, 10, 388_889, 388_889] {
            assert_eq!(i.seek(SeekFrom::Start(at)).unwrap(), at);
            i.read_exact(&mut b).unwrap();
            assert_eq!(&b, &text[at as usize..at as usize + 6], "at {at}");
        }
        assert!(i.seek(SeekFrom::Start(text.len() as u64 + 1)).is_err());
    }

    #[test]
    fn a_truncated_gzip_file_is_an_error_not_a_short_trace() {
        let d = tempfile::tempdir().unwrap();
        let text: Vec<u8> = (0..50_000u32)
            .flat_map(|i| format!("{i},1\n").into_bytes())
            .collect();
        let p = gz_file(d.path(), "t.gz", &[&text]);
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
        let mut i = Input::open(&p, "t.gz").unwrap();
        let mut s = Vec::new();
        let e = i.read_to_end(&mut s).unwrap_err().to_string();
        assert!(e.contains("corrupt or truncated"), "{e}");
    }
}
