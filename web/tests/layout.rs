//! The drawing's own cosine and sine agree with the standard library's.

use netsplit_web::layout::unit_circle;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_unit_circle_matches_cos_and_sin_to_a_billionth_all_the_way_round() {
    let mut worst: f64 = 0.0;
    for step in -2_000..=6_000 {
        let turns = step as f64 / 1_000.0 + 0.000_37;
        let (cos, sin) = unit_circle(turns);
        let angle = turns * std::f64::consts::TAU;
        worst = worst
            .max((cos - angle.cos()).abs())
            .max((sin - angle.sin()).abs());
    }
    assert!(worst < 1e-9, "worst error {worst}");
    // The clock positions are exact where they must be.
    assert_eq!(unit_circle(0.0), (1.0, 0.0));
    assert!(unit_circle(0.25).0.abs() < 1e-15);
    assert_eq!(unit_circle(-0.25).1, -1.0);
}
