//! Threading: which record a message answers, by the record number in its subject
//! (`[INC-000123]`) or in the ids of the messages it replies to. Outgoing mail carries
//! Message-IDs of the form `<INC-000123.unique@domain>`, so a reply names its record.

/// The record number of the first `[PREFIX-digits]` tag in a subject.
pub fn subject_tag(subject: &str) -> Option<String> {
    let mut rest = subject;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        if let Some(close) = after.find(']')
            && let Some(number) = record_number(&after[..close])
        {
            return Some(number);
        }
        rest = after;
    }
    None
}

/// The record number a message id starts with (`INC-000123.x@host` → `INC-000123`).
pub fn number_in_message_id(id: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<');
    let local = id.split('@').next()?;
    record_number(local.split('.').next()?)
}

/// `INC-000123` (letters, a dash, digits) upper-cased, else none.
fn record_number(s: &str) -> Option<String> {
    let (prefix, digits) = s.trim().split_once('-')?;
    let ok = (2..=5).contains(&prefix.len())
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && !digits.is_empty()
        && digits.len() <= 12
        && digits.chars().all(|c| c.is_ascii_digit());
    ok.then(|| format!("{}-{digits}", prefix.to_ascii_uppercase()))
}

/// The domain of an address, lower case.
pub fn domain_of(address: &str) -> Option<String> {
    let (_, domain) = address.rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('>').to_ascii_lowercase();
    (!domain.is_empty()).then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_tags_are_found_among_other_brackets() {
        assert_eq!(
            subject_tag("Re: [list] printer [INC-000123] jammed").as_deref(),
            Some("INC-000123")
        );
        assert_eq!(subject_tag("[req-42]").as_deref(), Some("REQ-42"));
        assert_eq!(subject_tag("no tag [INC-] [-1] [INC-12a]"), None);
    }

    #[test]
    fn message_ids_of_outgoing_mail_name_their_record() {
        assert_eq!(
            number_in_message_id("<INC-000123.8f3a@desk.example>").as_deref(),
            Some("INC-000123")
        );
        assert_eq!(number_in_message_id("abc.def@host"), None);
    }

    #[test]
    fn domains_are_lower_case() {
        assert_eq!(domain_of("Bob@Example.ORG").as_deref(), Some("example.org"));
        assert_eq!(domain_of("nobody"), None);
    }
}
