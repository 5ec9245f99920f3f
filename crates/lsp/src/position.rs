//! Byte offsets (what the regulation compiler's spans are) ↔ LSP positions
//! (0-based line, column in UTF-16 code units: what every client counts in
//! unless told otherwise).
//!
//! Regulation files are mostly Kazakh and Russian: a Cyrillic letter is two
//! bytes of UTF-8 and one UTF-16 unit, so a byte column is wrong after the
//! first Cyrillic letter of a line.

use lsp_types::{Position, Range};
use qyzmet_regulation::Span;

/// The start of every line of one text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line; `starts[0] == 0`.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The position of byte `offset` (clamped to the text and rounded down
    /// to a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(self.len).min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let character = text[start..offset].encode_utf16().count();
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(character).unwrap_or(u32::MAX),
        )
    }

    pub fn range(&self, text: &str, span: Span) -> Range {
        let start = self.position(text, span.start);
        let end = self.position(text, span.end.max(span.start));
        Range::new(start, end)
    }

    /// The byte offset of `position`. A line past the end is the end of the
    /// text; a column past the end of its line is the end of the line; a
    /// column inside a surrogate pair is the start of that character.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let line = &text[start..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units + c.len_utf16() > position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_utf16_units() {
        // `қ` is 2 bytes and 1 unit; `𝔸` is 4 bytes and 2 units.
        let text = "a: 1\nқызмет: x\n𝔸b: y";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(text, x), Position::new(1, 8));
        assert_eq!(index.offset(text, Position::new(1, 8)), x);
        let y = text.find('y').unwrap();
        assert_eq!(index.position(text, y), Position::new(2, 5));
        assert_eq!(index.offset(text, Position::new(2, 5)), y);
        // Inside the surrogate pair: the start of `𝔸`.
        assert_eq!(
            index.offset(text, Position::new(2, 1)),
            text.find('𝔸').unwrap()
        );
        assert_eq!(index.position(text, 0), Position::new(0, 0));
        assert_eq!(index.position(text, text.len()), Position::new(2, 6));
        // Past the end of a line and of the text.
        assert_eq!(index.offset(text, Position::new(0, 99)), 4);
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        // In the middle of a two-byte letter: rounded down.
        assert_eq!(index.position(text, 6), Position::new(1, 0));
    }
}
