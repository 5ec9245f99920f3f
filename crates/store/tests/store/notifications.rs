//! Conformance of the notification tables: every function runs against
//! SQLite and PostgreSQL.

use jiff::SignedDuration;
use qyzmet_store::{NewDelivery, NewNotification, StoreError};
use serde_json::json;

use crate::common::*;

conformance!(
    notifications_listed_newest_first_with_unread_count,
    insert_is_idempotent_and_moves_the_cursor,
    a_moved_cursor_is_a_conflict_and_writes_nothing,
    invalid_notifications_are_refused,
    deliveries_claimed_under_a_lease_and_settled,
    notifications_survive_reopen,
    concurrent_workers_claim_disjoint_deliveries,
);

fn note(
    case_id: &str,
    seq: u64,
    who: &str,
    at: &str,
    channels: &[(&str, &str)],
) -> NewNotification {
    NewNotification {
        id: format!("{case_id}:{seq}"),
        applicant_id: who.to_owned(),
        case_id: case_id.to_owned(),
        seq,
        kind: "accepted".to_owned(),
        lang: "ru".to_owned(),
        created_at: ts(at),
        content: json!({"subject": "Заявка принята", "body": format!("№ {case_id}"), "sms": "s", "link": "/cabinet/cases/x"}),
        deliveries: channels
            .iter()
            .map(|(channel, address)| NewDelivery {
                channel: (*channel).to_owned(),
                address: (*address).to_owned(),
            })
            .collect(),
    }
}

const A: &str = "900101300123";
const B: &str = "850202400456";

fn notifications_listed_newest_first_with_unread_count(fx: &Fixture) {
    let store = &fx.store;
    let items = vec![
        note("c1", 2, A, "2025-03-03T04:00:00Z", &[]),
        note("c1", 9, A, "2025-03-05T04:00:00Z", &[]),
        note("c2", 3, A, "2025-03-04T04:00:00Z", &[]),
        note("c3", 2, B, "2025-03-04T05:00:00Z", &[]),
    ];
    assert_eq!(store.insert_notifications("n", 0, 10, &items).unwrap(), 4);
    let page = store.notifications(A, 10).unwrap();
    let ids: Vec<_> = page.items.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["c1:9", "c2:3", "c1:2"]);
    assert_eq!(page.unread, 3);
    assert_eq!(page.items[0].content["subject"], "Заявка принята");
    assert_eq!(page.items[0].lang, "ru");
    assert_eq!(page.items[0].read_at, None);
    // A bounded page still counts every unread one.
    let first = store.notifications(A, 1).unwrap();
    assert_eq!((first.items.len(), first.unread), (1, 3));

    // Only the owner marks read; the first reading is kept.
    assert!(
        !store
            .mark_notification_read(B, "c1:9", ts("2025-03-06T00:00:00Z"))
            .unwrap()
    );
    assert!(
        !store
            .mark_notification_read(A, "c9:1", ts("2025-03-06T00:00:00Z"))
            .unwrap()
    );
    assert!(
        store
            .mark_notification_read(A, "c1:9", ts("2025-03-06T00:00:00Z"))
            .unwrap()
    );
    assert!(
        store
            .mark_notification_read(A, "c1:9", ts("2025-03-07T00:00:00Z"))
            .unwrap()
    );
    let page = store.notifications(A, 10).unwrap();
    assert_eq!(page.unread, 2);
    assert_eq!(page.items[0].read_at, Some(ts("2025-03-06T00:00:00Z")));
    assert_eq!(store.notifications(B, 10).unwrap().unread, 1);
    assert!(
        store
            .notifications("000000000000", 10)
            .unwrap()
            .items
            .is_empty()
    );
}

fn insert_is_idempotent_and_moves_the_cursor(fx: &Fixture) {
    let store = &fx.store;
    assert_eq!(store.notification_cursor("n").unwrap(), 0);
    let items = vec![note(
        "c1",
        2,
        A,
        "2025-03-03T04:00:00Z",
        &[("email", "a@example.kz"), ("sms", "+77010000001")],
    )];
    assert_eq!(store.insert_notifications("n", 0, 5, &items).unwrap(), 1);
    assert_eq!(store.notification_cursor("n").unwrap(), 5);
    assert_eq!(store.notification_deliveries("c1:2").unwrap().len(), 2);
    // Delivered meanwhile; deriving the same event again changes nothing.
    store
        .delivery_sent("c1:2:email", 1, ts("2025-03-03T04:00:01Z"))
        .unwrap();
    assert_eq!(store.insert_notifications("n", 5, 7, &items).unwrap(), 0);
    assert_eq!(store.notification_cursor("n").unwrap(), 7);
    let deliveries = store.notification_deliveries("c1:2").unwrap();
    assert_eq!(deliveries[0].id, "c1:2:email");
    assert_eq!(deliveries[0].state, "sent");
    assert_eq!(deliveries[1].state, "pending");
    assert_eq!(store.notifications(A, 10).unwrap().items.len(), 1);
    // An empty page only moves the cursor; another cursor is separate.
    assert_eq!(store.insert_notifications("n", 7, 9, &[]).unwrap(), 0);
    assert_eq!(store.notification_cursor("n").unwrap(), 9);
    assert_eq!(store.notification_cursor("other").unwrap(), 0);
}

fn a_moved_cursor_is_a_conflict_and_writes_nothing(fx: &Fixture) {
    let store = &fx.store;
    store.insert_notifications("n", 0, 4, &[]).unwrap();
    let items = vec![note(
        "c1",
        2,
        A,
        "2025-03-03T04:00:00Z",
        &[("email", "a@example.kz")],
    )];
    let error = store.insert_notifications("n", 0, 6, &items).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Conflict {
                expected: 0,
                actual: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(store.notification_cursor("n").unwrap(), 4);
    assert!(store.notifications(A, 10).unwrap().items.is_empty());
    assert!(store.notification_deliveries("c1:2").unwrap().is_empty());
}

fn invalid_notifications_are_refused(fx: &Fixture) {
    let store = &fx.store;
    let good = note(
        "c1",
        2,
        A,
        "2025-03-03T04:00:00Z",
        &[("email", "a@example.kz")],
    );
    let mut bad_id = good.clone();
    bad_id.id = "c1-2".into();
    let mut bad_lang = good.clone();
    bad_lang.lang = "de".into();
    let mut bad_channel = good.clone();
    bad_channel.deliveries[0].channel = "fax".into();
    let mut twice = good.clone();
    twice.deliveries.push(twice.deliveries[0].clone());
    let mut no_address = good.clone();
    no_address.deliveries[0].address = String::new();
    for item in [bad_id, bad_lang, bad_channel, twice, no_address] {
        let error = store.insert_notifications("n", 0, 1, &[item]).unwrap_err();
        assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
    }
    let error = store.insert_notifications("n", 3, 1, &[]).unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
    let too_many: Vec<_> = (1..=1001)
        .map(|seq| note("c1", seq, A, "2025-03-03T04:00:00Z", &[]))
        .collect();
    assert!(matches!(
        store
            .insert_notifications("n", 0, 1, &too_many)
            .unwrap_err(),
        StoreError::Invalid(_)
    ));
    assert!(matches!(
        store.notifications("", 10).unwrap_err(),
        StoreError::Invalid(_)
    ));
    assert_eq!(store.notification_cursor("n").unwrap(), 0);
}

fn deliveries_claimed_under_a_lease_and_settled(fx: &Fixture) {
    let store = &fx.store;
    let t0 = ts("2025-03-03T04:00:00Z");
    let items = vec![
        note(
            "c1",
            2,
            A,
            "2025-03-03T04:00:00Z",
            &[("email", "a@example.kz"), ("sms", "+77010000001")],
        ),
        note(
            "c2",
            2,
            B,
            "2025-03-03T04:00:00Z",
            &[("email", "b@example.kz")],
        ),
        note(
            "c3",
            2,
            B,
            "2025-03-03T06:00:00Z",
            &[("sms", "+77010000002")],
        ),
    ];
    store.insert_notifications("n", 0, 3, &items).unwrap();
    let lease = SignedDuration::from_secs(60);
    // Not due yet: c3's delivery waits for its instant.
    let claims = store.claim_deliveries(t0, 10, "w1", lease).unwrap();
    let ids: Vec<_> = claims.iter().map(|c| c.delivery.id.as_str()).collect();
    assert_eq!(ids, ["c1:2:email", "c1:2:sms", "c2:2:email"]);
    assert_eq!(claims[0].notification.id, "c1:2");
    assert_eq!(claims[0].delivery.address, "a@example.kz");
    assert_eq!(claims[0].notification.content["body"], "№ c1");
    assert_eq!(claims[0].delivery.attempts, 0);
    // Held: nobody else gets them while the lease lives.
    assert!(
        store
            .claim_deliveries(t0 + SignedDuration::from_secs(30), 10, "w2", lease)
            .unwrap()
            .is_empty()
    );
    // w1 dies; after the lease they come back.
    let later = t0 + SignedDuration::from_secs(61);
    let again = store.claim_deliveries(later, 2, "w2", lease).unwrap();
    assert_eq!(again.len(), 2, "bounded by the limit");

    store.delivery_sent("c1:2:email", 1, later).unwrap();
    store
        .retry_delivery(
            "c1:2:sms",
            1,
            later + SignedDuration::from_secs(300),
            "HTTP 503",
        )
        .unwrap();
    store
        .delivery_failed("c2:2:email", 3, "refused: 550 no such mailbox")
        .unwrap();
    // A late retry cannot undo a settled row.
    store
        .retry_delivery("c1:2:email", 2, later, "late")
        .unwrap();

    let rows = store.notification_deliveries("c1:2").unwrap();
    assert_eq!(rows[0].state, "sent");
    assert_eq!(rows[0].attempts, 1);
    assert_eq!(rows[0].sent_at, Some(later));
    assert_eq!(rows[0].last_error, None);
    assert_eq!(rows[1].state, "pending");
    assert_eq!(rows[1].attempts, 1);
    assert_eq!(rows[1].last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(rows[1].next_at, later + SignedDuration::from_secs(300));
    let failed = store.deliveries("failed", 10).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, "c2:2:email");
    assert_eq!(failed[0].attempts, 3);

    // Sent and failed rows are never claimed again; the retried one and
    // c3's come when due.
    let at = ts("2025-03-03T07:00:00Z");
    let claims = store.claim_deliveries(at, 10, "w3", lease).unwrap();
    let ids: Vec<_> = claims.iter().map(|c| c.delivery.id.as_str()).collect();
    assert_eq!(ids, ["c1:2:sms", "c3:2:sms"]);
    assert_eq!(claims[0].delivery.attempts, 1);
    assert_eq!(store.deliveries("pending", 10).unwrap().len(), 2);
    assert_eq!(store.deliveries("sent", 10).unwrap().len(), 1);
}

fn notifications_survive_reopen(fx: &Fixture) {
    let items = vec![note(
        "c1",
        2,
        A,
        "2025-03-03T04:00:00Z",
        &[("sms", "+77010000001")],
    )];
    fx.store.insert_notifications("n", 0, 3, &items).unwrap();
    let reopened = fx.reopen();
    assert_eq!(reopened.notification_cursor("n").unwrap(), 3);
    assert_eq!(reopened.notifications(A, 10).unwrap().unread, 1);
    assert_eq!(
        fx.query_i64("SELECT COUNT(*) FROM schema_migrations WHERE version = 4"),
        1
    );
}

fn concurrent_workers_claim_disjoint_deliveries(fx: &Fixture) {
    let store = &fx.store;
    let items: Vec<_> = (1..=200)
        .map(|seq| {
            note(
                "c1",
                seq,
                A,
                "2025-03-03T04:00:00Z",
                &[("email", "a@example.kz")],
            )
        })
        .collect();
    store.insert_notifications("n", 0, 200, &items).unwrap();
    let now = ts("2025-03-03T05:00:00Z");
    let lease = SignedDuration::from_secs(600);
    let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let claims = store
                            .claim_deliveries(now, 7, &format!("w{w}"), lease)
                            .unwrap();
                        if claims.is_empty() {
                            break;
                        }
                        mine.extend(claims.into_iter().map(|c| c.delivery.id));
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut all: Vec<_> = claimed.concat();
    assert_eq!(all.len(), 200, "every delivery claimed");
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        200,
        "no delivery claimed twice while its lease lives"
    );
}
