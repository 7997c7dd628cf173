//! TLS for IMAP: rustls with the ring provider and the platform's trust store.
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Wraps a connected stream (a fresh socket, or one after STARTTLS) in TLS, checking the
/// certificate against `host`.
pub async fn wrap<S>(io: S, host: &str) -> std::io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    use rustls_platform_verifier::BuilderVerifierExt;
    // ring, not aws-lc (which needs cmake to build); its lack of post-quantum key exchange
    // is what the deprecation is about.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(std::io::Error::other)?
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    TlsConnector::from(Arc::new(config)).connect(name, io).await
}
