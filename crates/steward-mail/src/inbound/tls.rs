//! TLS for IMAP: rustls with the ring provider, the platform's trust store, and optionally
//! one more certificate (PEM) the mailbox trusts: a private CA's, as SMTP has it.
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// The certificates of a PEM text; an error says why it is not usable.
fn certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
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

/// Whether `pem` holds certificates a mailbox can trust.
pub fn check_certificate(pem: &str) -> Result<(), String> {
    certificates(pem).map(|_| ())
}

/// Wraps a connected stream (a fresh socket, or one after STARTTLS) in TLS, checking the
/// certificate against `host`, trusting the platform's roots and `trusted` (PEM) if given.
pub async fn wrap<S>(io: S, host: &str, trusted: Option<&str>) -> std::io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let extra = match trusted {
        Some(pem) => certificates(pem).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("the trusted certificate {e}"),
            )
        })?,
        None => Vec::new(),
    };
    // ring, not aws-lc (which needs cmake to build); its lack of post-quantum key exchange
    // is what the deprecation is about.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            .map_err(std::io::Error::other)?;
    // `dangerous()` only because the verifier is not rustls's own: it is the platform
    // verifier (as `with_platform_verifier` installs it), with the extra root added.
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    TlsConnector::from(Arc::new(config)).connect(name, io).await
}
