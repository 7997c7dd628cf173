//! A certificate a mail connection trusts besides the platform's roots (a private CA's),
//! given as PEM: one check for SMTP and IMAP, so both refuse the same input the same way.
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The certificates of a PEM text; an error says why it is not usable.
pub fn parse(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err("must be a certificate in PEM form (-----BEGIN CERTIFICATE-----)".into());
    }
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("is not a readable PEM certificate: {e}"))?;
    // A root store takes only what parses as X.509: check that here, where the field is
    // named, rather than at the first connection.
    let mut roots = rustls::RootCertStore::empty();
    for cert in &certs {
        roots
            .add(cert.clone())
            .map_err(|e| format!("is not a usable certificate: {e}"))?;
    }
    Ok(certs)
}

/// Whether `pem` holds certificates a connection can trust.
pub fn check(pem: &str) -> Result<(), String> {
    parse(pem).map(|_| ())
}
