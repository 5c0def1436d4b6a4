//! Shipping an ELF binary without its DWARF debug info.
//!
//! A debug build's binary is mostly debug info: the quickstart plugin built as its own crate
//! with cargo's default dev profile is 216 MB, 168 MB of it `.debug_*` sections, which a job
//! never reads. Those sections are not loaded (no `SHF_ALLOC`), so dropping them, as
//! `strip --strip-debug` does, leaves every loaded byte, the dynamic linking data and the
//! symbol table as they are: the binary runs the same, and panics and backtraces still name
//! functions (without file and line).
//!
//! Two ways, the same result for what runs:
//!
//! - [`cut_debug_info`], for the layout linkers give executables (the loaded segments first,
//!   then the unloaded sections, the section header table last): it reads the headers, then
//!   only the bytes it keeps (a quarter of a debug build), copies them as they are, and writes
//!   the section header table anew, each debug section's header kept (so that no section index
//!   changes) but marked `SHT_NOBITS` and empty. No symbol is parsed or rewritten, so this is
//!   quick even where synapse is built without optimizations: that binary's whole package is
//!   built in about 0.2 s this way, 0.9 s with the builder (which reads all 216 MB and spends
//!   0.4 s writing the file anew).
//! - [`strip_debug`], for anything else: `object`'s ELF builder reads the whole file, deletes
//!   the sections and writes the file anew.

use object::Endianness;
use object::build::elf::Builder;
use object::elf::{FileHeader64, SHF_ALLOC, SHT_NOBITS, SHT_REL, SHT_RELA, SectionHeader64};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::read::{FileKind, ReadCache};
use object::{Endian, U64};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// What [`cut_debug_info`] made of a file.
#[derive(Debug)]
pub(super) enum Cut {
    /// The file without its debug info.
    Stripped(Vec<u8>),
    /// Not an ELF file, or one without debug info: ship it as it is.
    Nothing,
    /// An ELF file this does not handle (32-bit, or another layout): use [`strip_debug`].
    Unsupported,
}

/// Cuts the unloaded `.debug_*` (and legacy `.zdebug_*`) sections out of the ELF file `file`,
/// reading only what it keeps (see the module documentation).
pub(super) fn cut_debug_info(file: &File) -> io::Result<Cut> {
    let invalid = |error: object::read::Error| io::Error::new(io::ErrorKind::InvalidData, error.to_string());
    let cache = ReadCache::new(file);
    match FileKind::parse(&cache) {
        Ok(FileKind::Elf64) => {}
        Ok(FileKind::Elf32) => return Ok(Cut::Unsupported),
        _ => return Ok(Cut::Nothing),
    }
    let header = FileHeader64::<Endianness>::parse(&cache).map_err(invalid)?;
    let endian = header.endian().map_err(invalid)?;
    let table = header.sections(endian, &cache).map_err(invalid)?;
    let headers: Vec<SectionHeader64<Endianness>> = table.iter().copied().collect();
    let mut cut = vec![false; headers.len()];
    for (index, section) in headers.iter().enumerate() {
        let name = table.section_name(endian, section).map_err(invalid)?;
        cut[index] = is_debug_info(name) && !is_alloc(section, endian) && section.sh_type(endian) != SHT_NOBITS;
    }
    // Their relocations (in a binary linked with `--emit-relocs`) go with them.
    for (index, section) in headers.iter().enumerate() {
        let target = section.info_link(endian).0;
        if matches!(section.sh_type(endian), SHT_REL | SHT_RELA)
            && !is_alloc(section, endian)
            && cut.get(target).copied().unwrap_or(false)
        {
            cut[index] = true;
        }
    }
    let Some(tail) =
        headers.iter().zip(&cut).filter(|(_, cut)| **cut).map(|(section, _)| section.sh_offset(endian)).min()
    else {
        return Ok(Cut::Nothing);
    };
    // Everything loaded, and the headers, before the first cut section: copied as it is.
    let segments = header.program_headers(endian, &cache).map_err(invalid)?;
    let loaded_end =
        segments.iter().map(|segment| segment.p_offset(endian) + segment.p_filesz(endian)).max().unwrap_or(0);
    let phdrs_end = header.e_phoff(endian) + u64::from(header.e_phentsize(endian)) * segments.len() as u64;
    let alloc_end = headers
        .iter()
        .filter(|section| is_alloc(section, endian) && section.sh_type(endian) != SHT_NOBITS)
        .map(|section| section.sh_offset(endian) + section.sh_size(endian))
        .max()
        .unwrap_or(0);
    let straddles = headers.iter().any(|section| {
        let (start, size) = (section.sh_offset(endian), section_file_size(section, endian));
        start < tail && start + size > tail
    });
    if loaded_end > tail
        || phdrs_end > tail
        || alloc_end > tail
        || straddles
        || header.e_shoff(endian) < tail
        || usize::from(header.e_shentsize(endian)) != size_of::<SectionHeader64<Endianness>>()
    {
        return Ok(Cut::Unsupported);
    }
    drop(cache);

    let mut reader = file;
    reader.seek(SeekFrom::Start(0))?;
    let kept: u64 = headers
        .iter()
        .zip(&cut)
        .filter(|(section, cut)| !**cut && section.sh_offset(endian) >= tail)
        .map(|(section, _)| section_file_size(section, endian))
        .sum();
    let mut out = Vec::with_capacity(usize::try_from(tail + kept).unwrap_or(0) + 4096);
    (&mut reader).take(tail).read_to_end(&mut out)?;
    if (out.len() as u64) < tail {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    // The unloaded sections after that point, in file order, each at its alignment.
    let mut order: Vec<usize> = (0..headers.len()).filter(|&index| headers[index].sh_offset(endian) >= tail).collect();
    order.sort_by_key(|&index| headers[index].sh_offset(endian));
    let mut rewritten = headers.clone();
    for index in order {
        let section = &headers[index];
        let size = section_file_size(section, endian);
        if cut[index] || size == 0 {
            let new = &mut rewritten[index];
            new.sh_offset = U64::new(endian, out.len() as u64);
            if cut[index] {
                new.sh_type.set(endian, SHT_NOBITS);
                new.sh_size = U64::new(endian, 0);
            }
            continue;
        }
        pad(&mut out, section.sh_addralign(endian));
        rewritten[index].sh_offset = U64::new(endian, out.len() as u64);
        reader.seek(SeekFrom::Start(section.sh_offset(endian)))?;
        let start = out.len();
        (&mut reader).take(size).read_to_end(&mut out)?;
        if (out.len() - start) as u64 != size {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    pad(&mut out, 8);
    let table_offset = out.len() as u64;
    for section in &rewritten {
        out.extend_from_slice(object::pod::bytes_of(section));
    }
    // `e_shoff`, at its place in the 64-bit header.
    out[0x28..0x30].copy_from_slice(&endian.write_u64(table_offset));
    Ok(Cut::Stripped(out))
}

/// The bytes a section takes in the file.
fn section_file_size(section: &SectionHeader64<Endianness>, endian: Endianness) -> u64 {
    section.file_range(endian).map_or(0, |(_, size)| size)
}

/// Whether a section is loaded.
fn is_alloc(section: &SectionHeader64<Endianness>, endian: Endianness) -> bool {
    section.sh_flags(endian).contains(SHF_ALLOC)
}

fn pad(out: &mut Vec<u8>, align: u64) {
    let align = align.max(1);
    let len = out.len() as u64;
    let padded = len.div_ceil(align) * align;
    out.resize(usize::try_from(padded).unwrap_or(out.len()), 0);
}

/// The binary `data` without its unloaded `.debug_*` (and legacy `.zdebug_*`) sections, written
/// anew by `object`'s ELF builder; `None` when it is not an ELF file or has no such section
/// (ship it as it is).
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
        file.sections().filter(|section| section.size() > 0).map(|section| section.name().unwrap().to_owned()).collect()
    }

    /// This test binary: built with line tables at least, so it has `.debug_*` sections.
    fn this_binary() -> (File, Vec<u8>) {
        let path = std::env::current_exe().unwrap();
        (File::open(&path).unwrap(), std::fs::read(&path).unwrap())
    }

    /// `identical`: whether every loaded section keeps its bytes (the builder writes the
    /// dynamic symbol and string tables anew, within the space they had).
    fn assert_stripped(data: &[u8], stripped: &[u8], identical: bool) {
        let before = section_names(data);
        assert!(before.iter().any(|name| name == ".debug_line"), "{before:?}");
        assert!(stripped.len() < data.len());
        let after = section_names(stripped);
        // Only what is loaded stays (`.debug_gdb_scripts` is, in a Rust binary).
        let file = object::read::File::parse(stripped).unwrap();
        for section in file.sections().filter(|section| section.size() > 0) {
            let name = section.name().unwrap();
            let object::SectionFlags::Elf { sh_flags, .. } = section.flags() else { panic!("not ELF") };
            assert!(!is_debug_info(name.as_bytes()) || sh_flags.contains(SHF_ALLOC), "{name} is left");
        }
        assert!(!after.contains(&".debug_line".to_owned()), "{after:?}");
        for kept in [".text", ".symtab", ".strtab", ".dynsym", ".rodata"] {
            assert_eq!(after.contains(&kept.to_owned()), before.contains(&kept.to_owned()), "{kept}");
        }
        let original = object::read::File::parse(data).unwrap();
        assert_eq!(file.symbols().count(), original.symbols().count(), "the symbol table is kept");
        assert_eq!(file.entry(), original.entry());
        // Every loaded section is at the same address, with the same bytes.
        for section in original.sections().filter(|section| section.address() != 0) {
            let name = section.name().unwrap();
            let copy = file.section_by_name(name).unwrap();
            assert_eq!(copy.address(), section.address(), "{name}");
            if identical {
                assert_eq!(copy.size(), section.size(), "{name}");
                assert!(copy.data().unwrap() == section.data().unwrap(), "{name} changed");
            }
        }
    }

    #[test]
    fn cutting_drops_the_debug_sections_and_keeps_the_rest() {
        let (file, data) = this_binary();
        let Cut::Stripped(stripped) = cut_debug_info(&file).unwrap() else { panic!("not cut") };
        assert_stripped(&data, &stripped, true);
        // Deterministic, and nothing left to cut the second time.
        let Cut::Stripped(again) = cut_debug_info(&file).unwrap() else { panic!("not cut") };
        assert_eq!(again, stripped);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stripped");
        std::fs::write(&path, &stripped).unwrap();
        assert!(matches!(cut_debug_info(&File::open(&path).unwrap()).unwrap(), Cut::Nothing));
    }

    #[test]
    fn the_builder_drops_the_debug_sections_and_keeps_the_rest() {
        let (_, data) = this_binary();
        let stripped = strip_debug(&data).unwrap().expect("stripped");
        assert_stripped(&data, &stripped, false);
        assert_eq!(strip_debug(&data).unwrap().as_deref(), Some(&stripped[..]));
        assert_eq!(strip_debug(&stripped).unwrap(), None);
    }

    #[test]
    fn other_files_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("script");
        std::fs::write(&path, b"#!/bin/sh\necho hello\n").unwrap();
        assert!(matches!(cut_debug_info(&File::open(&path).unwrap()).unwrap(), Cut::Nothing));
        assert_eq!(strip_debug(b"#!/bin/sh\necho hello\n").unwrap(), None);
        assert_eq!(strip_debug(b"").unwrap(), None);
        // An ELF magic number on something that is not an ELF file is an error, not a panic.
        let mut bogus = b"\x7fELF\x02\x01\x01".to_vec();
        bogus.resize(64, 0);
        assert!(strip_debug(&bogus).is_err());
        std::fs::write(&path, &bogus).unwrap();
        assert!(!matches!(cut_debug_info(&File::open(&path).unwrap()), Ok(Cut::Stripped(_))));
    }
}
