//! Reports what a first visit downloads: every file in `dist/`, raw and gzipped, and the
//! total for each page (the page's files and its bundle).

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

/// The files every page loads before its bundle: the page, the loader, the styles, the icon.
const PAGE_FILES: &[&str] = &["index.html", "loader.js", "styles.css", "favicon.svg"];

/// Prints each file's size raw and gzipped (level 9, as a static host would serve it), then
/// what a first visit to each page downloads: the page's files and that page's bundle.
pub fn report(dist: &Path, bundles: &[&str]) -> Result<(), String> {
    let mut files = Vec::new();
    collect(dist, &mut files)
        .map_err(|error| format!("could not read {}: {error}", dist.display()))?;
    files.sort();
    println!("\n{:<48} {:>12} {:>12}", "file", "raw bytes", "gzip bytes");
    let mut sizes = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).map_err(|error| format!("{}: {error}", path.display()))?;
        let gzipped = gzip_len(&bytes);
        let name = path
            .strip_prefix(dist)
            .unwrap_or(&path)
            .display()
            .to_string();
        println!("{name:<48} {:>12} {:>12}", bytes.len(), gzipped);
        sizes.push((name, bytes.len(), gzipped));
    }
    let size_of = |file: &str| {
        sizes
            .iter()
            .find(|(name, _, _)| name == file)
            .map(|(_, raw, gzipped)| (*raw, *gzipped))
    };
    let mut page = (0, 0);
    for file in PAGE_FILES {
        let (raw, gzipped) =
            size_of(file).ok_or_else(|| format!("{file} is missing from {}", dist.display()))?;
        page = (page.0 + raw, page.1 + gzipped);
    }
    println!(
        "\nA first visit downloads {} and one bundle (the page's WebAssembly and its JS glue):",
        PAGE_FILES.join(", ")
    );
    println!(
        "{:<48} {:>12} {:>12}",
        "first visit to", "raw bytes", "gzip bytes"
    );
    let mut largest = (0, "");
    for bundle in bundles.iter().copied().chain(["app"]) {
        let mut visit = page;
        for file in [
            format!("netsplit-{bundle}.js"),
            format!("netsplit-{bundle}_bg.wasm"),
        ] {
            let (raw, gzipped) = size_of(&file)
                .ok_or_else(|| format!("{file} is missing from {}", dist.display()))?;
            visit = (visit.0 + raw, visit.1 + gzipped);
        }
        let label = if bundle == "app" {
            "app (every page at once; the fallback)".to_string()
        } else {
            bundle.to_string()
        };
        println!("{label:<48} {:>12} {:>12}", visit.0, visit.1);
        if bundle != "app" && visit.1 > largest.0 {
            largest = (visit.1, bundle);
        }
    }
    println!(
        "\nfirst visit: at most {:.1} KB gzip (the {} page); target under 300 KB gzip",
        largest.0 as f64 / 1024.0,
        largest.1
    );
    Ok(())
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().map(|out| out.len()).unwrap_or(bytes.len())
}
