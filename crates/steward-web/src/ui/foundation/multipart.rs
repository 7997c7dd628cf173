//! `multipart/form-data` bodies, for the attach forms that work without JavaScript: each part's
//! name, and the file name and content of file parts. Only what the forms send is read.
use axum::http::{HeaderMap, header};

pub struct Multipart {
    parts: Vec<Part>,
}

pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content: Vec<u8>,
}

pub struct Upload {
    pub name: String,
    pub content: Vec<u8>,
}

impl Multipart {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.parts
            .iter()
            .find(|p| p.name == name && p.file_name.is_none())
            .and_then(|p| std::str::from_utf8(&p.content).ok())
    }

    /// The named file part, if a file was chosen.
    pub fn file(&self, name: &str) -> Option<Upload> {
        self.parts
            .iter()
            .find(|p| p.name == name && p.file_name.as_deref().is_some_and(|f| !f.is_empty()))
            .map(|p| Upload {
                name: p.file_name.clone().unwrap_or_default(),
                content: p.content.clone(),
            })
    }
}

fn boundary(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let (mime, params) = value.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (from..=haystack.len() - needle.len()).find(|&i| &haystack[i..i + needle.len()] == needle)
}

/// A parameter of a `Content-Disposition` header (`name="x"`).
fn disposition_param(line: &str, key: &str) -> Option<String> {
    let pattern = format!("{key}=\"");
    let mut search = line;
    loop {
        let at = search.find(&pattern)?;
        // `name=` must not match the tail of `filename=`.
        let preceded_ok = at == 0 || matches!(search.as_bytes()[at - 1], b' ' | b';');
        let rest = &search[at + pattern.len()..];
        if preceded_ok {
            return rest.find('"').map(|end| rest[..end].to_owned());
        }
        search = rest;
    }
}

pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Multipart, String> {
    let boundary = boundary(headers).ok_or("the form must be sent as multipart/form-data")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut at = find(body, &delimiter, 0).ok_or("the form body has no parts")? + delimiter.len();
    loop {
        if body[at..].starts_with(b"--") {
            break;
        }
        let head_start = at + 2; // CRLF after the delimiter
        let head_end = find(body, b"\r\n\r\n", head_start).ok_or("a form part has no headers")?;
        let head = String::from_utf8_lossy(body.get(head_start..head_end).unwrap_or_default());
        let next = find(body, &delimiter, head_end + 4).ok_or("the form body is cut short")?;
        // The content ends with the CRLF that precedes the next delimiter.
        let content = body[head_end + 4..next.saturating_sub(2).max(head_end + 4)].to_vec();
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .unwrap_or_default();
        if let Some(name) = disposition_param(disposition, "name") {
            parts.push(Part {
                name,
                file_name: disposition_param(disposition, "filename"),
                content,
            });
        }
        at = next + delimiter.len();
    }
    Ok(Multipart { parts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn fields_and_files_are_read_from_a_browser_form() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XyZ"),
        );
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"log.txt\"\r\nContent-Type: text/plain\r\n\r\nline 1\r\nline 2\r\n--XyZ--\r\n";
        let m = parse(&h, body).unwrap();
        assert_eq!(m.field("csrf"), Some("abc"));
        let f = m.file("file").unwrap();
        assert_eq!(f.name, "log.txt");
        assert_eq!(f.content, b"line 1\r\nline 2");
        assert!(m.file("other").is_none());
        assert!(parse(&HeaderMap::new(), body).is_err());
    }
}
