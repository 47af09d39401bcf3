//! Keeps error messages readable when the input has very long lines: a TOML
//! syntax error on a 200 MB line must not print the line (twice, with its
//! caret line). Text only; knows nothing of scenarios.

/// Longest line (in characters) an error message prints whole.
pub const MAX_LINE: usize = 240;

/// Characters kept on each side of the caret in an elided source line.
const WINDOW: usize = 60;

/// `s` cut to `MAX_LINE` characters, saying how many were left out.
pub fn elide(s: &str) -> String {
    let n = s.chars().count();
    if n <= MAX_LINE {
        return s.to_string();
    }
    let head: String = s.chars().take(MAX_LINE).collect();
    format!("{head}… ({} more characters)", n - MAX_LINE)
}

/// Where the gutter of a rendered snippet line ends (`12 | ` → after `| `).
fn gutter(line: &str) -> Option<usize> {
    let bar = line.find('|')?;
    line[..bar]
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ')
        .then_some((bar + 2).min(line.len()))
}

/// A rendered parser message (a source line, then a caret line under it) with
/// every over-long line shortened: the source line to a window around the
/// caret, with the caret moved to match; other lines cut at [`MAX_LINE`].
pub fn elide_snippet(msg: &str) -> String {
    if msg.lines().all(|l| l.len() <= MAX_LINE) {
        return msg.to_string();
    }
    let lines: Vec<&str> = msg.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let caret = lines.get(i + 1).and_then(|c| {
            let g = gutter(c)?;
            let content = &c[g..];
            let col = content.chars().position(|ch| ch == '^')?;
            let width = content
                .chars()
                .skip(col)
                .take_while(|&ch| ch == '^')
                .count();
            Some((g, col, width))
        });
        match (caret, gutter(l)) {
            (Some((cg, col, width)), Some(g)) if l.len() > MAX_LINE => {
                let content: Vec<char> = l[g..].chars().collect();
                let start = col.saturating_sub(WINDOW);
                let end = (col + width.max(1) + WINDOW).min(content.len());
                let mut src = String::from(&l[..g]);
                let mut pad = col - start;
                if start > 0 {
                    src.push('…');
                    pad += 1;
                }
                src.extend(&content[start..end.max(start)]);
                if end < content.len() {
                    src.push('…');
                }
                src.push_str(&format!(
                    " (line of {} characters, shown from column {})",
                    content.len(),
                    start + 1
                ));
                out.push(src);
                let w = width.min(end.saturating_sub(col)).max(1);
                out.push(format!(
                    "{}{}{}",
                    &lines[i + 1][..cg],
                    " ".repeat(pad),
                    "^".repeat(w)
                ));
                i += 2;
            }
            _ => {
                out.push(elide(l));
                i += 1;
            }
        }
    }
    let mut s = out.join("\n");
    if msg.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_source_line_is_cut_around_the_caret() {
        let long = format!("a = \"{}", "x".repeat(100_000));
        let e = toml::from_str::<toml::Table>(&long)
            .unwrap_err()
            .to_string();
        assert!(e.len() > 200_000, "the parser prints the line: {}", e.len());
        let s = elide_snippet(&e);
        assert!(s.len() < 2_000, "{s}");
        assert!(s.contains("line of 100005 characters"), "{s}");
        assert!(s.lines().all(|l| l.chars().count() < 400), "{s}");
        // Short messages are untouched.
        let short = toml::from_str::<toml::Table>("a = [1,")
            .unwrap_err()
            .to_string();
        assert_eq!(elide_snippet(&short), short);
        assert_eq!(elide("abc"), "abc");
        assert!(elide(&"y".repeat(1000)).ends_with("… (760 more characters)"));
    }
}
