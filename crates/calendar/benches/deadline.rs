//! Deadline throughput: `cargo bench -p qyzmet-calendar`.
//! Target: at least 5 million deadline computations per second per core.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::Timestamp;
use qyzmet_calendar::{Calendar, LegalClock, Schedule, TermRule};
use qyzmet_core::{Duration, Unit};

/// 1024 start instants spread over 2010–2025, at odd seconds of the day.
fn starts() -> Vec<Timestamp> {
    let first = 1_262_304_000i64; // 2010-01-01T00:00Z
    let span = 16 * 365 * 86_400i64;
    (0..1024i64)
        .map(|i| Timestamp::from_second(first + (i * 7_919 * 3_607) % span).unwrap())
        .collect()
}

fn bench(c: &mut Criterion) {
    let calendar = Calendar::kazakhstan();
    let schedule = Schedule::standard();
    let clock = LegalClock::new(&calendar, &schedule);
    let starts = starts();
    let mut group = c.benchmark_group("deadline");
    group.throughput(Throughput::Elements(starts.len() as u64));
    for (name, limit) in [
        ("add 3 working_days", Duration::new(3, Unit::WorkingDays)),
        ("add 20 working_days", Duration::new(20, Unit::WorkingDays)),
        ("add 30 minutes", Duration::new(30, Unit::Minutes)),
        ("add 2400 minutes", Duration::new(2_400, Unit::Minutes)),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                for &start in &starts {
                    black_box(
                        clock
                            .deadline(black_box(start), limit, TermRule::default())
                            .ok(),
                    );
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
