//! Where things are in a JSON text: the line and column of every value (and member name) by JSON
//! path, and the conversions between the path forms the tool meets.

use std::collections::{HashMap, HashSet};
use std::iter::Peekable;
use std::str::Chars;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// An object member (a struct field or a map entry).
    Key(String),
    /// An array element.
    Index(usize),
}

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, in characters.
    pub column: usize,
}

#[derive(Debug, Clone, Copy)]
struct Located {
    /// The member name's position, for object members.
    key: Option<Position>,
    /// The value's position.
    value: Position,
}

/// The positions of every value of a JSON text, and the object members it repeats.
#[derive(Debug, Default)]
pub struct PositionIndex {
    entries: HashMap<Vec<Segment>, Located>,
    /// Members that appear more than once in their object: path and position of each repeat.
    pub duplicates: Vec<(Vec<Segment>, Position)>,
}

impl PositionIndex {
    /// Indexes `text`, which must be valid JSON (as `serde_json` already checked); `None` if the
    /// scanner disagrees.
    pub fn build(text: &str) -> Option<Self> {
        let mut scanner = Scanner {
            chars: text.chars().peekable(),
            line: 1,
            column: 1,
            index: PositionIndex::default(),
        };
        let mut path = Vec::new();
        scanner.skip_whitespace();
        scanner.value(&mut path, None)?;
        Some(scanner.index)
    }

    /// Where the value at `path` starts.
    pub fn value(&self, path: &[Segment]) -> Option<Position> {
        self.entries.get(path).map(|l| l.value)
    }

    /// Where the member at `path` starts (its name), or the value for array elements.
    pub fn member(&self, path: &[Segment]) -> Option<Position> {
        self.entries.get(path).map(|l| l.key.unwrap_or(l.value))
    }
}

struct Scanner<'a> {
    chars: Peekable<Chars<'a>>,
    line: usize,
    column: usize,
    index: PositionIndex,
}

impl Scanner<'_> {
    fn here(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    fn next(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.chars.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.next();
        }
    }

    fn expect(&mut self, wanted: char) -> Option<()> {
        self.skip_whitespace();
        (self.next()? == wanted).then_some(())
    }

    fn value(&mut self, path: &mut Vec<Segment>, key: Option<Position>) -> Option<()> {
        self.skip_whitespace();
        let value = self.here();
        self.index
            .entries
            .insert(path.clone(), Located { key, value });
        match *self.chars.peek()? {
            '{' => {
                self.next();
                let mut seen = HashSet::new();
                self.skip_whitespace();
                if self.chars.peek() == Some(&'}') {
                    self.next();
                    return Some(());
                }
                loop {
                    self.skip_whitespace();
                    let key_at = self.here();
                    let name = self.string()?;
                    self.expect(':')?;
                    path.push(Segment::Key(name.clone()));
                    if !seen.insert(name) {
                        self.index.duplicates.push((path.clone(), key_at));
                    }
                    self.value(path, Some(key_at))?;
                    path.pop();
                    self.skip_whitespace();
                    match self.next()? {
                        ',' => continue,
                        '}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            '[' => {
                self.next();
                self.skip_whitespace();
                if self.chars.peek() == Some(&']') {
                    self.next();
                    return Some(());
                }
                let mut i = 0;
                loop {
                    path.push(Segment::Index(i));
                    self.value(path, None)?;
                    path.pop();
                    i += 1;
                    self.skip_whitespace();
                    match self.next()? {
                        ',' => continue,
                        ']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            '"' => self.string().map(drop),
            _ => {
                // A number or a literal.
                let mut any = false;
                while self
                    .chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
                {
                    self.next();
                    any = true;
                }
                any.then_some(())
            }
        }
    }

    /// A string, decoded (so member names match what `serde_json` decodes).
    fn string(&mut self) -> Option<String> {
        if self.next()? != '"' {
            return None;
        }
        let mut out = String::new();
        loop {
            match self.next()? {
                '"' => return Some(out),
                '\\' => match self.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'u' => {
                        let first = self.hex4()?;
                        let code = if (0xD800..0xDC00).contains(&first) {
                            // A surrogate pair (serde_json rejects a lone one, so it is there).
                            if self.next()? != '\\' || self.next()? != 'u' {
                                return None;
                            }
                            let second = self.hex4()?;
                            0x10000 + ((first - 0xD800) << 10) + (second.checked_sub(0xDC00)?)
                        } else {
                            first
                        };
                        out.push(char::from_u32(code)?);
                    }
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut code = 0;
        for _ in 0..4 {
            code = code * 16 + self.next()?.to_digit(16)?;
        }
        Some(code)
    }
}

/// The character column of `serde_json`'s byte column on `line` of `text` (at least 1).
pub fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(line_text) = text.split('\n').nth(line.saturating_sub(1)) else {
        return byte_column.max(1);
    };
    let mut end = byte_column.min(line_text.len());
    while !line_text.is_char_boundary(end) {
        end -= 1;
    }
    line_text[..end].chars().count().max(1)
}

/// The position of byte `offset` of `text`.
pub fn position_of_offset(text: &[u8], offset: usize) -> Position {
    let before = &text[..offset.min(text.len())];
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    let start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |at| at + 1);
    let column = 1 + String::from_utf8_lossy(&before[start..]).chars().count();
    Position { line, column }
}

/// Parses a path as `hcs_schema::check` writes it (`A.B["key"][0].C="value"`) into segments and
/// the enum value suffix, if any.
pub fn parse_check_path(path: &str) -> Option<(Vec<Segment>, Option<String>)> {
    let mut segments = Vec::new();
    let mut chars = path.chars().peekable();
    let mut start = true;
    loop {
        match chars.peek() {
            None => return Some((segments, None)),
            Some('=') => {
                chars.next();
                let value = debug_string(&mut chars)?;
                return chars.next().is_none().then_some((segments, Some(value)));
            }
            Some('[') => {
                chars.next();
                if chars.peek() == Some(&'"') {
                    segments.push(Segment::Key(debug_string(&mut chars)?));
                } else {
                    let mut digits = String::new();
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        digits.push(chars.next()?);
                    }
                    segments.push(Segment::Index(digits.parse().ok()?));
                }
                if chars.next()? != ']' {
                    return None;
                }
            }
            Some(_) => {
                if !start && chars.next()? != '.' {
                    return None;
                }
                let mut name = String::new();
                while chars.peek().is_some_and(|c| !matches!(c, '.' | '[' | '=')) {
                    name.push(chars.next()?);
                }
                if name.is_empty() {
                    return None;
                }
                segments.push(Segment::Key(name));
            }
        }
        start = false;
    }
}

/// A string as Rust's `Debug` writes it, opening quote next.
fn debug_string(chars: &mut Peekable<Chars<'_>>) -> Option<String> {
    if chars.next()? != '"' {
        return None;
    }
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'u' => {
                    if chars.next()? != '{' {
                        return None;
                    }
                    let mut hex = String::new();
                    loop {
                        match chars.next()? {
                            '}' => break,
                            c => hex.push(c),
                        }
                    }
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
}

/// Writes segments the way `hcs_schema::check` does, using the document's JSON Schema to tell
/// struct fields (`.Name`) from map entries (`["key"]`).
pub fn render_path(segments: &[Segment], schema: &serde_json::Value) -> String {
    let mut out = String::new();
    let mut node = Some(schema);
    for segment in segments {
        let resolved = node.and_then(|n| resolve(n, schema));
        match segment {
            Segment::Index(i) => {
                out.push_str(&format!("[{i}]"));
                node = resolved.and_then(|n| n.get("items"));
            }
            Segment::Key(key) => {
                let field = resolved
                    .and_then(|n| n.get("properties"))
                    .and_then(|p| p.get(key));
                let entry = resolved
                    .and_then(|n| n.get("additionalProperties"))
                    .filter(|a| a.is_object());
                if let (None, Some(entry)) = (field, entry) {
                    out.push_str(&format!("[{key:?}]"));
                    node = Some(entry);
                } else {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                    node = field;
                }
            }
        }
    }
    out
}

/// Follows `$ref`s and picks the non-null branch of `anyOf`/`oneOf` (how `schemars` writes
/// `Option`).
fn resolve<'a>(
    mut node: &'a serde_json::Value,
    root: &'a serde_json::Value,
) -> Option<&'a serde_json::Value> {
    for _ in 0..64 {
        if let Some(reference) = node.get("$ref").and_then(|r| r.as_str()) {
            let name = reference.strip_prefix("#/$defs/")?;
            node = root.get("$defs")?.get(name)?;
            continue;
        }
        let branches = node.get("anyOf").or_else(|| node.get("oneOf"));
        if let Some(branches) = branches.and_then(|b| b.as_array()) {
            node = branches
                .iter()
                .find(|b| b.get("type").and_then(|t| t.as_str()) != Some("null"))?;
            continue;
        }
        return Some(node);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Segment {
        Segment::Key(k.to_owned())
    }

    #[test]
    fn indexes_values_and_members() {
        let text = "{\n  \"A\": [1, {\"B\": \"x\"}],\n  \"\\u00e9\": true,\n  \"A\": null\n}";
        let index = PositionIndex::build(text).unwrap();
        assert_eq!(index.value(&[]), Some(Position { line: 1, column: 1 }));
        // A repeated member: the last one is the value `serde_json` keeps.
        assert_eq!(
            index.member(&[key("A")]),
            Some(Position { line: 4, column: 3 })
        );
        let b = [key("A"), Segment::Index(1), key("B")];
        assert_eq!(
            index.value(&b),
            Some(Position {
                line: 2,
                column: 18
            })
        );
        assert_eq!(
            index.value(&[key("é")]),
            Some(Position {
                line: 3,
                column: 13
            })
        );
        assert_eq!(
            index.duplicates,
            vec![(vec![key("A")], Position { line: 4, column: 3 })]
        );
    }

    #[test]
    fn parses_check_paths() {
        assert_eq!(
            parse_check_path(r#"Devices.Scsi["0"].Attachments["a\"b"].Type="Vhd""#),
            Some((
                vec![
                    key("Devices"),
                    key("Scsi"),
                    key("0"),
                    key("Attachments"),
                    key("a\"b"),
                    key("Type")
                ],
                Some("Vhd".to_owned())
            ))
        );
        assert_eq!(
            parse_check_path("A[3].B"),
            Some((vec![key("A"), Segment::Index(3), key("B")], None))
        );
        assert_eq!(parse_check_path(""), Some((vec![], None)));
    }

    #[test]
    fn columns() {
        assert_eq!(char_column("é\"x", 1, 3), 2);
        assert_eq!(char_column("", 1, 0), 1);
        assert_eq!(
            position_of_offset(b"ab\ncd", 4),
            Position { line: 2, column: 2 }
        );
    }
}
