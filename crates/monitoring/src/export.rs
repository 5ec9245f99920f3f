//! CSV and XLSX exports of a [`Report`].

use qyzmet_core::Lang;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::report::{Figures, Report};

/// Column headers and sheet names. [`Headers::new`] gives the built-in
/// Kazakh, Russian or English table; the web layer may build its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headers {
    pub provider: String,
    pub service: String,
    pub channel: String,
    pub step: String,
    pub week: String,
    /// One per [`Figures::columns`], in that order.
    pub figures: [String; 16],
    /// visits, median, p90, max, total (working minutes).
    pub step_figures: [String; 5],
    /// received, closed on time, closed late.
    pub week_figures: [String; 3],
    /// Sheet names: rows, by provider, by service, by channel, steps, weeks
    /// (at most 31 characters each; no `[]:*?/\`).
    pub sheets: [String; 6],
}

fn owned<const N: usize>(texts: [&str; N]) -> [String; N] {
    texts.map(str::to_owned)
}

impl Headers {
    pub fn new(lang: Lang) -> Headers {
        match lang {
            Lang::En => Headers {
                provider: "Provider".into(),
                service: "Service".into(),
                channel: "Channel".into(),
                step: "Step".into(),
                week: "Week".into(),
                figures: owned([
                    "Received",
                    "Closed",
                    "Delivered",
                    "Refused",
                    "Refused to accept",
                    "Withdrawn",
                    "On time",
                    "Late",
                    "Without term",
                    "Late, working minutes (total)",
                    "Late, working minutes (max)",
                    "Appealed",
                    "Appeals upheld",
                    "Appeals rejected",
                    "Open at end",
                    "Overdue open",
                ]),
                step_figures: owned([
                    "Visits",
                    "Median, working minutes",
                    "P90, working minutes",
                    "Max, working minutes",
                    "Total, working minutes",
                ]),
                week_figures: owned(["Received", "Closed on time", "Closed late"]),
                sheets: owned([
                    "Rows",
                    "By provider",
                    "By service",
                    "By channel",
                    "Steps",
                    "Weeks",
                ]),
            },
            Lang::Ru => Headers {
                provider: "Услугодатель".into(),
                service: "Услуга".into(),
                channel: "Канал".into(),
                step: "Шаг".into(),
                week: "Неделя".into(),
                figures: owned([
                    "Поступило",
                    "Завершено",
                    "Оказано",
                    "Мотивированный отказ",
                    "Отказ в приеме",
                    "Отозвано",
                    "В срок",
                    "С нарушением срока",
                    "Без срока",
                    "Просрочка, рабочих минут (всего)",
                    "Просрочка, рабочих минут (макс.)",
                    "Обжаловано",
                    "Жалоб удовлетворено",
                    "Жалоб отклонено",
                    "Открыто на конец",
                    "Просрочено открытых",
                ]),
                step_figures: owned([
                    "Прохождений",
                    "Медиана, рабочих минут",
                    "P90, рабочих минут",
                    "Максимум, рабочих минут",
                    "Всего, рабочих минут",
                ]),
                week_figures: owned(["Поступило", "Завершено в срок", "Завершено с просрочкой"]),
                sheets: owned([
                    "Строки",
                    "По услугодателям",
                    "По услугам",
                    "По каналам",
                    "Шаги",
                    "Недели",
                ]),
            },
            Lang::Kk => Headers {
                provider: "Көрсетілетін қызметті беруші".into(),
                service: "Қызмет".into(),
                channel: "Арна".into(),
                step: "Қадам".into(),
                week: "Апта".into(),
                figures: owned([
                    "Түсті",
                    "Аяқталды",
                    "Көрсетілді",
                    "Дәлелді бас тарту",
                    "Қабылдаудан бас тарту",
                    "Кері қайтарылды",
                    "Мерзімінде",
                    "Мерзімі бұзылып",
                    "Мерзімсіз",
                    "Кешігу, жұмыс минуты (барлығы)",
                    "Кешігу, жұмыс минуты (ең көп)",
                    "Шағымданылды",
                    "Шағым қанағаттандырылды",
                    "Шағым қабылданбады",
                    "Кезең соңында ашық",
                    "Мерзімі өткен ашық",
                ]),
                step_figures: owned([
                    "Өтулер",
                    "Медиана, жұмыс минуты",
                    "P90, жұмыс минуты",
                    "Ең көп, жұмыс минуты",
                    "Барлығы, жұмыс минуты",
                ]),
                week_figures: owned(["Түсті", "Мерзімінде аяқталды", "Кешігіп аяқталды"]),
                sheets: owned([
                    "Жолдар",
                    "Берушілер бойынша",
                    "Қызметтер бойынша",
                    "Арналар бойынша",
                    "Қадамдар",
                    "Апталар",
                ]),
            },
        }
    }
}

fn figure_values(figures: &Figures) -> impl Iterator<Item = String> + '_ {
    figures
        .columns()
        .into_iter()
        .map(|(_, value)| value.to_string())
}

fn finish(writer: csv::Writer<Vec<u8>>) -> String {
    // Writing into a Vec cannot fail; the fields are already UTF-8.
    writer
        .into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

/// The provider × service × channel rows as CSV (RFC 4180, header first,
/// then one line per row; no totals line).
pub fn to_csv(report: &Report, headers: &Headers) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut head = vec![
        headers.provider.clone(),
        headers.service.clone(),
        headers.channel.clone(),
    ];
    head.extend(headers.figures.iter().cloned());
    let _ = writer.write_record(&head);
    for row in &report.rows {
        let mut record = vec![
            row.provider.clone(),
            row.service.clone(),
            row.channel.clone(),
        ];
        record.extend(figure_values(&row.figures));
        let _ = writer.write_record(&record);
    }
    finish(writer)
}

/// The step table as CSV, slowest first.
pub fn steps_to_csv(report: &Report, headers: &Headers) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut head = vec![
        headers.service.clone(),
        headers.channel.clone(),
        headers.step.clone(),
    ];
    head.extend(headers.step_figures.iter().cloned());
    let _ = writer.write_record(&head);
    for step in &report.steps {
        let _ = writer.write_record([
            step.service.clone(),
            step.channel.clone(),
            step.step.clone(),
            step.visits.to_string(),
            step.median_minutes.to_string(),
            step.p90_minutes.to_string(),
            step.max_minutes.to_string(),
            step.total_minutes.to_string(),
        ]);
    }
    finish(writer)
}

/// The weekly trend as CSV.
pub fn weeks_to_csv(report: &Report, headers: &Headers) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut head = vec![headers.week.clone()];
    head.extend(headers.week_figures.iter().cloned());
    let _ = writer.write_record(&head);
    for week in &report.weeks {
        let _ = writer.write_record([
            week.week.clone(),
            week.received.to_string(),
            week.closed_on_time.to_string(),
            week.closed_late.to_string(),
        ]);
    }
    finish(writer)
}

/// Excel caps a sheet name at 31 characters and forbids a few.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') {
                '_'
            } else {
                c
            }
        })
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet".into()
    } else {
        cleaned
    }
}

/// The report as an XLSX workbook: sheets rows (provider × service ×
/// channel), by provider, by service, by channel, steps, weeks; a header
/// line in bold on each; numbers as numbers.
pub fn to_xlsx(report: &Report, headers: &Headers) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let mut used = std::collections::HashSet::new();
    let mut unique = |name: &str, index: usize| {
        let name = sheet_name(name);
        if used.insert(name.to_lowercase()) {
            name
        } else {
            format!("Sheet{}", index + 1)
        }
    };

    // Rows.
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name(unique(&headers.sheets[0], 0))?;
        let head = [&headers.provider, &headers.service, &headers.channel];
        for (col, text) in head.into_iter().chain(headers.figures.iter()).enumerate() {
            sheet.write_string_with_format(0, col as u16, text, &bold)?;
        }
        for (index, row) in report.rows.iter().enumerate() {
            let line = index as u32 + 1;
            sheet.write_string(line, 0, &row.provider)?;
            sheet.write_string(line, 1, &row.service)?;
            sheet.write_string(line, 2, &row.channel)?;
            for (col, (_, value)) in row.figures.columns().into_iter().enumerate() {
                sheet.write_number(line, col as u16 + 3, value as f64)?;
            }
        }
    }
    // Roll-ups.
    let rollups = [
        (&report.by_provider, &headers.provider),
        (&report.by_service, &headers.service),
        (&report.by_channel, &headers.channel),
    ];
    for (index, (groups, key_header)) in rollups.into_iter().enumerate() {
        let sheet = workbook.add_worksheet();
        sheet.set_name(unique(&headers.sheets[index + 1], index + 1))?;
        sheet.write_string_with_format(0, 0, key_header, &bold)?;
        for (col, text) in headers.figures.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16 + 1, text, &bold)?;
        }
        for (line, group) in groups.iter().enumerate() {
            let line = line as u32 + 1;
            sheet.write_string(line, 0, &group.key)?;
            for (col, (_, value)) in group.figures.columns().into_iter().enumerate() {
                sheet.write_number(line, col as u16 + 1, value as f64)?;
            }
        }
    }
    // Steps.
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name(unique(&headers.sheets[4], 4))?;
        let head = [&headers.service, &headers.channel, &headers.step];
        for (col, text) in head
            .into_iter()
            .chain(headers.step_figures.iter())
            .enumerate()
        {
            sheet.write_string_with_format(0, col as u16, text, &bold)?;
        }
        for (line, step) in report.steps.iter().enumerate() {
            let line = line as u32 + 1;
            sheet.write_string(line, 0, &step.service)?;
            sheet.write_string(line, 1, &step.channel)?;
            sheet.write_string(line, 2, &step.step)?;
            let values = [
                step.visits,
                step.median_minutes,
                step.p90_minutes,
                step.max_minutes,
                step.total_minutes,
            ];
            for (col, value) in values.into_iter().enumerate() {
                sheet.write_number(line, col as u16 + 3, value as f64)?;
            }
        }
    }
    // Weeks.
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name(unique(&headers.sheets[5], 5))?;
        sheet.write_string_with_format(0, 0, &headers.week, &bold)?;
        for (col, text) in headers.week_figures.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16 + 1, text, &bold)?;
        }
        for (line, week) in report.weeks.iter().enumerate() {
            let line = line as u32 + 1;
            sheet.write_string(line, 0, &week.week)?;
            let values = [week.received, week.closed_on_time, week.closed_late];
            for (col, value) in values.into_iter().enumerate() {
                sheet.write_number(line, col as u16 + 1, value as f64)?;
            }
        }
    }
    workbook.save_to_buffer()
}
