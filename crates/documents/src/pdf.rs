//! Writing laid-out pages as a PDF with krilla, and the QR code's modules.

use std::sync::OnceLock;

use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder, Validator};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::{Data, SerializeSettings};

use crate::labels::heading;
use crate::layout::{BOLD_TTF, Item, PAGE_HEIGHT, PAGE_WIDTH, REGULAR_TTF, Weight};
use crate::{Document, DocumentError, Lang};

/// The QR code as a square grid of modules, `true` for dark, row by row.
pub(crate) struct QrModules {
    pub(crate) width: usize,
    pub(crate) dark: Vec<bool>,
}

/// The quiet zone around the code, in modules (the standard asks for 4).
const QUIET_ZONE: usize = 4;

pub(crate) fn qr_modules(url: &str) -> Result<QrModules, DocumentError> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|error| DocumentError::QrCode(error.to_string()))?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|color| color == qrcode::Color::Dark)
        .collect();
    Ok(QrModules {
        width: code.width(),
        dark,
    })
}

fn font(weight: Weight) -> Font {
    static REGULAR: OnceLock<Option<Font>> = OnceLock::new();
    static BOLD: OnceLock<Option<Font>> = OnceLock::new();
    let (cell, data) = match weight {
        Weight::Regular => (&REGULAR, REGULAR_TTF),
        Weight::Bold => (&BOLD, BOLD_TTF),
    };
    cell.get_or_init(|| Font::new(Data::from(data), 0))
        .clone()
        // The fonts are bundled with the crate; a test renders with both.
        .expect("bundled font parses")
}

fn gray_fill(gray: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(gray, gray, gray).into(),
        ..Fill::default()
    }
}

pub(crate) fn write(
    doc: &Document,
    lang: Lang,
    pages: &[Vec<Item>],
    qr: &QrModules,
) -> Result<Vec<u8>, DocumentError> {
    let configuration = ConfigurationBuilder::new()
        .set_validator(Validator::from(Archival::A2_U))
        .finish()
        .map_err(|error| DocumentError::Pdf(format!("{error:?}")))?;
    let settings = SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    };
    let mut pdf = krilla::Document::new_with(settings);
    pdf.set_metadata(metadata(doc, lang));

    for items in pages {
        let page_settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| DocumentError::Pdf("bad page size".into()))?;
        let mut page = pdf.start_page_with(page_settings);
        let mut surface = page.surface();
        for item in items {
            match item {
                Item::Text {
                    x,
                    baseline,
                    size,
                    weight,
                    gray,
                    text,
                } => {
                    surface.set_fill(Some(gray_fill(*gray)));
                    surface.draw_text(
                        Point::from_xy(*x, *baseline),
                        font(*weight),
                        *size,
                        text,
                        false,
                        TextDirection::LeftToRight,
                    );
                }
                Item::Rule {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y1);
                    path.line_to(*x2, *y2);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: rgb::Color::black().into(),
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Item::Fill { x, y, w, h, gray } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(gray_fill(*gray)));
                        surface.draw_path(&path);
                    }
                }
                Item::Qr { x, y, size } => {
                    if let Some(path) = qr_path(qr, *x, *y, *size) {
                        surface.set_stroke(None);
                        surface.set_fill(Some(gray_fill(0)));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish()
        .map_err(|error| DocumentError::Pdf(format!("{error:?}")))
}

/// One path of squares: each horizontal run of dark modules is one
/// rectangle, so that viewers draw no hairlines between modules.
fn qr_path(qr: &QrModules, x: f32, y: f32, size: f32) -> Option<krilla::geom::Path> {
    let modules = qr.width + 2 * QUIET_ZONE;
    let module = size / modules as f32;
    let mut path = PathBuilder::new();
    for row in 0..qr.width {
        let mut column = 0;
        while column < qr.width {
            if !qr.dark[row * qr.width + column] {
                column += 1;
                continue;
            }
            let start = column;
            while column < qr.width && qr.dark[row * qr.width + column] {
                column += 1;
            }
            let rect = Rect::from_xywh(
                x + (start + QUIET_ZONE) as f32 * module,
                y + (row + QUIET_ZONE) as f32 * module,
                (column - start) as f32 * module,
                module,
            )?;
            path.push_rect(rect);
        }
    }
    path.finish()
}

fn metadata(doc: &Document, lang: Lang) -> Metadata {
    let at = doc.issued_at;
    let offset_seconds = doc.utc_offset.seconds();
    let offset_hours = (offset_seconds / 3600) as i8;
    let offset_minutes = ((offset_seconds.abs() % 3600) / 60) as u8;
    let year = u16::try_from(at.year()).unwrap_or(0);
    let creation = DateTime::new(year)
        .month(at.month() as u8)
        .day(at.day() as u8)
        .hour(at.hour() as u8)
        .minute(at.minute() as u8)
        .second(at.second() as u8)
        .utc_offset_hour(offset_hours)
        .utc_offset_minute(offset_minutes);
    Metadata::new()
        .title(format!(
            "{} № {} ({})",
            heading(&doc.kind, lang),
            doc.id,
            doc.case_number
        ))
        .language(lang.code().to_owned())
        .creator("Qyzmet".to_owned())
        .creation_date(creation)
        .document_id(doc.id.clone())
}
