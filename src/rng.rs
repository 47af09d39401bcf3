//! Random streams: one seed per run, one independent stream per component.
//!
//! The algorithm is named (Xoshiro256++, from `rand_xoshiro`) so that a seed
//! means the same run across releases of `rand`. A stream is derived from the
//! run seed and a stable label (component name plus an index), so adding a new
//! component never shifts the numbers another component sees.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every component uses.
pub type SimRng = Xoshiro256PlusPlus;

/// SplitMix64 finaliser: a bijective 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over the label: stable across platforms and releases.
fn label_hash(label: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// The stream for `label` (e.g. `"arrivals"`) and `index` (e.g. the function
/// index) under the run seed.
pub fn stream(seed: u64, label: &str, index: u64) -> SimRng {
    let s = mix(mix(seed ^ label_hash(label)).wrapping_add(index));
    SimRng::seed_from_u64(s)
}

/// A seed derived from a parent seed and an index (sweep points, replications).
pub fn derive_seed(parent: u64, index: u64) -> u64 {
    mix(mix(parent).wrapping_add(index.wrapping_mul(0xD6E8_FEB8_6659_FD93)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_independent_and_reproducible() {
        let a1 = stream(7, "arrivals", 0).next_u64();
        let a2 = stream(7, "arrivals", 0).next_u64();
        let w = stream(7, "work", 0).next_u64();
        let a_other_fn = stream(7, "arrivals", 1).next_u64();
        assert_eq!(a1, a2);
        assert_ne!(a1, w);
        assert_ne!(a1, a_other_fn);
    }

    #[test]
    fn algorithm_is_pinned() {
        // Xoshiro256++ seeded through seed_from_u64, the label hash and the
        // seed mixer: if any of them changes, every published seed means a
        // different run. The literals were recorded once and must never change.
        let mut r = stream(42, "arrivals", 0);
        let got = [r.next_u64(), r.next_u64(), r.next_u64()];
        let derived = [derive_seed(1, 2), derive_seed(7, 0)];
        let label = label_hash("work_cpu");
        assert_eq!(got, PINNED_STREAM);
        assert_eq!(derived, PINNED_DERIVED);
        assert_eq!(label, PINNED_LABEL);
    }
    const PINNED_STREAM: [u64; 3] = [
        12_701_294_695_876_807_597,
        1_566_688_734_015_308_639,
        15_984_286_798_320_623_858,
    ];
    const PINNED_DERIVED: [u64; 2] = [11_680_020_970_895_995_837, 13_309_476_754_707_697_221];
    const PINNED_LABEL: u64 = 3_855_997_814_764_218_561;
}
