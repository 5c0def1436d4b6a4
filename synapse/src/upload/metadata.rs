//! The metadata file of an upload ([`read_metadata`]): a CSV or Excel table whose first column
//! names a file and whose other columns become its data unit's `meta`, read within
//! [`MetadataLimits`] (the SDK's `utils/excel.py` `ExcelSecurityConfig`). An `.xlsx` sheet is
//! streamed cell by cell and refused at the first cell past a limit or holding a formula.

use super::MetadataError;
use calamine::{DataRef, DataType, Reader, Xls, Xlsx, open_workbook};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files a single-path upload takes as its metadata when `excel_metadata_path` is not
/// given, first found wins (the SDK's default search).
pub const DEFAULT_METADATA_FILES: [&str; 3] = ["meta.xlsx", "meta.xls", "meta.csv"];

/// The limits a metadata file is read within; the defaults are the SDK's
/// `ExcelSecurityConfig`, with a bound on what an Excel file decompresses to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataLimits {
    /// The file's size in bytes (10 MiB).
    pub max_bytes: u64,
    /// What an Excel file's parts decompress to, in bytes (100 MiB).
    pub max_decompressed: u64,
    /// Rows below the header (100,000).
    pub max_rows: usize,
    /// Columns (300).
    pub max_columns: usize,
    /// Characters in one cell (1,000).
    pub max_value_len: usize,
}

impl Default for MetadataLimits {
    fn default() -> Self {
        MetadataLimits {
            max_bytes: 10 * 1024 * 1024,
            max_decompressed: 100 * 1024 * 1024,
            max_rows: 100_000,
            max_columns: 300,
            max_value_len: 1000,
        }
    }
}

/// A metadata table: each row's values by column name, keyed by the row's first column (a file
/// name, or a stem).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// The file it was read from.
    pub path: PathBuf,
    /// The rows, by their first column.
    pub rows: BTreeMap<String, Map<String, Value>>,
}

impl Metadata {
    /// The row of the first of `names` that has one (file names, then the stem).
    pub fn row<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Option<&Map<String, Value>> {
        names.into_iter().find_map(|name| self.rows.get(name))
    }
}

/// Reads the metadata table at `path` (`.csv`, `.xlsx`, `.xls`; the first row names the
/// columns, the first column the file), within `limits`. Empty cells are left out of a row.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("meta.csv");
/// std::fs::write(&path, "file,label,weather\ncat.png,cat,sunny\ndog.png,dog,\n")?;
/// let meta = synapse::upload::read_metadata(&path, &Default::default())?;
/// assert_eq!(meta.rows["cat.png"]["weather"], "sunny");
/// assert!(meta.rows["dog.png"].get("weather").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`MetadataError`]: unreadable, unsupported, above a limit, or (Excel) a formula cell.
pub fn read_metadata(path: &Path, limits: &MetadataLimits) -> Result<Metadata, MetadataError> {
    let unreadable = |reason: String| MetadataError::Unreadable { path: path.to_owned(), reason };
    let size = std::fs::metadata(path).map_err(|error| unreadable(error.to_string()))?.len();
    if size > limits.max_bytes {
        return Err(MetadataError::TooLarge { path: path.to_owned(), size, limit: limits.max_bytes });
    }
    let extension = path.extension().map(|ext| ext.to_string_lossy().to_lowercase()).unwrap_or_default();
    let mut table = Table { path, limits, header: Vec::new(), rows: BTreeMap::new() };
    match extension.as_str() {
        "csv" => table.csv()?,
        "xlsx" | "xlsm" => table.xlsx()?,
        "xls" => table.xls()?,
        _ => return Err(MetadataError::Unsupported { path: path.to_owned() }),
    }
    Ok(Metadata { path: path.to_owned(), rows: table.rows })
}

struct Table<'a> {
    path: &'a Path,
    limits: &'a MetadataLimits,
    header: Vec<String>,
    rows: BTreeMap<String, Map<String, Value>>,
}

impl Table<'_> {
    fn unreadable(&self, reason: impl ToString) -> MetadataError {
        MetadataError::Unreadable { path: self.path.to_owned(), reason: reason.to_string() }
    }

    /// Checks the cell at 0-based (`row`, `column`) against the limits.
    fn check(&self, row: usize, column: usize, value: &str) -> Result<(), MetadataError> {
        if row > self.limits.max_rows {
            return Err(MetadataError::TooManyRows { path: self.path.to_owned(), limit: self.limits.max_rows });
        }
        if column >= self.limits.max_columns {
            return Err(MetadataError::TooManyColumns { path: self.path.to_owned(), limit: self.limits.max_columns });
        }
        let len = value.chars().count();
        if len > self.limits.max_value_len {
            let cell = cell_name(row, column);
            let (path, limit) = (self.path.to_owned(), self.limits.max_value_len);
            return Err(MetadataError::ValueTooLong { path, cell, len, limit });
        }
        Ok(())
    }

    /// Adds one row (0-based `row`; row 0 is the header).
    fn push(&mut self, row: usize, cells: Vec<(usize, String)>) {
        if row == 0 {
            for (column, value) in cells {
                if self.header.len() <= column {
                    self.header.resize(column + 1, String::new());
                }
                self.header[column] = value.trim().to_owned();
            }
            return;
        }
        let mut key = None;
        let mut values = Map::new();
        for (column, value) in cells {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            if column == 0 {
                key = Some(value.to_owned());
            } else {
                let name = self.header.get(column).filter(|name| !name.is_empty()).cloned();
                values.insert(name.unwrap_or_else(|| format!("column_{}", column + 1)), Value::from(value));
            }
        }
        if let Some(key) = key {
            self.rows.insert(key, values);
        }
    }

    fn csv(&mut self) -> Result<(), MetadataError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(self.path)
            .map_err(|error| self.unreadable(error))?;
        let mut record = csv::StringRecord::new();
        let mut row = 0;
        while reader.read_record(&mut record).map_err(|error| self.unreadable(error))? {
            let mut cells = Vec::with_capacity(record.len());
            for (column, value) in record.iter().enumerate() {
                self.check(row, column, value)?;
                cells.push((column, value.to_owned()));
            }
            self.push(row, cells);
            row += 1;
        }
        Ok(())
    }

    fn xlsx(&mut self) -> Result<(), MetadataError> {
        let file = std::fs::File::open(self.path).map_err(|error| self.unreadable(error))?;
        let archive = zip::ZipArchive::new(file).map_err(|error| self.unreadable(format!("not an xlsx: {error}")))?;
        let decompressed = archive.decompressed_size().map_or(u64::MAX, |size| u64::try_from(size).unwrap_or(u64::MAX));
        if decompressed > self.limits.max_decompressed {
            let (path, limit) = (self.path.to_owned(), self.limits.max_decompressed);
            return Err(MetadataError::Decompressed { path, size: decompressed, limit });
        }
        let mut workbook: Xlsx<_> = open_workbook(self.path).map_err(|error| self.unreadable(error))?;
        let Some(sheet) = workbook.sheet_names().first().cloned() else { return Ok(()) };
        let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(|error| self.unreadable(error))?;
        let (mut current, mut row_cells) = (0usize, Vec::new());
        while let Some(cell) = cells.next_cell_with_formula().map_err(|error| self.unreadable(error))? {
            let (row, column) = (cell.pos.0 as usize, cell.pos.1 as usize);
            if let Some(formula) = cell.formula.filter(|formula| !formula.is_empty()) {
                let formula: String = formula.chars().take(60).collect();
                return Err(MetadataError::Formula {
                    path: self.path.to_owned(),
                    cell: cell_name(row, column),
                    formula,
                });
            }
            let value = text(&cell.value);
            self.check(row, column, &value)?;
            if row != current {
                self.push(current, std::mem::take(&mut row_cells));
                current = row;
            }
            row_cells.push((column, value));
        }
        self.push(current, row_cells);
        Ok(())
    }

    fn xls(&mut self) -> Result<(), MetadataError> {
        let mut workbook: Xls<_> = open_workbook(self.path).map_err(|error| self.unreadable(error))?;
        let Some(sheet) = workbook.sheet_names().first().cloned() else { return Ok(()) };
        let range = workbook.worksheet_range(&sheet).map_err(|error| self.unreadable(error))?;
        let start = range.start().unwrap_or_default();
        for (index, cells) in range.rows().enumerate() {
            let row = start.0 as usize + index;
            let mut values = Vec::with_capacity(cells.len());
            for (offset, value) in cells.iter().enumerate() {
                let column = start.1 as usize + offset;
                let value = value.as_string().or_else(|| value.get_bool().map(|b| b.to_string())).unwrap_or_default();
                self.check(row, column, &value)?;
                values.push((column, value));
            }
            self.push(row, values);
        }
        Ok(())
    }
}

/// A cell's value as text (numbers as written, booleans as `true`/`false`; errors and empty
/// cells empty).
fn text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Bool(value) => value.to_string(),
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::DateTime(date) => date.as_f64().to_string(),
        other => other.as_string().unwrap_or_default(),
    }
}

/// The A1 name of the 0-based cell (`row`, `column`).
fn cell_name(row: usize, column: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push((b'A' + rem as u8) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

#[cfg(test)]
mod tests {
    use super::cell_name;

    #[test]
    fn cells_are_named_as_spreadsheets_name_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(1, 25), "Z2");
        assert_eq!(cell_name(9, 27), "AB10");
    }
}
