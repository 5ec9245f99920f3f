//! Rendering a compiled regulation back into the regulation's own
//! appendices: step tables (Markdown, HTML, JSON), BPMN 2.0, SVG swimlanes
//! and Mermaid. Every renderer is a pure function of the model and the
//! language, so the same input always gives the same bytes.

pub mod bpmn;
pub mod layout;
pub mod mermaid;
pub mod svg;

use qyzmet_core::{Duration, Lang, Text, Unit};
use serde_json::{Value, json};

use crate::model::ProcessModel;
use crate::syntax::{Channel, Limit, Route, ServiceForm, Source, Step, StepKind};

/// The words for units, per language, with the right plural where it
/// matters ("3 working days", "1 working day").
pub fn unit_words(unit: Unit, amount: u32, lang: Lang) -> &'static str {
    match (lang, unit) {
        (Lang::Kk, Unit::Minutes) => "минут",
        (Lang::Kk, Unit::Hours) => "сағат",
        (Lang::Kk, Unit::WorkingDays) => "жұмыс күні",
        (Lang::Kk, Unit::CalendarDays) => "күнтізбелік күн",
        (Lang::Kk, Unit::Months) => "ай",
        (Lang::Ru, unit) => russian_unit(unit, amount),
        (Lang::En, Unit::Minutes) => {
            if amount == 1 {
                "minute"
            } else {
                "minutes"
            }
        }
        (Lang::En, Unit::Hours) => {
            if amount == 1 {
                "hour"
            } else {
                "hours"
            }
        }
        (Lang::En, Unit::WorkingDays) => {
            if amount == 1 {
                "working day"
            } else {
                "working days"
            }
        }
        (Lang::En, Unit::CalendarDays) => {
            if amount == 1 {
                "calendar day"
            } else {
                "calendar days"
            }
        }
        (Lang::En, Unit::Months) => {
            if amount == 1 {
                "month"
            } else {
                "months"
            }
        }
    }
}

fn russian_unit(unit: Unit, amount: u32) -> &'static str {
    // 1, 21, 31 … take the singular; 2–4, 22–24 … the paucal; the rest the
    // genitive plural.
    let form = match (amount % 10, amount % 100) {
        (1, n) if n != 11 => 0,
        (2..=4, n) if !(12..=14).contains(&n) => 1,
        _ => 2,
    };
    let forms: [&str; 3] = match unit {
        Unit::Minutes => ["минута", "минуты", "минут"],
        Unit::Hours => ["час", "часа", "часов"],
        Unit::WorkingDays => ["рабочий день", "рабочих дня", "рабочих дней"],
        Unit::CalendarDays => ["календарный день", "календарных дня", "календарных дней"],
        Unit::Months => ["месяц", "месяца", "месяцев"],
    };
    forms[form]
}

pub fn duration_text(duration: Duration, lang: Lang) -> String {
    format!(
        "{} {}",
        duration.amount,
        unit_words(duration.unit, duration.amount, lang)
    )
}

fn limit_text(limit: Option<&Limit>, lang: Lang) -> String {
    match limit {
        Some(limit) => duration_text(limit.duration(), lang),
        None => "—".into(),
    }
}

/// The form of a service as the regulations word it.
pub fn form_title(form: ServiceForm, lang: Lang) -> &'static str {
    match (form, lang) {
        (ServiceForm::Paper, Lang::Kk) => "қағаз түрінде",
        (ServiceForm::Paper, Lang::Ru) => "бумажная",
        (ServiceForm::Paper, Lang::En) => "paper",
        (ServiceForm::ElectronicPartiallyAutomated, Lang::Kk) => {
            "электрондық (ішінара автоматтандырылған)"
        }
        (ServiceForm::ElectronicPartiallyAutomated, Lang::Ru) => {
            "электронная (частично автоматизированная)"
        }
        (ServiceForm::ElectronicPartiallyAutomated, Lang::En) => "electronic (partially automated)",
        (ServiceForm::ElectronicFullyAutomated, Lang::Kk) => {
            "электрондық (толық автоматтандырылған)"
        }
        (ServiceForm::ElectronicFullyAutomated, Lang::Ru) => {
            "электронная (полностью автоматизированная)"
        }
        (ServiceForm::ElectronicFullyAutomated, Lang::En) => "electronic (fully automated)",
        (ServiceForm::NonAutomated, Lang::Kk) => "автоматтандырылмаған",
        (ServiceForm::NonAutomated, Lang::Ru) => "неавтоматизированная",
        (ServiceForm::NonAutomated, Lang::En) => "non-automated",
    }
}

pub fn channel_title(channel: Channel, lang: Lang) -> &'static str {
    match (channel, lang) {
        (Channel::ProviderOffice, Lang::Kk) => "Көрсетілетін қызметті берушіге жүгінген кезде",
        (Channel::ProviderOffice, Lang::Ru) => "При обращении к услугодателю",
        (Channel::ProviderOffice, Lang::En) => "Application at the provider's office",
        (Channel::ServiceCentre, Lang::Kk) => "Мемлекеттік корпорацияға (ХҚО) жүгінген кезде",
        (Channel::ServiceCentre, Lang::Ru) => "При обращении в Государственную корпорацию (ЦОН)",
        (Channel::ServiceCentre, Lang::En) => {
            "Application at the State Corporation (public service centre)"
        }
        (Channel::Portal, Lang::Kk) => "Портал арқылы жүгінген кезде",
        (Channel::Portal, Lang::Ru) => "При обращении через портал",
        (Channel::Portal, Lang::En) => "Application through the e-government portal",
        (Channel::RuralAkim, Lang::Kk) => "Кент, ауыл, ауылдық округ әкіміне жүгінген кезде",
        (Channel::RuralAkim, Lang::Ru) => "При обращении к акиму поселка, села, сельского округа",
        (Channel::RuralAkim, Lang::En) => "Application through the rural akim",
    }
}

/// The heading of a route: its channel, and its variant when it has one.
pub fn route_title(route: &Route, lang: Lang) -> String {
    let channel = channel_title(route.channel, lang);
    match (&route.title, &route.variant) {
        (Some(title), _) => format!("{channel}: {}", title.get(lang)),
        (None, Some(variant)) => format!("{channel}: {variant}"),
        (None, None) => channel.to_owned(),
    }
}

fn words(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::Kk => [
            "Рәсімнің (іс-қимылдың) нөмірі",
            "Құрылымдық бөлімшелердің атауы",
            "Рәсімнің (іс-қимылдың) атауы және олардың сипаттамасы",
            "Келесі рәсімді (іс-қимылды) орындауды бастау үшін негіз болатын нәтиже",
            "Орындалу мерзімі",
        ],
        Lang::Ru => [
            "Номер процедуры (действия)",
            "Наименование структурных подразделений",
            "Наименование процедуры (действия) и их описание",
            "Результат, являющийся основанием для начала следующей процедуры",
            "Срок исполнения",
        ],
        Lang::En => [
            "No.",
            "Unit",
            "Action",
            "Result that starts the next step",
            "Time limit",
        ],
    }
}

fn text(value: Option<&Text>, lang: Lang) -> String {
    value
        .map(|text| text.get(lang).to_owned())
        .unwrap_or_default()
}

/// One row of a step table.
struct Row {
    number: String,
    unit: String,
    action: String,
    hands_on: String,
    limit: String,
}

fn rows(model: &ProcessModel, route: &Route, lang: Lang) -> Vec<Row> {
    let file = &model.file;
    route
        .steps
        .iter()
        .filter(|step| step.kind != StepKind::End)
        .map(|step| {
            let unit = step
                .role
                .as_deref()
                .and_then(|role| file.roles.iter().find(|r| r.id == role))
                .map(|role| role.title.get(lang).to_owned())
                .unwrap_or_default();
            let mut action = text(step.action.as_ref(), lang);
            if step.kind == StepKind::Decision && !step.outcomes.is_empty() {
                let outcomes: Vec<String> = step
                    .outcomes
                    .iter()
                    .map(|outcome| format!("{} → {}", outcome.label.get(lang), outcome.next))
                    .collect();
                action.push_str(&format!(" [{}]", outcomes.join("; ")));
            }
            Row {
                // A step the regulation does not number stays unnumbered.
                number: step.label.clone().unwrap_or_else(|| "—".into()),
                unit,
                action,
                hands_on: text(step.hands_on.as_ref(), lang),
                limit: limit_text(step.limit.as_ref(), lang),
            }
        })
        .collect()
}

fn provisions(model: &ProcessModel, lang: Lang) -> Vec<(String, String)> {
    let file = &model.file;
    let service = &file.service;
    let act = &file.act;
    let label = |kk: &str, ru: &str, en: &str| match lang {
        Lang::Kk => kk.to_owned(),
        Lang::Ru => ru.to_owned(),
        Lang::En => en.to_owned(),
    };
    let mut lines = vec![
        (
            label("Көрсетілетін қызметті беруші", "Услугодатель", "Provider"),
            service.provider.get(lang).to_owned(),
        ),
        (
            label("Акт", "Акт", "Act"),
            format!(
                "{}, {} № {} ({})",
                act.issuer.get(lang),
                act.date,
                act.number,
                act.title.get(lang)
            ),
        ),
    ];
    if let Some(registration) = &act.justice_registration {
        lines.push((
            label(
                "Әділет органдарында тіркелді",
                "Зарегистрировано в органах юстиции",
                "Justice registration",
            ),
            format!("№ {}, {}", registration.number, registration.date),
        ));
    }
    for edition in &act.editions {
        lines.push((
            label("Редакция", "Редакция", "Edition"),
            format!("№ {}, {}", edition.act.number, edition.act.date),
        ));
    }
    if let Some(repeal) = &act.repealed {
        lines.push((
            label("Күші жойылды", "Утратил силу", "Repealed"),
            format!(
                "№ {}, {}",
                repeal.by.number,
                repeal.on.unwrap_or(repeal.by.date)
            ),
        ));
    }
    if let Some(standard) = &act.standard {
        lines.push((
            label("Стандарт", "Стандарт", "Standard"),
            standard.title.get(lang).to_owned(),
        ));
    }
    let forms: Vec<&str> = service
        .forms
        .iter()
        .map(|form| form_title(*form, lang))
        .collect();
    lines.push((label("Нысаны", "Форма", "Form"), forms.join(", ")));
    let results: Vec<&str> = service
        .results
        .iter()
        .map(|result| result.title.get(lang))
        .collect();
    lines.push((label("Нәтижесі", "Результат", "Result"), results.join("; ")));
    let refusals: Vec<&str> = service
        .refusals
        .iter()
        .map(|refusal| refusal.title.get(lang))
        .collect();
    if !refusals.is_empty() {
        lines.push((label("Бас тарту", "Отказ", "Refusal"), refusals.join("; ")));
    }
    if let Some(hours) = &service.office_hours {
        let lunch = hours
            .lunch
            .as_ref()
            .map(|[from, to]| format!(", {from}–{to}"))
            .unwrap_or_default();
        lines.push((
            label("Жұмыс кестесі", "График работы", "Office hours"),
            format!("{}–{}{lunch}", hours.open, hours.close),
        ));
    }
    for route in &file.routes {
        if let Some(term) = &route.term {
            let mut value = duration_text(term.duration(), lang);
            if term.acceptance_day_not_counted {
                value.push_str(match lang {
                    Lang::Kk => " (қабылдау күні мерзімге кірмейді)",
                    Lang::Ru => " (день приема не входит в срок)",
                    Lang::En => " (the day of acceptance is not counted)",
                });
            }
            if let Some(extension) = &term.extension {
                value.push_str(&format!(
                    "; +{} ({})",
                    duration_text(Duration::new(extension.amount, extension.unit), lang),
                    extension.reason.get(lang)
                ));
            }
            lines.push((
                format!("{} — {}", label("Мерзімі", "Срок", "Term"), route.key()),
                value,
            ));
        }
    }
    lines
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The step tables and general provisions as Markdown.
pub fn markdown(model: &ProcessModel, lang: Lang) -> String {
    let file = &model.file;
    let mut out = format!("# {}\n\n", file.service.title.get(lang));
    out.push_str(&format!("`{}` · {}\n\n", file.id, model.hash));
    for (key, value) in provisions(model, lang) {
        out.push_str(&format!("- **{}**: {}\n", md_cell(&key), md_cell(&value)));
    }
    let [number, unit, action, hands_on, limit] = words(lang);
    for route in &file.routes {
        out.push_str(&format!("\n## {}\n\n", route_title(route, lang)));
        out.push_str(&format!(
            "| {number} | {unit} | {action} | {hands_on} | {limit} |\n|---|---|---|---|---|\n"
        ));
        for row in rows(model, route, lang) {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                md_cell(&row.number),
                md_cell(&row.unit),
                md_cell(&row.action),
                md_cell(&row.hands_on),
                md_cell(&row.limit)
            ));
        }
    }
    out
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The step tables and general provisions as a standalone HTML page.
pub fn html(model: &ProcessModel, lang: Lang) -> String {
    let file = &model.file;
    let title = escape_html(file.service.title.get(lang));
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>body{{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}}table{{border-collapse:collapse;width:100%}}th,td{{border:1px solid #666;padding:.3em;vertical-align:top}}th{{background:#eee}}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p><code>{}</code> · <code>{}</code></p>\n<dl>\n",
        escape_html(&file.id),
        escape_html(&model.hash)
    );
    for (key, value) in provisions(model, lang) {
        out.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape_html(&key),
            escape_html(&value)
        ));
    }
    out.push_str("</dl>\n");
    let headers = words(lang);
    for route in &file.routes {
        out.push_str(&format!(
            "<h2>{}</h2>\n<table>\n<tr>",
            escape_html(&route_title(route, lang))
        ));
        for header in headers {
            out.push_str(&format!("<th scope=\"col\">{}</th>", escape_html(header)));
        }
        out.push_str("</tr>\n");
        for row in rows(model, route, lang) {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape_html(&row.number),
                escape_html(&row.unit),
                escape_html(&row.action),
                escape_html(&row.hands_on),
                escape_html(&row.limit)
            ));
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn source_json(seed: &str, source: &Source) -> Value {
    json!({"seed": seed, "line": source.line, "para": source.para})
}

fn step_json(seed: &str, model: &ProcessModel, step: &Step, lang: Lang) -> Value {
    let role_title = step
        .role
        .as_deref()
        .and_then(|role| model.file.roles.iter().find(|r| r.id == role))
        .map(|role| role.title.get(lang).to_owned());
    let mut next: Vec<Value> = Vec::new();
    if let Some(target) = &step.next {
        next.push(json!({"to": target}));
    }
    for outcome in &step.outcomes {
        next.push(
            json!({"to": outcome.next, "outcome": outcome.id, "label": outcome.label.get(lang)}),
        );
    }
    if let Some(target) = &step.on_timeout {
        next.push(json!({"to": target, "on": "timeout"}));
    }
    json!({
        "id": step.id,
        "label": step.label,
        "kind": step.kind,
        "role": step.role,
        "role_title": role_title,
        "action": step.action.as_ref().map(|text| text.get(lang)),
        "hands_on": step.hands_on.as_ref().map(|text| text.get(lang)),
        "deadline": step.limit.as_ref().map(|limit| json!({"amount": limit.amount, "unit": limit.unit})),
        "signs": step.signs,
        "next": next,
        "result": step.result,
        "source": source_json(seed, &step.source),
    })
}

/// The stable JSON form of `qyzmet show` (documented in
/// docs/regulation-format.md, "The `show` JSON").
pub fn json(model: &ProcessModel, lang: Lang) -> Value {
    let file = &model.file;
    let seed = file.seed.file.as_str();
    let routes: Vec<Value> = file
        .routes
        .iter()
        .map(|route| {
            json!({
                "key": route.key(),
                "channel": route.channel,
                "variant": route.variant,
                "title": route_title(route, lang),
                "term": route.term.as_ref().map(|term| json!({
                    "amount": term.amount,
                    "unit": term.unit,
                    "acceptance_day_not_counted": term.acceptance_day_not_counted,
                    "extension": term.extension.as_ref().map(|extension| json!({"amount": extension.amount, "unit": extension.unit})),
                    "source": source_json(seed, &term.source),
                })),
                "max_wait": route.max_wait.as_ref().map(|limit| json!({"amount": limit.amount, "unit": limit.unit})),
                "max_service": route.max_service.as_ref().map(|limit| json!({"amount": limit.amount, "unit": limit.unit})),
                "start": route.start,
                "steps": route.steps.iter().map(|step| step_json(seed, model, step, lang)).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "schema": "qyzmet.show/1",
        "id": file.id,
        "hash": model.hash,
        "lang": lang,
        "service": {
            "id": file.service.id,
            "title": file.service.title.get(lang),
            "provider": file.service.provider.get(lang),
            "recipients": file.service.recipients,
            "forms": file.service.forms,
            "results": file.service.results.iter().map(|result| json!({"id": result.id, "kind": result.kind, "title": result.title.get(lang)})).collect::<Vec<_>>(),
            "refusals": file.service.refusals.iter().map(|refusal| json!({"id": refusal.id, "kind": refusal.kind, "title": refusal.title.get(lang)})).collect::<Vec<_>>(),
        },
        "act": {
            "region": file.act.region,
            "number": file.act.number,
            "date": file.act.date,
            "in_force_from": file.act.in_force.from,
            "repealed_on": file.act.repealed.as_ref().map(|repeal| repeal.on.unwrap_or(repeal.by.date)),
        },
        "routes": routes,
    })
}
