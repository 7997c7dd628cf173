use steward_domain::reporting::report::Report;

/// The report's table as CSV with a header line of column labels.
pub fn csv(report: &Report) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(report.columns.iter().map(|c| c.label.as_str()))?;
    for row in &report.rows {
        w.write_record(row.iter().map(cell))?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A cell as text: strings bare, numbers as written, null empty.
pub(crate) fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
