//! The QR code drawn on the page decodes to the verification URL.
//!
//! The code is read back from the PDF itself: the page's content stream is
//! parsed, the small filled squares (the modules, one rectangle per run) are
//! rasterised, and `rqrr` decodes the picture.

mod common;

use common::*;
use qyzmet_documents::Lang;

/// Axis-aligned filled rectangles lower than `max_height` points, as
/// (left, top, right, bottom) in the page's drawing coordinates.
fn small_rectangles(pdf: &[u8], max_height: f32) -> Vec<(f32, f32, f32, f32)> {
    let parsed = parse(pdf);
    let page = parsed.get_pages()[&1];
    let content = parsed.get_page_content(page).expect("page content");
    let operations = lopdf::content::Content::decode(&content)
        .expect("content stream")
        .operations;
    let mut rectangles = Vec::new();
    let mut path: Vec<Vec<(f32, f32)>> = Vec::new();
    for operation in operations {
        let numbers: Vec<f32> = operation
            .operands
            .iter()
            .filter_map(|operand| operand.as_float().ok())
            .collect();
        match operation.operator.as_str() {
            "m" => path.push(vec![(numbers[0], numbers[1])]),
            "l" => {
                if let Some(subpath) = path.last_mut() {
                    subpath.push((numbers[0], numbers[1]));
                }
            }
            "re" => path.push(vec![
                (numbers[0], numbers[1]),
                (numbers[0] + numbers[2], numbers[1] + numbers[3]),
            ]),
            "f" | "f*" => {
                for subpath in path.drain(..) {
                    let xs = subpath.iter().map(|p| p.0);
                    let ys = subpath.iter().map(|p| p.1);
                    let left = xs.clone().fold(f32::MAX, f32::min);
                    let right = xs.fold(f32::MIN, f32::max);
                    let top = ys.clone().fold(f32::MAX, f32::min);
                    let bottom = ys.fold(f32::MIN, f32::max);
                    let height = bottom - top;
                    if height > 0.0 && height < max_height {
                        rectangles.push((left, top, right, bottom));
                    }
                }
            }
            "S" | "n" | "B" | "b" => path.clear(),
            _ => {}
        }
    }
    rectangles
}

fn decode_qr(pdf: &[u8]) -> String {
    let rectangles = small_rectangles(pdf, 5.0);
    assert!(rectangles.len() > 50, "{} module runs", rectangles.len());
    let module = rectangles
        .iter()
        .map(|r| r.3 - r.1)
        .fold(f32::MAX, f32::min);
    let left = rectangles.iter().map(|r| r.0).fold(f32::MAX, f32::min);
    let top = rectangles.iter().map(|r| r.1).fold(f32::MAX, f32::min);
    let right = rectangles.iter().map(|r| r.2).fold(f32::MIN, f32::max);
    let modules = ((right - left) / module).round() as usize;
    let scale = 4;
    let quiet = 4;
    let side = (modules + 2 * quiet) * scale;
    let mut dark = vec![false; side * side];
    for &(l, t, r, b) in &rectangles {
        let column0 = ((l - left) / module).round() as usize;
        let column1 = ((r - left) / module).round() as usize;
        let row0 = ((t - top) / module).round() as usize;
        let row1 = ((b - top) / module).round() as usize;
        for row in row0..row1 {
            for column in column0..column1 {
                for dy in 0..scale {
                    for dx in 0..scale {
                        let y = (row + quiet) * scale + dy;
                        let x = (column + quiet) * scale + dx;
                        dark[y * side + x] = true;
                    }
                }
            }
        }
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
        if dark[y * side + x] { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    let (_, content) = grids[0].decode().expect("the QR code decodes");
    content
}

#[test]
fn the_printed_qr_code_decodes_to_the_verification_url() {
    for (name, doc) in every_kind() {
        let pdf = render(&doc, Lang::Kk);
        assert_eq!(decode_qr(&pdf), doc.verify_url, "{name}");
    }
    let mut long = every_kind().remove(3).1;
    long.verify_url = format!("https://qyzmet.example/verify/{}", "a1b2c3d4".repeat(24));
    assert_eq!(decode_qr(&render(&long, Lang::Ru)), long.verify_url);
}
