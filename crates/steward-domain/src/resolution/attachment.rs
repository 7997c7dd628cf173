//! Attachments on tickets: the content type is sniffed from the bytes (never taken from the
//! uploader), and the file name is cleaned so it is safe in a `Content-Disposition` header.
use crate::foundation::validation::FieldError;
use serde::Serialize;

pub const FILE_NAME_MAX: usize = 255;

/// An attachment's metadata, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub ticket_id: i64,
    pub file_name: String,
    /// Sniffed from the content.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Public attachments are shown to the customer; internal ones are not.
    pub public: bool,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// The content type of `bytes`: a known magic number, else `text/plain` for UTF-8 text
/// without control characters, else `application/octet-stream`.
pub fn sniff(bytes: &[u8]) -> &'static str {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.chars().any(|c| c.is_control() && !c.is_whitespace()) => {
            "text/plain; charset=utf-8"
        }
        _ => "application/octet-stream",
    }
}

/// Invisible characters that change how a name displays rather than what it says: the bidi
/// embeddings, overrides and isolates (a right-to-left override makes `report\u{202E}fdp.exe`
/// look like `reportexe.pdf`), the directional marks, zero-width characters, the byte-order
/// mark and the line and paragraph separators.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// The last path component of an uploaded name, without control characters, invisible
/// formatting characters or quotes.
pub fn clean_file_name(name: &str) -> Result<String, FieldError> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c) && *c != '"')
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        return Err(FieldError::new("name", "give the file a name"));
    }
    if cleaned.chars().count() > FILE_NAME_MAX {
        return Err(FieldError::new(
            "name",
            format!("must be at most {FILE_NAME_MAX} characters"),
        ));
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            sniff("log line\nzweite Zeile ü\n".as_bytes()),
            "text/plain; charset=utf-8"
        );
        assert_eq!(sniff(b"\x00\x01\x02binary"), "application/octet-stream");
    }

    #[test]
    fn file_names_lose_paths_quotes_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(
            clean_file_name("C:\\temp\\re\"port\n.txt").unwrap(),
            "report.txt"
        );
        assert!(clean_file_name("..").is_err());
        assert_eq!(
            clean_file_name("invoice\u{202E}fdp.exe").unwrap(),
            "invoicefdp.exe"
        );
        assert_eq!(
            clean_file_name("\u{2066}a\u{200F}\u{061C}b\u{2069}\u{FEFF}.txt").unwrap(),
            "ab.txt"
        );
        assert!(clean_file_name("\u{202E}\u{202C}").is_err());
        assert!(clean_file_name(&"a".repeat(300)).is_err());
    }
}
