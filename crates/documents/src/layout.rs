//! Page geometry, fonts, text measurement and line breaking, and the page
//! builder that turns a flow of blocks into pages of positioned items.
//!
//! Coordinates are PDF points with the origin at the top-left corner of the
//! page and y growing downwards (krilla's convention); a text item's `y` is
//! its baseline.

use std::sync::OnceLock;

/// A4 in points.
pub(crate) const PAGE_WIDTH: f32 = 595.276;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
/// Margins: 25 mm left (binding side), 15 mm right, 15 mm top, 20 mm bottom
/// above the footer.
pub(crate) const MARGIN_LEFT: f32 = 70.87;
pub(crate) const MARGIN_RIGHT: f32 = 42.52;
pub(crate) const MARGIN_TOP: f32 = 42.52;
pub(crate) const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - 70.0;
pub(crate) const FOOTER_RULE_Y: f32 = PAGE_HEIGHT - 50.0;
pub(crate) const CONTENT_WIDTH: f32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;

pub(crate) static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
pub(crate) static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

fn face(weight: Weight) -> &'static rustybuzz::Face<'static> {
    static REGULAR: OnceLock<rustybuzz::Face<'static>> = OnceLock::new();
    static BOLD: OnceLock<rustybuzz::Face<'static>> = OnceLock::new();
    let (cell, data) = match weight {
        Weight::Regular => (&REGULAR, REGULAR_TTF),
        Weight::Bold => (&BOLD, BOLD_TTF),
    };
    // The fonts are bundled with the crate; a test parses both.
    cell.get_or_init(|| rustybuzz::Face::from_slice(data, 0).expect("bundled font parses"))
}

/// Whether both bundled fonts have a glyph for `character`.
pub(crate) fn covers(character: char) -> bool {
    [Weight::Regular, Weight::Bold]
        .into_iter()
        .all(|weight| face(weight).glyph_index(character).is_some())
}

/// The advance width of `text` set in one line, in points. Measured by
/// shaping with the same shaper (rustybuzz) krilla uses to draw it.
pub(crate) fn text_width(text: &str, weight: Weight, size: f32) -> f32 {
    if text.is_empty() {
        return 0.0;
    }
    let face = face(weight);
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    let glyphs = rustybuzz::shape(face, &[], buffer);
    let units: i64 = glyphs
        .glyph_positions()
        .iter()
        .map(|position| i64::from(position.x_advance))
        .sum();
    units as f32 * size / face.units_per_em() as f32
}

/// Breaks `text` into lines no wider than `width`: greedily at spaces, and
/// inside a word only when the word alone is too wide. A newline in the text
/// always starts a new line. Never returns an empty list.
pub(crate) fn wrap(text: &str, weight: Weight, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, weight, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if text_width(word, weight, size) <= width {
                line = word.to_owned();
                continue;
            }
            // A word wider than the line (a URL, a long code): break it
            // between characters.
            for character in word.chars() {
                let mut candidate = line.clone();
                candidate.push(character);
                if !line.is_empty() && text_width(&candidate, weight, size) > width {
                    lines.push(std::mem::take(&mut line));
                    line.push(character);
                } else {
                    line = candidate;
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// One thing drawn on a page.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        weight: Weight,
        gray: u8,
        text: String,
    },
    /// A straight line.
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// A filled rectangle.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: u8,
    },
    /// The QR code, `size` points square, top-left at (x, y).
    Qr { x: f32, y: f32, size: f32 },
}

/// Lays blocks out top to bottom, starting a new page when a block does not
/// fit on the current one.
pub(crate) struct Flow {
    pub(crate) pages: Vec<Vec<Item>>,
    /// The top of the free space on the current page.
    pub(crate) y: f32,
}

/// The height of a line of text of `size` points.
pub(crate) fn line_height(size: f32) -> f32 {
    size * 1.3
}

impl Flow {
    pub(crate) fn new() -> Flow {
        Flow {
            pages: vec![Vec::new()],
            y: MARGIN_TOP,
        }
    }

    pub(crate) fn push(&mut self, item: Item) {
        if let Some(page) = self.pages.last_mut() {
            page.push(item);
        }
    }

    /// Makes sure `height` points are free below the cursor, starting a new
    /// page when they are not (unless the page is still empty).
    pub(crate) fn reserve(&mut self, height: f32) {
        let page_is_empty = self.pages.last().is_none_or(Vec::is_empty);
        if self.y + height > CONTENT_BOTTOM && !page_is_empty {
            self.pages.push(Vec::new());
            self.y = MARGIN_TOP;
        }
    }

    pub(crate) fn space(&mut self, height: f32) {
        self.y += height;
    }

    /// Draws already-wrapped `lines` in a box `width` wide starting at `x`,
    /// each line kept on one page.
    pub(crate) fn lines(&mut self, lines: &[String], style: Style, x: f32, width: f32) {
        let height = line_height(style.size);
        for line in lines {
            self.reserve(height);
            let line_x = match style.align {
                Align::Left => x,
                Align::Center => x + (width - text_width(line, style.weight, style.size)) / 2.0,
                Align::Right => x + width - text_width(line, style.weight, style.size),
            };
            self.push(Item::Text {
                x: line_x,
                baseline: self.y + style.size,
                size: style.size,
                weight: style.weight,
                gray: style.gray,
                text: line.clone(),
            });
            self.y += height;
        }
    }

    /// Wraps and draws a paragraph across the content width.
    pub(crate) fn paragraph(&mut self, text: &str, style: Style) {
        self.paragraph_at(text, style, MARGIN_LEFT, CONTENT_WIDTH);
    }

    pub(crate) fn paragraph_at(&mut self, text: &str, style: Style, x: f32, width: f32) {
        let lines = wrap(text, style.weight, style.size, width);
        self.lines(&lines, style, x, width);
    }

    pub(crate) fn rule(&mut self, width: f32) {
        self.push(Item::Rule {
            x1: MARGIN_LEFT,
            y1: self.y,
            x2: MARGIN_LEFT + CONTENT_WIDTH,
            y2: self.y,
            width,
        });
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Style {
    pub(crate) size: f32,
    pub(crate) weight: Weight,
    pub(crate) align: Align,
    /// 0 is black, 255 white.
    pub(crate) gray: u8,
}

impl Style {
    pub(crate) const fn new(size: f32, weight: Weight, align: Align) -> Style {
        Style {
            size,
            weight,
            align,
            gray: 0,
        }
    }

    pub(crate) const fn gray(mut self, gray: u8) -> Style {
        self.gray = gray;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fonts_cover_kazakh_and_russian() {
        for character in "әғқңөұүһіӘҒҚҢӨҰҮҺІабвгдеёжзийклмнопрстуфхцчшщъыьэюяЁ№«»—".chars()
        {
            assert!(covers(character), "{character} is not covered");
        }
        assert!(!covers('\u{4E2D}'), "DejaVu Sans has no CJK");
    }

    #[test]
    fn width_grows_with_text_and_size() {
        let short = text_width("қызмет", Weight::Regular, 10.0);
        assert!(short > 20.0 && short < 60.0, "{short}");
        assert!(text_width("қызмет қызмет", Weight::Regular, 10.0) > 2.0 * short);
        assert!(text_width("қызмет", Weight::Bold, 10.0) > short);
        assert!((text_width("қызмет", Weight::Regular, 20.0) - 2.0 * short).abs() < 0.01);
    }

    #[test]
    fn wrap_keeps_every_line_within_width_and_every_word() {
        let text = "Қазақстан Республикасының азаматтарын Семей ядролық сынақ полигонындағы ядролық сынақтардың салдарынан зардап шеккендер деп тану туралы шешім";
        let lines = wrap(text, Weight::Bold, 12.0, 200.0);
        assert!(lines.len() >= 4, "{lines:?}");
        for line in &lines {
            assert!(text_width(line, Weight::Bold, 12.0) <= 200.0, "{line}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn wrap_breaks_a_word_wider_than_the_line() {
        let url = "https://qyzmet.example/verify/0123456789abcdef0123456789abcdef0123456789abcdef";
        let lines = wrap(url, Weight::Regular, 8.0, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), url);
        for line in &lines {
            assert!(text_width(line, Weight::Regular, 8.0) <= 100.0, "{line}");
        }
    }

    #[test]
    fn wrap_keeps_newlines_and_never_returns_nothing() {
        assert_eq!(wrap("а\nә", Weight::Regular, 10.0, 500.0), vec!["а", "ә"]);
        assert_eq!(wrap("", Weight::Regular, 10.0, 500.0), vec![String::new()]);
    }
}
