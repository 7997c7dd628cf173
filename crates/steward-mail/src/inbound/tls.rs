//! TLS for IMAP: rustls with the ring provider, the platform's trust store, and optionally
//! one more certificate (PEM) the mailbox trusts: a private CA's, as SMTP has it.
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Wraps a connected stream (a fresh socket, or one after STARTTLS) in TLS, checking the
/// certificate against `host`, trusting the platform's roots and `trusted` (PEM) if given.
pub async fn wrap<S>(io: S, host: &str, trusted: Option<&str>) -> std::io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let extra = match trusted {
        Some(pem) => crate::certificate::parse(pem).map_err(|e| {
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
