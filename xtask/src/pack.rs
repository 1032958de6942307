//! Packs each bundle's WebAssembly with xz for the published site.
//!
//! Static hosts compress with gzip (some with nothing), and gzip's 32 KiB window and Huffman
//! coding leave a lot on the table for WebAssembly: xz (LZMA2) makes each bundle about a fifth
//! smaller than gzip -9 does. `www/loader.js` downloads `netsplit-<name>_bg.wasm.xz` and
//! unpacks it as it arrives with the npm package xz-decompress (xz-embedded, itself a small
//! WebAssembly module; about 9 KB gzipped), feeding the bytes straight into
//! `WebAssembly.compileStreaming`. The plain `.wasm` stays beside it: the loader falls back
//! to it if downloading, unpacking or compiling the packed file fails.

use std::path::Path;

use lzma_rust2::{CheckType, XzOptions, XzWriter};

/// The unpacker's file in `node_modules` (the npm package's own minified build), and its
/// name in `dist/`.
pub const UNPACKER_SOURCE: &str = "node_modules/xz-decompress/dist/package/xz-decompress.min.js";
pub const UNPACKER: &str = "xz-decompress.js";

/// The smallest dictionary an xz stream may name (4 KiB).
const DICT_MIN: u32 = 4096;

/// `bytes` as an xz stream: LZMA2 at preset 9 "extreme" (the longest matches, the deepest
/// search) with the literal coding tuned for WebAssembly (below), a CRC32 check, and a dictionary of the input's size rounded up to a power of two
/// (1 MiB for the Raft bundle), so the browser's unpacker allocates about the size of the
/// bundle, not preset 9's 64 MiB.
pub fn xz(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut options = XzOptions::with_preset(9);
    options.lzma_options.nice_len = 273;
    // WebAssembly is a byte code whose opcodes and LEB128 immediates depend on the bytes
    // before them rather than on their position: four literal-context bits (LZMA2's most;
    // xz's default is three) and no position bits pack the Raft bundle 1.3 KB (0.5%)
    // smaller than xz's defaults, measured with `xz --lzma2=...,lc=4,lp=0,pb=0`.
    options.lzma_options.lc = 4;
    options.lzma_options.lp = 0;
    options.lzma_options.pb = 0;
    options.lzma_options.depth_limit = 512;
    let input_len = u32::try_from(bytes.len())
        .map_err(|_| format!("{} bytes is too large to pack", bytes.len()))?;
    options.lzma_options.dict_size = input_len.max(DICT_MIN).next_power_of_two();
    options.set_check_sum_type(CheckType::Crc32);
    let mut writer = XzWriter::new(Vec::with_capacity(bytes.len() / 3), options)
        .map_err(|error| format!("xz: {error}"))?;
    std::io::Write::write_all(&mut writer, bytes).map_err(|error| format!("xz: {error}"))?;
    writer.finish().map_err(|error| format!("xz: {error}"))
}

/// Writes `<wasm>.xz` beside `wasm`.
pub fn pack_file(wasm: &Path) -> Result<(), String> {
    let bytes = std::fs::read(wasm).map_err(|error| format!("{}: {error}", wasm.display()))?;
    let packed = xz(&bytes).map_err(|why| format!("{}: {why}", wasm.display()))?;
    let mut name = wasm.as_os_str().to_owned();
    name.push(".xz");
    let packed_path = Path::new(&name);
    std::fs::write(packed_path, packed)
        .map_err(|error| format!("{}: {error}", packed_path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Bytes that look a little like code: repeats with variation, so LZMA has work to do.
    fn sample(len: usize) -> Vec<u8> {
        let mut state = 0x2545_f491_u32;
        (0..len)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                if i % 7 < 4 {
                    (i / 64 % 251) as u8
                } else {
                    (state % 16) as u8
                }
            })
            .collect()
    }

    #[test]
    fn a_packed_bundle_unpacks_to_the_same_bytes_and_is_smaller_than_gzip() {
        let bytes = sample(200_000);
        let packed = xz(&bytes).unwrap();
        let mut unpacked = Vec::new();
        lzma_rust2::XzReader::new(packed.as_slice(), false)
            .read_to_end(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, bytes);
        assert!(
            packed.len() < crate::sizes::gzip_len(&bytes),
            "xz {} bytes, gzip {} bytes",
            packed.len(),
            crate::sizes::gzip_len(&bytes)
        );
    }

    #[test]
    fn the_stream_asks_for_a_small_dictionary_and_a_crc32_check() {
        let packed = xz(&sample(100_000)).unwrap();
        // Stream header: magic (6 bytes), flags (2: the second is the check type).
        assert_eq!(&packed[..6], b"\xfd7zXZ\0");
        assert_eq!(packed[7], CheckType::Crc32 as u8);
        // Block header: size byte, flags, then the LZMA2 filter (id 0x21, properties size 1,
        // the dictionary byte). Dictionary byte d means (2 | (d & 1)) << (d / 2 + 11) bytes.
        let block = &packed[12..];
        assert_eq!(&block[2..4], &[0x21, 0x01]);
        let d = u32::from(block[4]);
        let dict = (2 | (d & 1)) << (d / 2 + 11);
        assert_eq!(dict, 128 * 1024, "100,000 bytes need a 128 KiB dictionary");
    }

    #[test]
    fn empty_input_packs_and_unpacks() {
        let packed = xz(&[]).unwrap();
        let mut unpacked = Vec::new();
        lzma_rust2::XzReader::new(packed.as_slice(), false)
            .read_to_end(&mut unpacked)
            .unwrap();
        assert!(unpacked.is_empty());
    }
}
