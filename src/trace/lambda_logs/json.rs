//! `aws logs filter-log-events` output, streamed: one element of `events` at
//! a time, whatever the file's size. The document's own punctuation is
//! scanned here; each event and every other value is handed to serde_json,
//! reading from the same byte stream (an object, string, array or literal
//! ends on its own last byte, so nothing is read past it; numbers, which do
//! not, are skipped here). Positions are counted as bytes pass, so every
//! error is `path:line:column`.

use crate::request::TraceError;
use std::io::{self, BufRead, Read};

/// One log event; the other fields (`ingestionTime`, `eventId`) are ignored.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Milliseconds since the epoch.
    pub timestamp: serde_json::Value,
    pub message: String,
    #[serde(default)]
    pub log_stream_name: Option<String>,
}

/// A byte reader that keeps the line and column of the next byte.
pub struct Counted<R> {
    inner: R,
    pub line: u64,
    pub col: u64,
}

impl<R: BufRead> Counted<R> {
    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.inner.fill_buf()?.first().copied())
    }
    fn bump(&mut self) {
        if let Ok(b) = self.inner.fill_buf()
            && let Some(&c) = b.first()
        {
            self.note(c);
            self.inner.consume(1);
        }
    }
    fn note(&mut self, c: u8) {
        if c == b'\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
    }
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // One byte at a time is what serde_json's reader asks for anyway.
        let n = {
            let b = self.inner.fill_buf()?;
            let n = b.len().min(buf.len());
            buf[..n].copy_from_slice(&b[..n]);
            n
        };
        for &c in &buf[..n] {
            self.note(c);
        }
        self.inner.consume(n);
        Ok(n)
    }
}

#[derive(PartialEq)]
enum State {
    /// Before the top-level `{`.
    Start,
    /// Between members of the top-level object.
    Members,
    /// Inside `events`, before an element (or its `]`).
    Events {
        first: bool,
    },
    Done,
}

/// The events of one filter-log-events document, in file order.
pub struct Events<R> {
    r: Counted<R>,
    name: String,
    state: State,
    saw_events: bool,
    /// Line of the current event's first byte.
    pub event_line: u64,
}

impl<R: BufRead> Events<R> {
    pub fn new(inner: R, name: String) -> Self {
        Events {
            r: Counted {
                inner,
                line: 1,
                col: 1,
            },
            name,
            state: State::Start,
            saw_events: false,
            event_line: 0,
        }
    }

    fn here(&self) -> String {
        format!("{}:{}:{}", self.name, self.r.line, self.r.col)
    }

    fn io(&self, e: io::Error) -> TraceError {
        TraceError(format!("{}: cannot read the log file: {e}", self.here()))
    }

    fn ws(&mut self) -> Result<Option<u8>, TraceError> {
        loop {
            match self.r.peek().map_err(|e| self.io(e))? {
                Some(c) if c.is_ascii_whitespace() => self.r.bump(),
                other => return Ok(other),
            }
        }
    }

    fn expected(&self, what: &str, got: Option<u8>) -> TraceError {
        let got = match got {
            None => "the end of the file (is the download truncated?)".to_string(),
            Some(c) if c.is_ascii_graphic() => format!("`{}`", c as char),
            Some(c) => format!("byte 0x{c:02x}"),
        };
        TraceError(format!(
            "{}: expected {what}, found {got}; expected the JSON of `aws logs filter-log-events` ({{\"events\": [{{\"timestamp\": …, \"message\": …}}, …]}})",
            self.here()
        ))
    }

    /// serde_json reading one value from the stream, its errors placed in the file.
    fn value<T: serde::de::DeserializeOwned>(&mut self, what: &str) -> Result<T, TraceError> {
        let (line0, col0) = (self.r.line, self.r.col);
        let mut de = serde_json::Deserializer::from_reader(&mut self.r);
        T::deserialize(&mut de).map_err(|e| {
            let (l, c) = if e.line() <= 1 {
                (line0, col0 + e.column().saturating_sub(1) as u64)
            } else {
                (line0 + e.line() as u64 - 1, e.column() as u64)
            };
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            let hint = if e.is_eof() {
                " (the file ends inside it: is the download truncated?)"
            } else {
                ""
            };
            TraceError(format!("{}:{l}:{c}: {what}: {msg}{hint}", self.name))
        })
    }

    /// Skips a number (serde_json would read one byte past it).
    fn skip_number(&mut self) -> Result<(), TraceError> {
        while let Some(c) = self.r.peek().map_err(|e| self.io(e))? {
            if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.r.bump();
            } else {
                break;
            }
        }
        Ok(())
    }

    /// The next event, `None` after the document's closing `}`.
    pub fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Start => {
                    let c = self.ws()?;
                    if c != Some(b'{') {
                        return Err(self.expected("`{` (a JSON object)", c));
                    }
                    self.r.bump();
                    self.state = State::Members;
                    if self.ws()? == Some(b'}') {
                        self.r.bump();
                        self.state = State::Done;
                    }
                }
                State::Members => {
                    let c = self.ws()?;
                    match c {
                        Some(b',') => {
                            self.r.bump();
                            continue;
                        }
                        Some(b'}') => {
                            self.r.bump();
                            self.state = State::Done;
                            if !self.saw_events {
                                return Err(TraceError(format!(
                                    "{}: no `events` array; expected the JSON of `aws logs filter-log-events`",
                                    self.name
                                )));
                            }
                            continue;
                        }
                        Some(b'"') => {}
                        other => return Err(self.expected("a member name or `}`", other)),
                    }
                    let key: String = self.value("a member name")?;
                    let c = self.ws()?;
                    if c != Some(b':') {
                        return Err(self.expected("`:`", c));
                    }
                    self.r.bump();
                    let c = self.ws()?;
                    if key == "events" {
                        if c != Some(b'[') {
                            return Err(self.expected("`[` (the events array)", c));
                        }
                        self.r.bump();
                        self.saw_events = true;
                        self.state = State::Events { first: true };
                    } else if c.is_some_and(|c| c.is_ascii_digit() || c == b'-') {
                        self.skip_number()?;
                    } else {
                        let _: serde::de::IgnoredAny = self.value(&format!("`{key}`"))?;
                    }
                }
                State::Events { first } => {
                    let mut c = self.ws()?;
                    if c == Some(b']') {
                        self.r.bump();
                        self.state = State::Members;
                        continue;
                    }
                    if !first {
                        if c != Some(b',') {
                            return Err(self.expected("`,` or `]` in the events array", c));
                        }
                        self.r.bump();
                        c = self.ws()?;
                    }
                    if c != Some(b'{') {
                        return Err(self.expected("an event object `{`", c));
                    }
                    self.event_line = self.r.line;
                    self.state = State::Events { first: false };
                    let ev: Event = self.value("event")?;
                    return Ok(Some(ev));
                }
            }
        }
    }

    /// After the document: only whitespace may follow.
    pub fn finish(&mut self) -> Result<(), TraceError> {
        match self.ws()? {
            None => Ok(()),
            c => Err(self.expected("the end of the file after the JSON document", c)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(s: &str) -> Result<Vec<(u64, String)>, TraceError> {
        let mut e = Events::new(s.as_bytes(), "f.json".into());
        let mut out = Vec::new();
        while let Some(ev) = e.next_event()? {
            out.push((e.event_line, ev.message));
        }
        e.finish()?;
        Ok(out)
    }

    #[test]
    fn streams_events_between_other_members() {
        let doc = "{\n  \"searchedLogStreams\": [],\n  \"n\": 12,\n  \"events\": [\n    {\"logStreamName\": \"s\", \"timestamp\": 1, \"message\": \"a\", \"ingestionTime\": 2, \"eventId\": \"x\"},\n    {\"timestamp\": 3, \"message\": \"b\"}\n  ],\n  \"nextToken\": \"t\"\n}\n";
        assert_eq!(all(doc).unwrap(), vec![(5, "a".into()), (6, "b".into())]);
        assert_eq!(all("{\"events\":[]}").unwrap(), vec![]);
    }

    #[test]
    fn truncated_and_malformed_documents_name_line_and_column() {
        let e = all("{\n \"events\": [\n  {\"timestamp\": 1, \"mess")
            .unwrap_err()
            .0;
        assert!(e.starts_with("f.json:3:"), "{e}");
        assert!(e.contains("truncated"), "{e}");
        let e = all("{\n \"events\": [\n  {\"timestamp\": 1, \"message\": \"a\"}\n")
            .unwrap_err()
            .0;
        assert!(e.starts_with("f.json:4:1: expected `,` or `]`"), "{e}");
        assert!(e.contains("truncated"), "{e}");
        let e = all("{\"events\": [{\"timestamp\": 1}]}").unwrap_err().0;
        assert!(e.contains("missing field `message`"), "{e}");
        let e = all("[1]").unwrap_err().0;
        assert!(e.starts_with("f.json:1:1: expected `{`"), "{e}");
        let e = all("{\"nextToken\": \"x\"}").unwrap_err().0;
        assert!(e.contains("no `events` array"), "{e}");
    }
}
