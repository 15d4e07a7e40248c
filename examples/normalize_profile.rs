//! Times `normalize_batch` on the shared HubSpot sample batches of 1, 5, 20 and 100 events.
//!
//! Run with `cargo run --release --example normalize_profile [ROUNDS [SIZE]]`. Each batch size (or only
//! SIZE, one of 001, 005, 020 and 100) runs ROUNDS times (default 2000) after a warm-up of
//! min(ROUNDS, 100) calls, and the example prints the median time per batch and per event. Set
//! HUBSPOT_SAMPLES_DIR to read the samples from another folder.
//!
//! Instructions per batch: with SIZE given, `normalize_batch` runs ROUNDS + min(ROUNDS, 100) + 1 times,
//! so the `perf stat -e instructions` counts of ROUNDS = 1100 and ROUNDS = 100 differ by exactly 1000
//! calls.

use _native::normalize::batch::normalize_batch;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

const BATCH_SIZES: [&str; 4] = ["001", "005", "020", "100"];
const RECEIVED_AT_MS: u64 = 1_764_820_300_000;

fn samples_dir() -> PathBuf {
    match std::env::var_os("HUBSPOT_SAMPLES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/hubspot/samples"),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let rounds: usize = match std::env::args().nth(1) {
        Some(text) => text
            .parse()
            .ok()
            .filter(|rounds| *rounds > 0)
            .unwrap_or_else(|| panic!("ROUNDS must be a positive integer, got {text:?}")),
        None => 2000,
    };
    let only_size = std::env::args().nth(2);
    let dir = samples_dir();
    for size in BATCH_SIZES {
        if only_size.as_deref().is_some_and(|only| only != size) {
            continue;
        }
        let path = dir.join(format!("batch-{size}-0.json"));
        let body = std::fs::read(&path).unwrap_or_else(|error| {
            panic!(
                "failed to read sample {}: {error}; set HUBSPOT_SAMPLES_DIR to the samples folder",
                path.display()
            )
        });
        let events = normalize_batch(&body, RECEIVED_AT_MS).records.len();

        let warm_up = rounds.min(100);
        for _ in 0..warm_up {
            black_box(normalize_batch(black_box(&body), RECEIVED_AT_MS));
        }
        let mut micros = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let start = Instant::now();
            black_box(normalize_batch(black_box(&body), RECEIVED_AT_MS));
            micros.push(start.elapsed().as_secs_f64() * 1e6);
        }
        let per_batch = median(micros);
        println!(
            "batch {size}: {events:3} events, median {per_batch:9.2} us per batch, {:6.3} us per event",
            per_batch / events as f64
        );
    }
}
