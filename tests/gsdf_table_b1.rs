//! The GSDF formula against PS3.14 Annex B Table B-1 as printed in the
//! standard (`calibration-data/reference/gsdf-table-b1.csv`, transcribed
//! from the standard's DocBook source; see the file's header). No value in
//! that file was computed by us.

use monqc::numbers::gsdf;

#[test]
fn table_b1_has_every_index_once() {
    let rows: Vec<_> = gsdf::table_b1().collect();
    assert_eq!(rows.len(), 1023);
    assert!(rows.iter().enumerate().all(|(i, r)| usize::from(r.jnd_index) == i + 1));
    // Spot values as printed: PS3.14 Table B-1.
    let printed = |j: usize| rows[j - 1].luminance_printed;
    assert_eq!(printed(1), "0.0500");
    assert_eq!(printed(2), "0.0547");
    assert_eq!(printed(100), "1.8508");
    assert_eq!(printed(1023), "3993.4040");
}

#[test]
fn formula_reproduces_the_printed_digits_where_the_table_is_the_fit() {
    // For j ≤ 112 the printed table and the §7.1 fit agree to 4 decimals.
    for (row, fit) in gsdf::table_b1().zip(gsdf::formula_table()).take(112) {
        assert_eq!(
            format!("{:.4}", fit.luminance_cd_m2),
            row.luminance_printed,
            "j = {}",
            row.jnd_index
        );
    }
}

#[test]
fn formula_stays_within_the_fit_error_of_the_table_everywhere() {
    // Above j ≈ 112 the table (Barten-model levels) and the fit drift apart
    // smoothly; PS3.14 §7.1 calls the formula an interpolation of the table.
    // The largest gap is 1.87e-5 relative; 2e-5 relative plus half the last
    // printed digit bounds every row.
    let mut worst = 0.0f64;
    for (row, fit) in gsdf::table_b1().zip(gsdf::formula_table()) {
        let printed: f64 = row.luminance_printed.parse().unwrap();
        let gap = (fit.luminance_cd_m2 - printed).abs();
        assert!(
            gap <= 5e-5 + 2e-5 * printed,
            "j = {}: table {printed}, formula {}",
            row.jnd_index,
            fit.luminance_cd_m2
        );
        worst = worst.max(gap / printed);
    }
    assert!(
        worst > 1e-5,
        "the table is not the formula; a zero gap means the file was computed: {worst}"
    );
}

#[test]
fn inverse_recovers_each_printed_index() {
    for row in gsdf::table_b1() {
        let l: f64 = row.luminance_printed.parse().unwrap();
        let j = gsdf::jnd_index(l.clamp(gsdf::luminance_min_cd_m2(), gsdf::luminance_max_cd_m2()))
            .unwrap();
        assert!((j - f64::from(row.jnd_index)).abs() < 0.1, "j = {}: {j}", row.jnd_index);
    }
}
