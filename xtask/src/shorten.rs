//! Short names for what a bundle's WebAssembly imports from its JS glue.
//!
//! wasm-bindgen names each function the wasm imports from the glue with a long unique name
//! (`__wbindgen_generic_0000000000000001`, `__wbg_appendChild_...`), and writes every name
//! twice: in the wasm's import section and in the glue's import object. A bundle has a few
//! hundred of them, and they cost gzip several kilobytes. This renames them `$0`, `$1`, ... in
//! both files at once; nothing else changes, and the names mean nothing to a reader (the
//! functions are the glue's own).

/// `wasm` and `js` (a wasm-bindgen bundle and its glue) with every function the wasm imports
/// from the glue module renamed to a short name, or why that cannot be done safely: an import
/// of another kind, a name the glue does not contain, or a short name the glue already uses.
pub fn shorten_imports(wasm: &[u8], js: &str) -> Result<(Vec<u8>, String), String> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return Err("not a WebAssembly module".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut renames: Vec<(String, String)> = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let (size, body_start) = read_leb(wasm, at + 1)?;
        let body_end = body_start
            .checked_add(size as usize)
            .filter(|end| *end <= wasm.len())
            .ok_or("a section runs past the end of the module")?;
        let body = &wasm[body_start..body_end];
        if id == 2 {
            let rewritten = rename_imports(body, &mut renames)?;
            out.push(2);
            write_leb(&mut out, rewritten.len() as u32);
            out.extend_from_slice(&rewritten);
        } else {
            out.extend_from_slice(&wasm[at..body_end]);
        }
        at = body_end;
    }
    let mut js = js.to_string();
    for (old, new) in &renames {
        if count_identifier(&js, new) > 0 {
            return Err(format!("the glue already uses the name {new}"));
        }
        let replaced = replace_identifier(&js, old, new);
        if replaced == js {
            return Err(format!("the glue never names the import {old}"));
        }
        js = replaced;
    }
    Ok((out, js))
}

/// The import section `body` with each function import's name replaced by a short one, which
/// is recorded in `renames` as (old, new).
fn rename_imports(body: &[u8], renames: &mut Vec<(String, String)>) -> Result<Vec<u8>, String> {
    let (count, mut at) = read_leb(body, 0)?;
    let mut out = Vec::with_capacity(body.len());
    write_leb(&mut out, count);
    for index in 0..count {
        let (module, next) = read_name(body, at)?;
        let (field, next) = read_name(body, next)?;
        let kind = *body.get(next).ok_or("an import ends early")?;
        if kind != 0 {
            return Err(format!(
                "import {field} is not a function (kind {kind}); left as it is"
            ));
        }
        let (type_index, next) = read_leb(body, next + 1)?;
        let short = format!("${index:x}");
        write_name(&mut out, module);
        write_name(&mut out, &short);
        out.push(0);
        write_leb(&mut out, type_index);
        renames.push((field.to_string(), short));
        at = next;
    }
    if at != body.len() {
        return Err("the import section has bytes after its imports".into());
    }
    Ok(out)
}

fn read_leb(bytes: &[u8], mut at: usize) -> Result<(u32, usize), String> {
    let mut value: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at).ok_or("a number runs past the end")?;
        at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(value)
                .map(|value| (value, at))
                .map_err(|_| "a number is too large".to_string());
        }
    }
    Err("a number is longer than five bytes".into())
}

fn write_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_name(bytes: &[u8], at: usize) -> Result<(&str, usize), String> {
    let (length, start) = read_leb(bytes, at)?;
    let end = start
        .checked_add(length as usize)
        .filter(|end| *end <= bytes.len())
        .ok_or("a name runs past the end")?;
    let name = std::str::from_utf8(&bytes[start..end]).map_err(|_| "a name is not UTF-8")?;
    Ok((name, end))
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    write_leb(out, name.len() as u32);
    out.extend_from_slice(name.as_bytes());
}

fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// Where `name` occurs in `text` as a whole identifier (not inside a longer one).
fn identifier_positions<'a>(text: &'a str, name: &'a str) -> impl Iterator<Item = usize> + 'a {
    text.match_indices(name)
        .map(|(at, _)| at)
        .filter(move |&at| {
            let before = at
                .checked_sub(1)
                .and_then(|i| text.as_bytes().get(i))
                .copied();
            let after = text.as_bytes().get(at + name.len()).copied();
            let inside_longer =
                before.is_some_and(is_identifier_byte) || after.is_some_and(is_identifier_byte);
            !inside_longer
        })
}

fn count_identifier(text: &str, name: &str) -> usize {
    identifier_positions(text, name).count()
}

fn replace_identifier(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in identifier_positions(text, old).collect::<Vec<_>>() {
        out.push_str(&text[last..at]);
        out.push_str(new);
        last = at + old.len();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with one type and two function imports from `./glue.js`.
    fn module(names: &[&str]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // Type section: one `() -> ()`.
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        let mut imports = Vec::new();
        write_leb(&mut imports, names.len() as u32);
        for name in names {
            write_name(&mut imports, "./glue.js");
            write_name(&mut imports, name);
            imports.extend_from_slice(&[0, 0]);
        }
        wasm.push(2);
        write_leb(&mut wasm, imports.len() as u32);
        wasm.extend_from_slice(&imports);
        wasm
    }

    #[test]
    fn imports_get_short_names_in_the_wasm_and_the_glue_alike() {
        let wasm = module(&["__wbg_log_1a2b", "__wbg_log_1a2b3c"]);
        let js = "imports['./glue.js'] = { __wbg_log_1a2b: f, __wbg_log_1a2b3c: g }; x.__wbg_log_1a2b();";
        let (short_wasm, short_js) = shorten_imports(&wasm, js).expect("shortened");
        assert_eq!(short_wasm, module(&["$0", "$1"]));
        // Whole identifiers only: the longer name is not taken for the shorter one.
        assert_eq!(short_js, "imports['./glue.js'] = { $0: f, $1: g }; x.$0();");
    }

    #[test]
    fn a_name_the_glue_never_mentions_or_a_short_name_it_uses_is_refused() {
        let wasm = module(&["__wbg_missing"]);
        let error = shorten_imports(&wasm, "const a = 1;").expect_err("not in the glue");
        assert!(error.contains("__wbg_missing"), "{error}");
        let error = shorten_imports(&wasm, "const $0 = __wbg_missing;").expect_err("taken");
        assert!(error.contains("$0"), "{error}");
    }

    #[test]
    fn damaged_modules_are_errors_not_panics() {
        let wasm = module(&["__wbg_a"]);
        for cut in 0..wasm.len() {
            let _ = shorten_imports(&wasm[..cut], "__wbg_a");
        }
        assert!(shorten_imports(b"not wasm", "").is_err());
    }
}
