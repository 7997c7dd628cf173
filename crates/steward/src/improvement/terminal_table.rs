//! Plain terminal tables for the operator commands: columns padded to their widest cell, a
//! header, no borders, so scripts can read them with `awk`.
use comfy_table::{Table, presets::NOTHING};

pub fn plain(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Table {
    let mut table = Table::new();
    table.load_preset(NOTHING).set_header(headers.to_vec());
    for row in rows {
        table.add_row(row);
    }
    table
}
