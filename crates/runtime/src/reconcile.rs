//! The daily reconciliation of payment orders: what the case log says was
//! ordered against the payment centre's statement for the same day.
//!
//! Each side is matched by the gateway message id (derived from the
//! request id, so it is the same on both sides whatever retries happened).
//! Every difference is reported; nothing is corrected automatically — a
//! payment is money, and a person decides.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::outbox::RecordedPayment;

/// One line of the payment centre's statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatementEntry {
    pub order_id: String,
    pub message_id: String,
    pub case_id: String,
    pub amount_tiyn: i64,
}

/// A difference between the two sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Difference {
    /// The case log records an accepted order the statement does not have.
    MissingAtCentre {
        case_id: String,
        message_id: String,
        amount_tiyn: i64,
    },
    /// The statement has an order no case recorded (an answer lost before
    /// it was recorded, or an order Qyzmet did not send).
    UnknownOrder {
        case_id: String,
        order_id: String,
        amount_tiyn: i64,
    },
    /// Both sides have the order, with different amounts.
    AmountMismatch {
        case_id: String,
        message_id: String,
        recorded_tiyn: i64,
        statement_tiyn: i64,
    },
    /// The statement has more than one order for one case and amount.
    Duplicate {
        case_id: String,
        amount_tiyn: i64,
        orders: Vec<String>,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub recorded: usize,
    pub statement: usize,
    pub matched: usize,
    pub recorded_total_tiyn: i64,
    pub statement_total_tiyn: i64,
    pub differences: Vec<Difference>,
}

impl Reconciliation {
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Compares the recorded payments with the statement.
pub fn reconcile(recorded: &[RecordedPayment], statement: &[StatementEntry]) -> Reconciliation {
    let mut report = Reconciliation {
        recorded: recorded.len(),
        statement: statement.len(),
        recorded_total_tiyn: recorded.iter().map(|p| p.amount_tiyn).sum(),
        statement_total_tiyn: statement.iter().map(|e| e.amount_tiyn).sum(),
        ..Reconciliation::default()
    };
    let by_message: BTreeMap<&str, &StatementEntry> = statement
        .iter()
        .map(|entry| (entry.message_id.as_str(), entry))
        .collect();
    let ours: BTreeMap<&str, &RecordedPayment> = recorded
        .iter()
        .map(|payment| (payment.message_id.as_str(), payment))
        .collect();
    for payment in recorded {
        match by_message.get(payment.message_id.as_str()) {
            None => report.differences.push(Difference::MissingAtCentre {
                case_id: payment.case_id.clone(),
                message_id: payment.message_id.clone(),
                amount_tiyn: payment.amount_tiyn,
            }),
            Some(entry) if entry.amount_tiyn != payment.amount_tiyn => {
                report.differences.push(Difference::AmountMismatch {
                    case_id: payment.case_id.clone(),
                    message_id: payment.message_id.clone(),
                    recorded_tiyn: payment.amount_tiyn,
                    statement_tiyn: entry.amount_tiyn,
                })
            }
            Some(_) => report.matched += 1,
        }
    }
    for entry in statement {
        if !ours.contains_key(entry.message_id.as_str()) {
            report.differences.push(Difference::UnknownOrder {
                case_id: entry.case_id.clone(),
                order_id: entry.order_id.clone(),
                amount_tiyn: entry.amount_tiyn,
            });
        }
    }
    let mut per_case: BTreeMap<(&str, i64), Vec<String>> = BTreeMap::new();
    for entry in statement {
        per_case
            .entry((entry.case_id.as_str(), entry.amount_tiyn))
            .or_default()
            .push(entry.order_id.clone());
    }
    for ((case_id, amount_tiyn), orders) in per_case {
        if orders.len() > 1 {
            report.differences.push(Difference::Duplicate {
                case_id: case_id.to_owned(),
                amount_tiyn,
                orders,
            });
        }
    }
    report
}

/// The payment centre's business day (UTC+5) as an interval of instants.
pub fn day_bounds(date: jiff::civil::Date) -> (jiff::Timestamp, jiff::Timestamp) {
    let offset = jiff::tz::offset(5);
    let at = |date: jiff::civil::Date| {
        offset
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .ok()
    };
    let start = at(date).unwrap_or(jiff::Timestamp::MIN);
    let end = date
        .tomorrow()
        .ok()
        .and_then(at)
        .unwrap_or(jiff::Timestamp::MAX);
    (start, end)
}

impl crate::Runtime {
    /// Reconciles one day (`YYYY-MM-DD`, UTC+5): the payments the event log
    /// records as accepted that day against the centre's statement of the
    /// same day.
    pub fn reconcile_day(
        &self,
        client: &qyzmet_gateway::Client,
        date: jiff::civil::Date,
    ) -> Result<Reconciliation, crate::RuntimeError> {
        let (from, to) = day_bounds(date);
        let recorded = self.recorded_payments(from, to)?;
        let (statement, _) = client
            .statement(&date.to_string())
            .map_err(|error| crate::RuntimeError::Gateway(error.to_string()))?;
        let entries: Vec<StatementEntry> = statement
            .entries
            .into_iter()
            .map(|line| StatementEntry {
                order_id: line.order_id,
                message_id: line.message_id,
                case_id: line.case_id,
                amount_tiyn: line.amount_tiyn,
            })
            .collect();
        Ok(reconcile(&recorded, &entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(case: &str, message: &str, amount: i64) -> RecordedPayment {
        RecordedPayment {
            request_id: format!("{case}/q1"),
            case_id: case.into(),
            message_id: message.into(),
            amount_tiyn: amount,
            order_id: None,
            at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    fn theirs(case: &str, message: &str, order: &str, amount: i64) -> StatementEntry {
        StatementEntry {
            order_id: order.into(),
            message_id: message.into(),
            case_id: case.into(),
            amount_tiyn: amount,
        }
    }

    #[test]
    fn equal_sides_are_clean() {
        let report = reconcile(
            &[ours("A", "m1", 100), ours("B", "m2", 200)],
            &[theirs("A", "m1", "o1", 100), theirs("B", "m2", "o2", 200)],
        );
        assert!(report.is_clean(), "{report:?}");
        assert_eq!(
            (
                report.matched,
                report.recorded_total_tiyn,
                report.statement_total_tiyn
            ),
            (2, 300, 300)
        );
    }

    #[test]
    fn every_kind_of_difference_is_found() {
        let report = reconcile(
            &[
                ours("A", "m1", 100),
                ours("B", "m2", 200),
                ours("C", "m3", 300),
            ],
            &[
                theirs("A", "m1", "o1", 100),
                theirs("B", "m2", "o2", 250),
                theirs("D", "m4", "o4", 400),
                theirs("A", "m5", "o5", 100),
            ],
        );
        assert_eq!(report.matched, 1);
        assert!(report.differences.contains(&Difference::MissingAtCentre {
            case_id: "C".into(),
            message_id: "m3".into(),
            amount_tiyn: 300
        }));
        assert!(report.differences.contains(&Difference::AmountMismatch {
            case_id: "B".into(),
            message_id: "m2".into(),
            recorded_tiyn: 200,
            statement_tiyn: 250
        }));
        assert!(report.differences.contains(&Difference::UnknownOrder {
            case_id: "D".into(),
            order_id: "o4".into(),
            amount_tiyn: 400
        }));
        assert!(report.differences.contains(&Difference::Duplicate {
            case_id: "A".into(),
            amount_tiyn: 100,
            orders: vec!["o1".into(), "o5".into()]
        }));
        assert_eq!(report.differences.len(), 5, "{:?}", report.differences);
    }
}
