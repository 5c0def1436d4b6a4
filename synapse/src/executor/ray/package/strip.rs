//! Shipping an ELF binary without its DWARF debug info.
//!
//! A debug build's binary is mostly debug info: the quickstart plugin built as its own crate
//! with cargo's default dev profile is 207 MB, 162 MB of it `.debug_*` sections, which a job
//! never reads. Those sections are not loaded (no `SHF_ALLOC`), so dropping them, as
//! `strip --strip-debug` does, leaves every loaded byte, the dynamic linking data and the
//! symbol table as they are: the binary runs the same, and panics and backtraces still name
//! functions (without file and line).

use object::build::elf::Builder;
use object::read::FileKind;

/// The binary without its unloaded `.debug_*` (and legacy `.zdebug_*`) sections, or `None` when
/// it is not an ELF file or has no such section (ship it as it is).
pub(super) fn strip_debug(data: &[u8]) -> Result<Option<Vec<u8>>, object::build::Error> {
    if !matches!(FileKind::parse(data), Ok(FileKind::Elf32 | FileKind::Elf64)) {
        return Ok(None);
    }
    let mut builder = Builder::read(data)?;
    let mut deleted = Vec::new();
    for section in builder.sections.iter_mut() {
        if is_debug_info(section.name.as_slice()) && !section.is_alloc() {
            section.delete = true;
            deleted.push(section.id());
        }
    }
    if deleted.is_empty() {
        return Ok(None);
    }
    // Their relocations (in a binary linked with `--emit-relocs`) go with them.
    for section in builder.sections.iter_mut() {
        if !section.is_alloc() && section.sh_info_section.is_some_and(|target| deleted.contains(&target)) {
            section.delete = true;
        }
    }
    // Symbols defined in a dropped section (section symbols, if the linker kept any) go too.
    for symbol in builder.symbols.iter_mut() {
        if symbol.section.is_some_and(|section| deleted.contains(&section)) {
            symbol.delete = true;
        }
    }
    let mut stripped = Vec::with_capacity(data.len() / 4);
    builder.write(&mut stripped)?;
    Ok(Some(stripped))
}

fn is_debug_info(name: &[u8]) -> bool {
    name.starts_with(b".debug_") || name.starts_with(b".zdebug_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::read::{Object, ObjectSection};

    fn section_names(data: &[u8]) -> Vec<String> {
        let file = object::read::File::parse(data).unwrap();
        file.sections().map(|section| section.name().unwrap().to_owned()).collect()
    }

    #[test]
    fn debug_sections_go_and_the_symbol_table_stays() {
        // This test binary: built with line tables at least, so it has `.debug_*` sections.
        let data = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let before = section_names(&data);
        assert!(before.iter().any(|name| name == ".debug_line"), "{before:?}");
        let stripped = strip_debug(&data).unwrap().expect("stripped");
        assert!(stripped.len() < data.len());
        let after = section_names(&stripped);
        assert!(!after.iter().any(|name| name.starts_with(".debug_") && name != ".debug_gdb_scripts"), "{after:?}");
        for kept in [".text", ".symtab", ".strtab", ".dynsym"] {
            assert_eq!(after.contains(&kept.to_owned()), before.contains(&kept.to_owned()), "{kept}");
        }
        let file = object::read::File::parse(&*stripped).unwrap();
        assert!(file.symbols().count() > 1000, "the symbol table is kept");
        // Deterministic: the same input gives the same bytes.
        assert_eq!(strip_debug(&data).unwrap().as_deref(), Some(&stripped[..]));
        // Nothing left to strip.
        assert_eq!(strip_debug(&stripped).unwrap(), None);
    }

    #[test]
    fn other_files_are_left_alone() {
        assert_eq!(strip_debug(b"#!/bin/sh\necho hello\n").unwrap(), None);
        assert_eq!(strip_debug(b"").unwrap(), None);
        // An ELF magic number on something that is not an ELF file is an error, not a panic.
        let mut bogus = b"\x7fELF\x02\x01\x01".to_vec();
        bogus.resize(64, 0);
        assert!(strip_debug(&bogus).is_err());
    }
}
