//! Consistent hashing benchmarks: lookups per second for every scheme of the lab, and
//! the time to rebuild after one node joins, at 10, 100 and 1,000 nodes, beside the
//! `hashring`, `jumphash` and `maglev` crates measured in the same run.
//!
//! Both sides hash with the same function. Every lookup is end to end: hash the 64-bit
//! key, then find its node. Our schemes hash the key's eight little-endian bytes with
//! xxHash64 (seed `KEY_SEED`); each crate is given xxHash64 too, through a
//! `std::hash::Hasher` adapter ([`XxHasher`]) that hashes the bytes the crate writes. For
//! `hashring` and `jumphash` those are the key's eight bytes, so both sides compute the very
//! same hash; `maglev` writes a four-byte seed before the key, so it hashes twelve bytes,
//! which costs xxHash64 about the same. (The crates' default is SipHash, a different hash
//! with a different cost: comparing with it would time the hash functions, not the
//! placement.) Before timing, the bench checks that the adapter gives our hash and that
//! `jumphash` with it puts every key in the bucket ours does.
//!
//! The ring and `hashring` both hold 100 tokens per node. A batch is 1,000,000 keys,
//! except for rendezvous (N hashes per key), which is timed on 10,000 keys; throughput is
//! per key either way. `jump_batch` places the keys with `Scheme::assign`, which follows
//! four keys through jump hash at once; `jump` looks them up one by one like the crate.
//! After the run the bench prints each figure as keys per second and as a ratio to the
//! matching crate, then times ours and each crate in alternating rounds and keeps the
//! best round of each, which is the fairest figure on a busy machine.
//!
//! Run with `cargo bench -p netsplit-core --bench hashing` (add `-- --quick` for a short
//! run).

use std::hash::{BuildHasher, Hasher};
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use maglev::ConsistentHasher;
use netsplit_core::labs::hashing::hash::{KEY_SEED, hash_u64};
use netsplit_core::labs::hashing::{
    BoundedLoads, Jump, Maglev, Member, Modulo, Rendezvous, Ring, Scheme, SchemeConfig,
};

const SIZES: [u32; 3] = [10, 100, 1_000];
const KEYS: u64 = 1_000_000;
const RENDEZVOUS_KEYS: u64 = 10_000;
const VNODES: u32 = 100;
/// The Maglev table size both sides build, at every cluster size. The `maglev` crate takes
/// the first prime at or above the capacity it is given, which for 65,537 is 65,537 itself,
/// so both tables have the same M. (The lab would choose a larger M for 1,000 nodes; the
/// comparison keeps one M so both sides fill the same table.)
const MAGLEV_TABLE_SIZE: u64 = 65_537;

/// A `Hasher` that feeds xxHash64 (the lab's hash, with its seed) to the crates: it
/// buffers the bytes written and hashes them on `finish`, so a `u64` key hashes exactly as
/// `hash_u64(key, KEY_SEED)` does. Every value hashed here is at most 16 bytes.
#[derive(Clone, Default)]
struct XxHasher {
    buffer: [u8; 32],
    length: usize,
}

impl XxHasher {
    /// Appends a fixed-size chunk; the fixed size lets the copy compile to a move.
    fn push<const BYTES: usize>(&mut self, bytes: [u8; BYTES]) {
        if let Some(slot) = self.buffer.get_mut(self.length..self.length + BYTES) {
            slot.copy_from_slice(&bytes);
            self.length += BYTES;
        }
    }
}

impl Hasher for XxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let end = (self.length + bytes.len()).min(self.buffer.len());
        let taken = end - self.length;
        self.buffer[self.length..end].copy_from_slice(&bytes[..taken]);
        self.length = end;
    }

    fn write_u32(&mut self, value: u32) {
        self.push(value.to_le_bytes());
    }

    fn write_u64(&mut self, value: u64) {
        self.push(value.to_le_bytes());
    }

    fn finish(&self) -> u64 {
        xxhash_rust::xxh64::xxh64(&self.buffer[..self.length], KEY_SEED)
    }
}

#[derive(Clone, Default)]
struct XxBuild;

impl BuildHasher for XxBuild {
    type Hasher = XxHasher;
    fn build_hasher(&self) -> XxHasher {
        XxHasher::default()
    }
}

fn members(count: u32) -> Vec<Member> {
    (0..count).map(Member::new).collect()
}

fn config() -> SchemeConfig {
    SchemeConfig {
        vnodes: VNODES,
        maglev_table_size: Some(MAGLEV_TABLE_SIZE),
        load_epsilon: 0.25,
    }
}

fn keys(count: u64) -> Vec<u64> {
    (0..count)
        .map(|key| key.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .collect()
}

/// The ring of `hashring` with `VNODES` tokens per node, each token a (node, index) pair.
fn hashring_ring<S: BuildHasher>(nodes: u32, hasher: S) -> hashring::HashRing<(u32, u32), S> {
    let mut ring = hashring::HashRing::with_hasher(hasher);
    ring.batch_add(
        (0..nodes)
            .flat_map(|node| (0..VNODES).map(move |index| (node, index)))
            .collect(),
    );
    ring
}

fn lookup_all<S: Scheme>(scheme: &S, keys: &[u64]) -> u64 {
    keys.iter()
        .map(|&key| u64::from(scheme.lookup(hash_u64(key, KEY_SEED))))
        .sum()
}

/// Hashes the keys and places them all with [`Scheme::assign`], as the lab does.
fn assign_all<S: Scheme>(scheme: &S, keys: &[u64]) -> u64 {
    let hashes: Vec<u64> = keys.iter().map(|&key| hash_u64(key, KEY_SEED)).collect();
    scheme.assign(&hashes).into_iter().map(u64::from).sum()
}

fn group<'a>(
    criterion: &'a mut Criterion,
    name: &str,
    elements: u64,
) -> BenchmarkGroup<'a, WallTime> {
    let mut group = criterion.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(elements));
    group
}

/// Checks, before anything is timed, that the crates hash as ours do: the adapter gives
/// `hash_u64(key, KEY_SEED)`, and `jumphash` (the same algorithm) then picks our bucket.
fn check_same_hash(all_keys: &[u64]) {
    let jump_crate = jumphash::CustomJumpHasher::new(XxHasher::default());
    for nodes in SIZES {
        let jump = Jump::build(&members(nodes), &config()).unwrap();
        for &key in all_keys.iter().take(10_000) {
            assert_eq!(XxBuild.hash_one(key), hash_u64(key, KEY_SEED));
            assert_eq!(
                jump_crate.slot(&key, nodes),
                jump.lookup(hash_u64(key, KEY_SEED)),
                "jumphash and ours disagree on key {key} with {nodes} nodes"
            );
        }
    }
}

fn lookups(criterion: &mut Criterion) {
    let all_keys = keys(KEYS);
    check_same_hash(&all_keys);
    let few_keys = keys(RENDEZVOUS_KEYS);
    let config = config();
    let mut group = group(criterion, "lookup", KEYS);
    for nodes in SIZES {
        let cluster = members(nodes);
        let modulo = Modulo::build(&cluster, &config).unwrap();
        group.bench_function(format!("modulo/{nodes}"), |b| {
            b.iter(|| lookup_all(&modulo, black_box(&all_keys)))
        });
        let ring = Ring::build(&cluster, &config).unwrap();
        group.bench_function(format!("ring/{nodes}"), |b| {
            b.iter(|| lookup_all(&ring, black_box(&all_keys)))
        });
        let jump = Jump::build(&cluster, &config).unwrap();
        group.bench_function(format!("jump/{nodes}"), |b| {
            b.iter(|| lookup_all(&jump, black_box(&all_keys)))
        });
        // The lab places whole key sets with `assign`, which follows four keys at once.
        group.bench_function(format!("jump_batch/{nodes}"), |b| {
            b.iter(|| assign_all(&jump, black_box(&all_keys)))
        });
        let maglev = Maglev::build(&cluster, &config).unwrap();
        group.bench_function(format!("maglev/{nodes}"), |b| {
            b.iter(|| lookup_all(&maglev, black_box(&all_keys)))
        });
        // Bounded loads places the whole batch at once: a key's owner depends on the
        // keys placed before it.
        let bounded = BoundedLoads::build(&cluster, &config).unwrap();
        let hashed: Vec<u64> = all_keys
            .iter()
            .map(|&key| hash_u64(key, KEY_SEED))
            .collect();
        group.bench_function(format!("bounded_loads/{nodes}"), |b| {
            b.iter(|| bounded.assign(black_box(&hashed)).len())
        });

        // The crates, each hashing with xxHash64 like ours (see the module documentation).
        let hashring = hashring_ring(nodes, XxBuild);
        group.bench_function(format!("hashring_crate/{nodes}"), |b| {
            b.iter(|| {
                black_box(&all_keys)
                    .iter()
                    .map(|key| u64::from(hashring.get(key).map_or(0, |node| node.0)))
                    .sum::<u64>()
            })
        });
        let jump_crate = jumphash::CustomJumpHasher::new(XxHasher::default());
        group.bench_function(format!("jumphash_crate/{nodes}"), |b| {
            b.iter(|| {
                black_box(&all_keys)
                    .iter()
                    .map(|key| u64::from(jump_crate.slot(key, nodes)))
                    .sum::<u64>()
            })
        });
        let maglev_crate =
            maglev::Maglev::with_capacity_and_hasher(0..nodes, MAGLEV_TABLE_SIZE as usize, XxBuild);
        group.bench_function(format!("maglev_crate/{nodes}"), |b| {
            b.iter(|| {
                black_box(&all_keys)
                    .iter()
                    .map(|key| u64::from(*maglev_crate.get(key).unwrap_or(&0)))
                    .sum::<u64>()
            })
        });
    }
    group.finish();

    let mut group = self::group(criterion, "lookup", RENDEZVOUS_KEYS);
    for nodes in SIZES {
        let rendezvous = Rendezvous::build(&members(nodes), &config).unwrap();
        group.bench_function(format!("rendezvous/{nodes}"), |b| {
            b.iter(|| lookup_all(&rendezvous, black_box(&few_keys)))
        });
    }
    group.finish();
}

fn rebuilds(criterion: &mut Criterion) {
    let config = config();
    let mut group = group(criterion, "rebuild", 1);
    for nodes in SIZES {
        // The cluster after one node joins, built from scratch, as the lab does.
        let after = members(nodes + 1);
        group.bench_function(format!("modulo/{nodes}"), |b| {
            b.iter(|| Modulo::build(black_box(&after), &config).unwrap())
        });
        group.bench_function(format!("ring/{nodes}"), |b| {
            b.iter(|| Ring::build(black_box(&after), &config).unwrap())
        });
        group.bench_function(format!("rendezvous/{nodes}"), |b| {
            b.iter(|| Rendezvous::build(black_box(&after), &config).unwrap())
        });
        group.bench_function(format!("jump/{nodes}"), |b| {
            b.iter(|| Jump::build(black_box(&after), &config).unwrap())
        });
        group.bench_function(format!("maglev/{nodes}"), |b| {
            b.iter(|| Maglev::build(black_box(&after), &config).unwrap())
        });
        group.bench_function(format!("bounded_loads/{nodes}"), |b| {
            b.iter(|| BoundedLoads::build(black_box(&after), &config).unwrap())
        });
        // `hashring` hashes each (node, index) token with xxHash64 as ours does, then sorts
        // its tokens: the same work as `Ring::build`.
        group.bench_function(format!("hashring_crate/{nodes}"), |b| {
            b.iter(|| hashring_ring(black_box(nodes + 1), XxBuild))
        });
        // Both fill a table of MAGLEV_TABLE_SIZE slots for the same nodes, taking turns as
        // the paper's Pseudocode 1 does. The crate first sieves for the prime and stores
        // every node's whole permutation (N x M entries, about 525 MB at 1,001 nodes);
        // ours computes a node's next permutation entry when its turn needs it. The ratio
        // measures that difference of design, not the hash.
        group.bench_function(format!("maglev_crate/{nodes}"), |b| {
            b.iter(|| {
                maglev::Maglev::with_capacity_and_hasher(
                    0..black_box(nodes + 1),
                    MAGLEV_TABLE_SIZE as usize,
                    XxBuild,
                )
            })
        });
    }
    group.finish();
}

/// Reads criterion's median estimate (nanoseconds per iteration) for `group/id`. The
/// median resists the noise of a machine shared with other work better than the mean.
fn mean_nanoseconds(group: &str, id: &str) -> Option<f64> {
    let executable = std::env::current_exe().ok()?;
    // The bench runs from target/<profile>/deps; criterion writes to target/criterion.
    let target = executable.parent()?.parent()?.parent()?;
    let path = target
        .join("criterion")
        .join(group)
        .join(id.replace('/', "_"))
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["median"]["point_estimate"].as_f64()
}

fn print_ratios() {
    let per_second = |id: &str, keys: u64| {
        mean_nanoseconds("lookup", id).map(|nanoseconds| keys as f64 / (nanoseconds * 1e-9))
    };
    println!(
        "\nlookups per second (millions), and ours over the crate's (both hash with xxHash64):"
    );
    let pairs = [
        ("ring", "hashring_crate"),
        ("jump", "jumphash_crate"),
        ("jump_batch", "jumphash_crate"),
        ("maglev", "maglev_crate"),
    ];
    for nodes in SIZES {
        for (ours, theirs) in pairs {
            let (Some(a), Some(b)) = (
                per_second(&format!("{ours}/{nodes}"), KEYS),
                per_second(&format!("{theirs}/{nodes}"), KEYS),
            ) else {
                continue;
            };
            println!(
                "{nodes:>5} nodes  {ours:<10} {:>8.1}  | {theirs:<15} {:>8.1}  ratio {:>5.2}",
                a / 1e6,
                b / 1e6,
                a / b
            );
        }
        for (scheme, keys) in [
            ("modulo", KEYS),
            ("rendezvous", RENDEZVOUS_KEYS),
            ("bounded_loads", KEYS),
        ] {
            if let Some(rate) = per_second(&format!("{scheme}/{nodes}"), keys) {
                println!("{nodes:>5} nodes  {scheme:<13} {:>8.1}", rate / 1e6);
            }
        }
    }
    println!("\nrebuild after one node joins (milliseconds), and ours over the crate's:");
    for nodes in SIZES {
        let time = |id: &str| mean_nanoseconds("rebuild", &format!("{id}/{nodes}"));
        for scheme in [
            "modulo",
            "ring",
            "rendezvous",
            "jump",
            "maglev",
            "bounded_loads",
        ] {
            if let Some(ours) = time(scheme) {
                let crate_id = match scheme {
                    "ring" => Some("hashring_crate"),
                    "maglev" => Some("maglev_crate"),
                    _ => None,
                };
                let versus = crate_id
                    .and_then(|id| time(id).map(|theirs| (id, theirs)))
                    .map(|(id, theirs)| {
                        format!(
                            "| {id} {:.3} ms, ours takes {:.2}x its time",
                            theirs / 1e6,
                            ours / theirs
                        )
                    })
                    .unwrap_or_default();
                println!(
                    "{nodes:>5} nodes  {scheme:<13} {:>9.3} ms {versus}",
                    ours / 1e6
                );
            }
        }
    }
}

/// The CPU time this thread has used, in seconds. Unlike the wall clock it does not
/// count the time the thread waits while other processes run, which on a shared
/// machine is most of the noise.
#[cfg(unix)]
fn thread_cpu_seconds() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` only writes the `timespec` it is given, which lives on
    // this stack frame for the whole call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if status != 0 {
        return f64::NAN;
    }
    now.tv_sec as f64 + now.tv_nsec as f64 * 1e-9
}

/// The clock the head-to-head reads: the thread's CPU time where there is one, else
/// seconds since the first call.
fn clock_seconds() -> f64 {
    #[cfg(unix)]
    {
        let seconds = thread_cpu_seconds();
        if seconds.is_finite() {
            return seconds;
        }
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// How much time one run of `work` takes on [`clock_seconds`], in seconds.
fn time_once(work: impl FnOnce() -> u64) -> f64 {
    let start = clock_seconds();
    black_box(work());
    clock_seconds() - start
}

/// Ours against each crate, timed in alternation on the thread's CPU clock and keeping
/// the best of several rounds, so that load from other processes, which only ever slows
/// a round down, affects both sides alike. Prints how many times faster ours is.
fn head_to_head() {
    const ROUNDS: usize = 9;
    let all_keys = keys(KEYS);
    let config = config();
    println!(
        "\nhead to head on the thread's CPU clock, best of {ROUNDS} alternating rounds of {KEYS} lookups, both sides hashing with xxHash64 (ours over the crate's speed):"
    );
    for nodes in SIZES {
        let cluster = members(nodes);
        let ring = Ring::build(&cluster, &config).unwrap();
        let jump = Jump::build(&cluster, &config).unwrap();
        let maglev = Maglev::build(&cluster, &config).unwrap();
        let hashring = hashring_ring(nodes, XxBuild);
        let jump_crate = jumphash::CustomJumpHasher::new(XxHasher::default());
        let maglev_crate =
            maglev::Maglev::with_capacity_and_hasher(0..nodes, MAGLEV_TABLE_SIZE as usize, XxBuild);
        let (mut ours_ring, mut theirs_ring) = (f64::MAX, f64::MAX);
        let (mut ours_jump, mut theirs_jump) = (f64::MAX, f64::MAX);
        let mut ours_jump_batch = f64::MAX;
        let (mut ours_maglev, mut theirs_maglev) = (f64::MAX, f64::MAX);
        for _ in 0..ROUNDS {
            ours_ring = ours_ring.min(time_once(|| lookup_all(&ring, &all_keys)));
            theirs_ring = theirs_ring.min(time_once(|| {
                all_keys
                    .iter()
                    .map(|key| u64::from(hashring.get(key).map_or(0, |node| node.0)))
                    .sum()
            }));
            ours_jump = ours_jump.min(time_once(|| lookup_all(&jump, &all_keys)));
            ours_jump_batch = ours_jump_batch.min(time_once(|| assign_all(&jump, &all_keys)));
            theirs_jump = theirs_jump.min(time_once(|| {
                all_keys
                    .iter()
                    .map(|key| u64::from(jump_crate.slot(key, nodes)))
                    .sum()
            }));
            ours_maglev = ours_maglev.min(time_once(|| lookup_all(&maglev, &all_keys)));
            theirs_maglev = theirs_maglev.min(time_once(|| {
                all_keys
                    .iter()
                    .map(|key| u64::from(*maglev_crate.get(key).unwrap_or(&0)))
                    .sum()
            }));
        }
        println!(
            "{nodes:>5} nodes  ring/hashring {:.2}  jump/jumphash {:.2} (batch {:.2})  maglev/maglev {:.2}",
            theirs_ring / ours_ring,
            theirs_jump / ours_jump,
            theirs_jump / ours_jump_batch,
            theirs_maglev / ours_maglev
        );
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    lookups(&mut criterion);
    rebuilds(&mut criterion);
    criterion.final_summary();
    print_ratios();
    // Criterion's test mode (`cargo test --benches`) passes `--test`; skip the timing
    // comparison there.
    if !std::env::args().any(|argument| argument == "--test") {
        head_to_head();
    }
}
