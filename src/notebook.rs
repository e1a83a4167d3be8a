//! Helpers for the evcxr notebooks.

/// Makes a panic abort the kernel. evcxr only prints a panic and carries on (and the
/// notebook runners then exit 0), so without this a failing `assert!` in a notebook
/// would pass CI unnoticed. Call it in every notebook's first cell.
pub fn fail_fast() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{info}");
        std::process::abort();
    }));
}

/// Shows an SVG document (from a `to_svg()` or `plot::svg`) as the cell's output, as
/// `image/svg+xml`.
pub fn show_svg(svg: &str) {
    println!("EVCXR_BEGIN_CONTENT image/svg+xml\n{svg}\nEVCXR_END_CONTENT");
}
