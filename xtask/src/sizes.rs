//! Reports what a first visit downloads: every file in `dist/`, raw and gzipped.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

/// Prints each file's size raw and gzipped (level 9, as a static host would serve it) and the totals.
pub fn report(dist: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    collect(dist, &mut files)
        .map_err(|error| format!("could not read {}: {error}", dist.display()))?;
    files.sort();
    println!("\n{:<48} {:>12} {:>12}", "file", "raw bytes", "gzip bytes");
    let (mut raw_total, mut gzip_total) = (0usize, 0usize);
    for path in files {
        let bytes = std::fs::read(&path).map_err(|error| format!("{}: {error}", path.display()))?;
        let gzipped = gzip_len(&bytes);
        raw_total += bytes.len();
        gzip_total += gzipped;
        let name = path
            .strip_prefix(dist)
            .unwrap_or(&path)
            .display()
            .to_string();
        println!("{name:<48} {:>12} {:>12}", bytes.len(), gzipped);
    }
    println!(
        "{:<48} {raw_total:>12} {gzip_total:>12}",
        "total (a first visit)"
    );
    println!(
        "\nfirst visit: {:.1} KB gzip ({:.1} KB raw); target under 300 KB gzip",
        gzip_total as f64 / 1024.0,
        raw_total as f64 / 1024.0
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
