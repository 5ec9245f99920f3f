//! Legal documents of Qyzmet as PDF: the State Corporation's receipts and the
//! results of every seed service (notice, certificate, referral, decision,
//! permit, duplicate, motivated refusal …), in Kazakh, Russian or English.
//!
//! The one entry point is [`render_pdf`], a pure function: everything that
//! ends up in the file — the issue timestamp, the document id, the
//! verification URL — comes in with the [`Document`]. The same document
//! renders to the same bytes on every machine (the PDF's creation date and
//! file id are derived from the input, nothing is random and no clock is
//! read).
//!
//! Rendering goes through two stages: `compose` lays the document out into
//! pages of positioned text runs, rules and boxes (`layout`), then `pdf`
//! writes them with krilla, which shapes the text, subsets and embeds the
//! bundled DejaVu Sans fonts, and writes a PDF/A-2u file. The QR code is drawn
//! as vector squares.
//!
//! `docs/documents.md` describes every document's content.

mod compose;
mod labels;
mod layout;
mod pdf;

pub use qyzmet_core::{Bin, Iin, Lang, Text};

/// The longest text accepted in any one field, in characters. A longer text
/// is an input error, not something to typeset over several pages.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// The most items accepted in one list (documents, grounds, extra fields).
pub const MAX_LIST_ITEMS: usize = 100;
/// The longest document id, case number or signer name, in characters.
pub const MAX_SHORT_CHARS: usize = 128;
/// The longest verification URL, in bytes (it must fit a readable QR code).
pub const MAX_URL_BYTES: usize = 512;
/// The most pages one document may have.
pub const MAX_PAGES: usize = 20;

/// One document to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The document's own id, as printed and as it appears in the
    /// verification URL. It also seeds the PDF's file id.
    pub id: String,
    /// When the document was issued, in the provider's local time. Printed on
    /// the document and written as the PDF's creation date.
    pub issued_at: jiff::civil::DateTime,
    /// The offset of `issued_at` from UTC (Kazakhstan: +05:00).
    pub utc_offset: jiff::tz::Offset,
    /// Who issues the document: the service provider or, for receipts, the
    /// State Corporation's service centre.
    pub provider: Provider,
    /// The case (application) number.
    pub case_number: String,
    /// The public service's title, from the regulation.
    pub service_title: Text,
    pub applicant: Applicant,
    /// The public verification page of this document, encoded in the QR code
    /// and printed under it, e.g. `https://qyzmet.example/verify/<doc-id>`.
    pub verify_url: String,
    pub kind: DocumentKind,
}

/// The issuing organisation as printed in the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    pub name: Text,
    pub address: Text,
    pub bin: Option<Bin>,
}

/// The applicant as printed: a person (IIN) or an organisation (BIN), or
/// someone without either (a foreign worker before registration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applicant {
    /// The name exactly as it is to be printed.
    pub name: String,
    pub id: Option<ApplicantId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicantId {
    Iin(Iin),
    Bin(Bin),
}

/// The person who signs: the provider's head (results) or the operator who
/// accepted the documents (receipts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    pub name: String,
    pub position: Text,
}

/// An extra labelled line of the body table (e.g. the benefit amount, the
/// period, the employer a referral is addressed to).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub label: Text,
    pub value: Text,
}

/// What every result document carries besides the common header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The result's title from the regulation (`service.results[].title` or
    /// `service.refusals[].title`), printed under the document heading.
    pub title: Text,
    /// An optional paragraph of running text (what is certified, decided …).
    pub statement: Option<Text>,
    /// Extra rows of the body table, in order.
    pub fields: Vec<Field>,
    pub signer: Signer,
}

/// The active employment-assistance measure a referral sends the person to
/// (the six kinds the employment-referral regulations list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferralKind {
    JobPlacement,
    PublicWorks,
    VocationalTraining,
    SocialJobs,
    YouthPractice,
    VocationalGuidance,
}

impl ReferralKind {
    pub const ALL: [ReferralKind; 6] = [
        ReferralKind::JobPlacement,
        ReferralKind::PublicWorks,
        ReferralKind::VocationalTraining,
        ReferralKind::SocialJobs,
        ReferralKind::YouthPractice,
        ReferralKind::VocationalGuidance,
    ];
}

/// The kind of document and what only that kind carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// Құжаттарды қабылдау туралы қолхат: the package was accepted.
    AcceptanceReceipt {
        /// The documents accepted, in order.
        documents: Vec<Text>,
        operator: Signer,
        accepted_at: jiff::civil::DateTime,
        /// The day the result is due, when the case has an overall term.
        /// Most seed routes leave the term to the service standard; then the
        /// receipt prints «in the term set by the public service standard».
        result_due: Option<jiff::civil::Date>,
    },
    /// Құжаттарды қабылдаудан бас тарту туралы қолхат: the package is
    /// incomplete and was not accepted.
    RefusalToAcceptReceipt {
        /// The regulation's title of this refusal, when it has its own
        /// wording (a portal message, a form of the standard's appendix).
        title: Option<Text>,
        /// The documents handed in.
        documents: Vec<Text>,
        /// The documents missing from the package.
        missing_documents: Vec<Text>,
        /// Why the package is refused (the regulation's grounds).
        grounds: Vec<Text>,
        operator: Signer,
        refused_at: jiff::civil::DateTime,
    },
    Notice(Issued),
    Certificate(Issued),
    /// Куәлік: a certificate of status (oralman, Semipalatinsk victim).
    StatusCertificate(Issued),
    Referral {
        result: Issued,
        referral: ReferralKind,
    },
    Decision(Issued),
    Permit {
        result: Issued,
        valid_from: Option<jiff::civil::Date>,
        valid_until: Option<jiff::civil::Date>,
    },
    /// Телнұсқа: a duplicate of an earlier document.
    Duplicate {
        result: Issued,
        original_number: String,
        original_issued_on: jiff::civil::Date,
    },
    /// A notice that a payment (compensation, benefit) was made.
    Payment(Issued),
    /// Any other written result the regulation names.
    Other(Issued),
    /// Дәлелді бас тарту: the service is refused, with the grounds.
    MotivatedRefusal {
        result: Issued,
        grounds: Vec<Text>,
    },
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    /// A field is empty, too long or malformed.
    #[error("`{field}`: {reason}")]
    Invalid { field: String, reason: String },
    /// A text holds a character the embedded fonts cannot show.
    #[error("`{field}` holds {character:?} (U+{code:04X}), which the embedded fonts cannot show", code = *character as u32)]
    UnsupportedCharacter { field: String, character: char },
    /// The document would need more than [`MAX_PAGES`] pages.
    #[error("the document needs {pages} pages, more than the {MAX_PAGES} allowed")]
    TooManyPages { pages: usize },
    /// The verification URL does not fit in a QR code.
    #[error("the verification URL cannot be encoded as a QR code: {0}")]
    QrCode(String),
    /// The PDF writer refused the document (a bug in this crate).
    #[error("the PDF writer failed: {0}")]
    Pdf(String),
}

/// Renders `doc` in `lang` as an A4 PDF (PDF/A-2u) with embedded fonts.
///
/// Pure and deterministic: the same document and language give the same
/// bytes. Texts missing in `lang` fall back to Kazakh.
pub fn render_pdf(doc: &Document, lang: Lang) -> Result<Vec<u8>, DocumentError> {
    compose::validate(doc)?;
    let pages = compose::compose(doc, lang)?;
    let qr = pdf::qr_modules(&doc.verify_url)?;
    pdf::write(doc, lang, &pages, &qr)
}

/// The heading printed on a document of this kind, e.g. «АНЫҚТАМА».
pub fn heading(kind: &DocumentKind, lang: Lang) -> &'static str {
    labels::heading(kind, lang)
}

/// The printed name of a referral kind, e.g. «Қоғамдық жұмыстар».
pub fn referral_kind_name(kind: ReferralKind, lang: Lang) -> &'static str {
    labels::referral_kind(kind, lang)
}
