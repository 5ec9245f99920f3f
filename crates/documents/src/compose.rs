//! From a [`Document`] to pages of positioned items: checks the input, then
//! lays out the header, heading, body table, lists, signature block, QR code
//! and page footers.

use crate::labels::{Label, heading, label, referral_kind};
use crate::layout::{
    Align, CONTENT_WIDTH, FOOTER_RULE_Y, Flow, Item, MARGIN_LEFT, PAGE_HEIGHT, Style, Weight,
    covers, line_height, text_width, wrap,
};
use crate::{
    ApplicantId, Document, DocumentError, DocumentKind, Issued, Lang, MAX_LIST_ITEMS, MAX_PAGES,
    MAX_SHORT_CHARS, MAX_TEXT_CHARS, MAX_URL_BYTES, Signer, Text,
};

const BODY: Style = Style::new(10.0, Weight::Regular, Align::Left);
const BODY_BOLD: Style = Style::new(10.0, Weight::Bold, Align::Left);
const SMALL: Style = Style::new(8.0, Weight::Regular, Align::Left);
/// Width of the label column of the body table.
const LABEL_COLUMN: f32 = 170.0;
const CELL_PADDING: f32 = 4.0;
/// The printed QR code's side, in points (about 32 mm).
pub(crate) const QR_SIZE: f32 = 90.0;

/// Checks every field against the bounds and the fonts' coverage, so that
/// layout and writing cannot fail on the input.
pub(crate) fn validate(doc: &Document) -> Result<(), DocumentError> {
    let check = Check;
    check.short("id", &doc.id)?;
    check.short("case_number", &doc.case_number)?;
    check.short("applicant.name", &doc.applicant.name)?;
    check.text("provider.name", &doc.provider.name, true)?;
    check.text("provider.address", &doc.provider.address, false)?;
    check.text("service_title", &doc.service_title, true)?;
    check.url(&doc.verify_url)?;
    match &doc.kind {
        DocumentKind::AcceptanceReceipt {
            documents,
            operator,
            ..
        } => {
            check.list("documents", documents, true)?;
            check.signer("operator", operator)?;
        }
        DocumentKind::RefusalToAcceptReceipt {
            title,
            documents,
            missing_documents,
            grounds,
            operator,
            ..
        } => {
            if let Some(title) = title {
                check.text("title", title, true)?;
            }
            check.list("documents", documents, false)?;
            check.list("missing_documents", missing_documents, false)?;
            check.list("grounds", grounds, false)?;
            if missing_documents.is_empty() && grounds.is_empty() {
                return Err(invalid(
                    "grounds",
                    "a refusal to accept names the missing documents or the grounds",
                ));
            }
            check.signer("operator", operator)?;
        }
        DocumentKind::Notice(result)
        | DocumentKind::Certificate(result)
        | DocumentKind::StatusCertificate(result)
        | DocumentKind::Decision(result)
        | DocumentKind::Payment(result)
        | DocumentKind::Other(result)
        | DocumentKind::Referral { result, .. }
        | DocumentKind::Permit { result, .. } => check.issued(result)?,
        DocumentKind::Duplicate {
            result,
            original_number,
            ..
        } => {
            check.issued(result)?;
            check.short("original_number", original_number)?;
        }
        DocumentKind::MotivatedRefusal { result, grounds } => {
            check.issued(result)?;
            check.list("grounds", grounds, true)?;
        }
    }
    Ok(())
}

#[derive(Default)]
struct Check;

fn invalid(field: &str, reason: &str) -> DocumentError {
    DocumentError::Invalid {
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

impl Check {
    fn chars(&self, field: &str, value: &str, max: usize) -> Result<(), DocumentError> {
        if value.chars().count() > max {
            return Err(invalid(field, &format!("longer than {max} characters")));
        }
        if let Some(character) = value
            .chars()
            .find(|&character| !character.is_whitespace() && !covers(character))
        {
            return Err(DocumentError::UnsupportedCharacter {
                field: field.to_owned(),
                character,
            });
        }
        Ok(())
    }

    fn short(&self, field: &str, value: &str) -> Result<(), DocumentError> {
        if value.trim().is_empty() {
            return Err(invalid(field, "is empty"));
        }
        if value.chars().any(char::is_control) {
            return Err(invalid(field, "holds a control character"));
        }
        self.chars(field, value, MAX_SHORT_CHARS)
    }

    fn text(&self, field: &str, text: &Text, required: bool) -> Result<(), DocumentError> {
        if required && !text.has_kazakh() {
            return Err(invalid(&format!("{field}.kk"), "is empty"));
        }
        self.chars(&format!("{field}.kk"), &text.kk, MAX_TEXT_CHARS)?;
        for (lang, value) in [("ru", &text.ru), ("en", &text.en)] {
            if let Some(value) = value {
                self.chars(&format!("{field}.{lang}"), value, MAX_TEXT_CHARS)?;
            }
        }
        Ok(())
    }

    fn list(&self, field: &str, items: &[Text], required: bool) -> Result<(), DocumentError> {
        if required && items.is_empty() {
            return Err(invalid(field, "is empty"));
        }
        if items.len() > MAX_LIST_ITEMS {
            return Err(invalid(
                field,
                &format!("has more than {MAX_LIST_ITEMS} items"),
            ));
        }
        for (index, item) in items.iter().enumerate() {
            self.text(&format!("{field}[{index}]"), item, true)?;
        }
        Ok(())
    }

    fn signer(&self, field: &str, signer: &Signer) -> Result<(), DocumentError> {
        self.short(&format!("{field}.name"), &signer.name)?;
        self.text(&format!("{field}.position"), &signer.position, true)
    }

    fn issued(&self, result: &Issued) -> Result<(), DocumentError> {
        self.text("title", &result.title, true)?;
        if let Some(statement) = &result.statement {
            self.text("statement", statement, true)?;
        }
        if result.fields.len() > MAX_LIST_ITEMS {
            return Err(invalid(
                "fields",
                &format!("has more than {MAX_LIST_ITEMS} items"),
            ));
        }
        for (index, field) in result.fields.iter().enumerate() {
            self.text(&format!("fields[{index}].label"), &field.label, true)?;
            self.text(&format!("fields[{index}].value"), &field.value, true)?;
        }
        self.signer("signer", &result.signer)
    }

    fn url(&self, url: &str) -> Result<(), DocumentError> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(invalid("verify_url", "is not an http(s) URL"));
        }
        if url.len() > MAX_URL_BYTES {
            return Err(invalid(
                "verify_url",
                &format!("is longer than {MAX_URL_BYTES} bytes"),
            ));
        }
        if url
            .chars()
            .any(|character| character.is_whitespace() || character.is_control())
        {
            return Err(invalid("verify_url", "holds whitespace"));
        }
        self.chars("verify_url", url, MAX_URL_BYTES)
    }
}

pub(crate) fn date(date: jiff::civil::Date) -> String {
    format!("{:02}.{:02}.{:04}", date.day(), date.month(), date.year())
}

pub(crate) fn date_time(at: jiff::civil::DateTime) -> String {
    format!("{} {:02}:{:02}", date(at.date()), at.hour(), at.minute())
}

/// One row of the body table.
struct Row {
    label: String,
    value: String,
    bold: bool,
}

fn row(label_text: &str, value: impl Into<String>) -> Row {
    Row {
        label: label_text.to_owned(),
        value: value.into(),
        bold: false,
    }
}

/// Lays the document out. The input has passed [`validate`].
pub(crate) fn compose(doc: &Document, lang: Lang) -> Result<Vec<Vec<Item>>, DocumentError> {
    let mut flow = Flow::new();
    header(&mut flow, doc, lang);
    title_block(&mut flow, doc, lang);

    let mut rows = vec![
        {
            let mut case = row(label(Label::CaseNumber, lang), doc.case_number.clone());
            case.bold = true;
            case
        },
        row(label(Label::Service, lang), doc.service_title.get(lang)),
        row(label(Label::Applicant, lang), doc.applicant.name.clone()),
    ];
    match doc.applicant.id {
        Some(ApplicantId::Iin(iin)) => rows.push(row(label(Label::Iin, lang), iin.to_string())),
        Some(ApplicantId::Bin(bin)) => rows.push(row(label(Label::Bin, lang), bin.to_string())),
        None => {}
    }

    match &doc.kind {
        DocumentKind::AcceptanceReceipt {
            documents,
            operator,
            accepted_at,
            result_due,
        } => {
            rows.push(row(label(Label::AcceptedAt, lang), date_time(*accepted_at)));
            rows.push(row(
                label(Label::Operator, lang),
                operator_line(operator, lang),
            ));
            let due_text = match result_due {
                Some(day) => date(*day),
                None => label(Label::ResultDueByStandard, lang).to_owned(),
            };
            let mut due = row(label(Label::ResultDue, lang), due_text);
            due.bold = true;
            rows.push(due);
            table(&mut flow, &rows);
            flow.space(12.0);
            flow.paragraph(label(Label::AcceptanceStatement, lang), BODY_BOLD);
            flow.space(4.0);
            numbered(&mut flow, documents, lang);
            receipt_signatures(&mut flow, operator, lang);
        }
        DocumentKind::RefusalToAcceptReceipt {
            documents,
            missing_documents,
            grounds,
            operator,
            refused_at,
            ..
        } => {
            rows.push(row(label(Label::RefusedAt, lang), date_time(*refused_at)));
            rows.push(row(
                label(Label::Operator, lang),
                operator_line(operator, lang),
            ));
            table(&mut flow, &rows);
            if !grounds.is_empty() {
                flow.space(12.0);
                flow.paragraph(label(Label::RefusalToAcceptStatement, lang), BODY_BOLD);
                flow.space(4.0);
                numbered(&mut flow, grounds, lang);
            }
            for (list, heading_label) in [
                (missing_documents, Label::DocumentsMissing),
                (documents, Label::DocumentsHandedIn),
            ] {
                if !list.is_empty() {
                    flow.space(10.0);
                    flow.paragraph(&format!("{}:", label(heading_label, lang)), BODY_BOLD);
                    flow.space(4.0);
                    numbered(&mut flow, list, lang);
                }
            }
            receipt_signatures(&mut flow, operator, lang);
        }
        DocumentKind::Notice(result)
        | DocumentKind::Certificate(result)
        | DocumentKind::StatusCertificate(result)
        | DocumentKind::Decision(result)
        | DocumentKind::Payment(result)
        | DocumentKind::Other(result) => {
            result_body(&mut flow, rows, result, &[], lang);
        }
        DocumentKind::Referral { result, referral } => {
            let mut kind = row(
                label(Label::ReferralKind, lang),
                referral_kind(*referral, lang),
            );
            kind.bold = true;
            rows.push(kind);
            result_body(&mut flow, rows, result, &[], lang);
        }
        DocumentKind::Permit {
            result,
            valid_from,
            valid_until,
        } => {
            if let Some(from) = valid_from {
                rows.push(row(label(Label::ValidFrom, lang), date(*from)));
            }
            if let Some(until) = valid_until {
                rows.push(row(label(Label::ValidUntil, lang), date(*until)));
            }
            result_body(&mut flow, rows, result, &[], lang);
        }
        DocumentKind::Duplicate {
            result,
            original_number,
            original_issued_on,
        } => {
            rows.push(row(
                label(Label::DuplicateOf, lang),
                format!("№ {original_number}, {}", date(*original_issued_on)),
            ));
            result_body(&mut flow, rows, result, &[], lang);
        }
        DocumentKind::MotivatedRefusal { result, grounds } => {
            result_body(&mut flow, rows, result, grounds, lang);
        }
    }

    verification(&mut flow, doc, lang);
    let mut pages = flow.pages;
    if pages.len() > MAX_PAGES {
        return Err(DocumentError::TooManyPages { pages: pages.len() });
    }
    footers(&mut pages, doc, lang);
    Ok(pages)
}

fn operator_line(operator: &Signer, lang: Lang) -> String {
    format!("{}, {}", operator.name, operator.position.get(lang))
}

fn header(flow: &mut Flow, doc: &Document, lang: Lang) {
    flow.paragraph(
        doc.provider.name.get(lang),
        Style::new(12.0, Weight::Bold, Align::Center),
    );
    let mut details = doc.provider.address.get(lang).to_owned();
    if let Some(bin) = doc.provider.bin {
        if !details.trim().is_empty() {
            details.push_str(" · ");
        }
        details.push_str(&format!("{} {bin}", label(Label::Bin, lang)));
    }
    if !details.trim().is_empty() {
        flow.space(2.0);
        flow.paragraph(
            &details,
            Style::new(9.0, Weight::Regular, Align::Center).gray(60),
        );
    }
    flow.space(6.0);
    flow.rule(1.2);
    flow.space(2.5);
    flow.rule(0.4);
    flow.space(8.0);

    // The document's number on the left, its date on the right.
    let number = format!("№ {}", doc.id);
    let issued = date(doc.issued_at.date());
    let number_width = CONTENT_WIDTH - text_width(&issued, Weight::Regular, 10.0) - 20.0;
    let number_lines = wrap(&number, Weight::Regular, 10.0, number_width);
    let top = flow.y;
    flow.lines(
        &[issued],
        Style::new(10.0, Weight::Regular, Align::Right),
        MARGIN_LEFT,
        CONTENT_WIDTH,
    );
    flow.y = top;
    flow.lines(&number_lines, BODY, MARGIN_LEFT, number_width);
    flow.space(14.0);
}

fn title_block(flow: &mut Flow, doc: &Document, lang: Lang) {
    let heading_text = heading(&doc.kind, lang).to_uppercase();
    flow.paragraph(&heading_text, Style::new(15.0, Weight::Bold, Align::Center));
    let subtitle = match &doc.kind {
        DocumentKind::AcceptanceReceipt { .. } => None,
        DocumentKind::RefusalToAcceptReceipt { title, .. } => title.as_ref(),
        DocumentKind::Notice(result)
        | DocumentKind::Certificate(result)
        | DocumentKind::StatusCertificate(result)
        | DocumentKind::Decision(result)
        | DocumentKind::Payment(result)
        | DocumentKind::Other(result)
        | DocumentKind::Referral { result, .. }
        | DocumentKind::Permit { result, .. }
        | DocumentKind::Duplicate { result, .. }
        | DocumentKind::MotivatedRefusal { result, .. } => Some(&result.title),
    };
    if let Some(subtitle) = subtitle {
        let subtitle = subtitle.get(lang);
        // The regulation's title repeats the heading when it is only the
        // heading's words («дәлелді бас тарту»): print it once.
        if subtitle.trim().to_lowercase() != heading_text.to_lowercase() {
            flow.space(4.0);
            flow.paragraph_at(
                subtitle,
                Style::new(11.0, Weight::Regular, Align::Center),
                MARGIN_LEFT + 20.0,
                CONTENT_WIDTH - 40.0,
            );
        }
    }
    flow.space(14.0);
}

/// The body table: label and value columns with ruled cells. A row is kept
/// on one page; the bounds on texts make every row fit a page.
fn table(flow: &mut Flow, rows: &[Row]) {
    let value_x = MARGIN_LEFT + LABEL_COLUMN;
    let value_width = CONTENT_WIDTH - LABEL_COLUMN;
    let height = line_height(BODY.size);
    for row in rows {
        let label_lines = wrap(
            &row.label,
            Weight::Regular,
            9.0,
            LABEL_COLUMN - 2.0 * CELL_PADDING,
        );
        let value_style = if row.bold { BODY_BOLD } else { BODY };
        let value_lines = wrap(
            &row.value,
            value_style.weight,
            value_style.size,
            value_width - 2.0 * CELL_PADDING,
        );
        let lines = label_lines.len().max(value_lines.len());
        let row_height = lines as f32 * height + 2.0 * CELL_PADDING;
        flow.reserve(row_height);
        let top = flow.y;
        flow.push(Item::Fill {
            x: MARGIN_LEFT,
            y: top,
            w: LABEL_COLUMN,
            h: row_height,
            gray: 242,
        });
        for (x1, y1, x2, y2) in [
            (MARGIN_LEFT, top, MARGIN_LEFT + CONTENT_WIDTH, top),
            (
                MARGIN_LEFT,
                top + row_height,
                MARGIN_LEFT + CONTENT_WIDTH,
                top + row_height,
            ),
            (MARGIN_LEFT, top, MARGIN_LEFT, top + row_height),
            (value_x, top, value_x, top + row_height),
            (
                MARGIN_LEFT + CONTENT_WIDTH,
                top,
                MARGIN_LEFT + CONTENT_WIDTH,
                top + row_height,
            ),
        ] {
            flow.push(Item::Rule {
                x1,
                y1,
                x2,
                y2,
                width: 0.5,
            });
        }
        flow.y = top + CELL_PADDING;
        flow.lines(
            &label_lines,
            Style::new(9.0, Weight::Regular, Align::Left).gray(50),
            MARGIN_LEFT + CELL_PADDING,
            LABEL_COLUMN,
        );
        flow.y = top + CELL_PADDING;
        flow.lines(
            &value_lines,
            value_style,
            value_x + CELL_PADDING,
            value_width,
        );
        flow.y = top + row_height;
    }
}

/// A numbered list with hanging indents.
fn numbered(flow: &mut Flow, items: &[Text], lang: Lang) {
    let indent = 22.0;
    for (index, item) in items.iter().enumerate() {
        let lines = wrap(
            item.get(lang),
            BODY.weight,
            BODY.size,
            CONTENT_WIDTH - indent,
        );
        flow.reserve(line_height(BODY.size));
        flow.push(Item::Text {
            x: MARGIN_LEFT + 4.0,
            baseline: flow.y + BODY.size,
            size: BODY.size,
            weight: BODY.weight,
            gray: 0,
            text: format!("{}.", index + 1),
        });
        flow.lines(&lines, BODY, MARGIN_LEFT + indent, CONTENT_WIDTH - indent);
        flow.space(2.0);
    }
}

fn result_body(flow: &mut Flow, mut rows: Vec<Row>, result: &Issued, grounds: &[Text], lang: Lang) {
    for field in &result.fields {
        rows.push(row(field.label.get(lang), field.value.get(lang)));
    }
    table(flow, &rows);
    if let Some(statement) = &result.statement {
        flow.space(12.0);
        flow.paragraph(statement.get(lang), BODY);
    }
    if !grounds.is_empty() {
        flow.space(12.0);
        flow.paragraph(label(Label::RefusalStatement, lang), BODY_BOLD);
        flow.space(4.0);
        numbered(flow, grounds, lang);
    }
    signature(flow, &result.signer, lang);
}

/// The signer's position on the left, a line with the name on the right.
fn signature(flow: &mut Flow, signer: &Signer, lang: Lang) {
    let position_width = CONTENT_WIDTH * 0.38;
    let position_lines = wrap(
        signer.position.get(lang),
        Weight::Bold,
        10.0,
        position_width,
    );
    let height = position_lines.len() as f32 * line_height(10.0) + 40.0;
    flow.space(24.0);
    flow.reserve(height);
    let top = flow.y;
    flow.lines(&position_lines, BODY_BOLD, MARGIN_LEFT, position_width);
    let after_position = flow.y;
    signature_line(flow, top, &signer.name, lang);
    flow.y = after_position.max(top + 30.0);
    flow.space(4.0);
    flow.paragraph(label(Label::SignedDigitally, lang), SMALL.gray(80));
}

/// `________  Name` with «(қолы)» under the line, on the right half.
fn signature_line(flow: &mut Flow, top: f32, name: &str, lang: Lang) {
    let line_x = MARGIN_LEFT + CONTENT_WIDTH * 0.40;
    let line_end = line_x + 60.0;
    flow.push(Item::Rule {
        x1: line_x,
        y1: top + 12.0,
        x2: line_end,
        y2: top + 12.0,
        width: 0.5,
    });
    flow.push(Item::Text {
        x: line_x + 12.0,
        baseline: top + 20.0,
        size: 7.0,
        weight: Weight::Regular,
        gray: 90,
        text: format!("({})", label(Label::Signature, lang)),
    });
    let name_width = MARGIN_LEFT + CONTENT_WIDTH - line_end - 6.0;
    flow.y = top;
    let name_lines = wrap(name, Weight::Bold, 10.0, name_width);
    flow.lines(&name_lines, BODY_BOLD, line_end + 6.0, name_width);
}

fn receipt_signatures(flow: &mut Flow, operator: &Signer, lang: Lang) {
    for (who, name) in [
        (label(Label::Operator, lang), operator.name.as_str()),
        (label(Label::ApplicantSignature, lang), ""),
    ] {
        flow.space(18.0);
        let who_lines = wrap(who, Weight::Bold, 10.0, CONTENT_WIDTH * 0.38);
        flow.reserve(who_lines.len() as f32 * line_height(10.0) + 24.0);
        let top = flow.y;
        flow.lines(&who_lines, BODY_BOLD, MARGIN_LEFT, CONTENT_WIDTH * 0.38);
        let after = flow.y;
        signature_line(flow, top, name, lang);
        flow.y = after.max(top + 24.0);
    }
}

/// The QR code with its caption: the URL and the document id.
fn verification(flow: &mut Flow, doc: &Document, lang: Lang) {
    flow.space(20.0);
    flow.reserve(QR_SIZE + 10.0);
    let top = flow.y;
    flow.push(Item::Qr {
        x: MARGIN_LEFT,
        y: top,
        size: QR_SIZE,
    });
    let caption_x = MARGIN_LEFT + QR_SIZE + 12.0;
    let caption_width = CONTENT_WIDTH - QR_SIZE - 12.0;
    flow.y = top + 6.0;
    flow.paragraph_at(
        label(Label::Verify, lang),
        SMALL.gray(40),
        caption_x,
        caption_width,
    );
    flow.space(2.0);
    flow.paragraph_at(
        &doc.verify_url,
        Style::new(8.0, Weight::Bold, Align::Left),
        caption_x,
        caption_width,
    );
    flow.space(4.0);
    flow.paragraph_at(
        &format!("{}: {}", label(Label::DocumentNumber, lang), doc.id),
        SMALL.gray(40),
        caption_x,
        caption_width,
    );
    flow.paragraph_at(
        &format!(
            "{}: {}",
            label(Label::IssuedOn, lang),
            date_time(doc.issued_at)
        ),
        SMALL.gray(40),
        caption_x,
        caption_width,
    );
    flow.y = flow.y.max(top + QR_SIZE);
}

/// A rule, the document's id and case number, and «Бет 1 / 2» on each page.
fn footers(pages: &mut [Vec<Item>], doc: &Document, lang: Lang) {
    let total = pages.len();
    for (index, page) in pages.iter_mut().enumerate() {
        page.push(Item::Rule {
            x1: MARGIN_LEFT,
            y1: FOOTER_RULE_Y,
            x2: MARGIN_LEFT + CONTENT_WIDTH,
            y2: FOOTER_RULE_Y,
            width: 0.4,
        });
        let number = format!(
            "{} {} {} {}",
            label(Label::Page, lang),
            index + 1,
            label(Label::Of, lang),
            total
        );
        let number_width = text_width(&number, Weight::Regular, 7.5);
        page.push(Item::Text {
            x: MARGIN_LEFT + CONTENT_WIDTH - number_width,
            baseline: FOOTER_RULE_Y + 11.0,
            size: 7.5,
            weight: Weight::Regular,
            gray: 80,
            text: number,
        });
        let left = format!(
            "{} · {} · {}",
            label(Label::Footer, lang),
            doc.id,
            doc.case_number
        );
        let left_lines = wrap(
            &left,
            Weight::Regular,
            7.5,
            CONTENT_WIDTH - number_width - 12.0,
        );
        for (line_index, line) in left_lines.iter().enumerate() {
            let baseline = FOOTER_RULE_Y + 11.0 + line_index as f32 * line_height(7.5);
            if baseline > PAGE_HEIGHT - 8.0 {
                break;
            }
            page.push(Item::Text {
                x: MARGIN_LEFT,
                baseline,
                size: 7.5,
                weight: Weight::Regular,
                gray: 80,
                text: line.clone(),
            });
        }
    }
}
