//! HTTPS on the listener: the certificate and key loaded from PEM files, re-read on SIGHUP, and
//! an accept loop that completes TLS handshakes and serves HTTP/1.1 and HTTP/2 with the router.

use anyhow::{Context, anyhow, bail};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::{CryptoProvider, aws_lc_rs};
use tokio_rustls::rustls::pki_types::pem::{self, PemObject};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{ServerConfig, version};

/// A client that connects and then says nothing would otherwise hold a task and a socket
/// forever; real handshakes finish in milliseconds.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PEM files named by `--tls-cert` and `--tls-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key: PKCS#8, PKCS#1 RSA or SEC1 EC.
    pub key: PathBuf,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(aws_lc_rs::default_provider())
}

/// Reads both files and checks that the key belongs to the leaf certificate.
pub fn load(files: &TlsFiles, provider: &CryptoProvider) -> anyhow::Result<CertifiedKey> {
    let certs = read_certificates(&files.cert)?;
    let key = read_private_key(&files.key)?;
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| anyhow!("{}: the private key cannot be used: {e}", files.key.display()))?;
    let certified = CertifiedKey::new(certs, signing_key);
    certified.keys_match().map_err(|e| {
        anyhow!("the key in {} does not match the certificate in {} ({e})", files.key.display(), files.cert.display())
    })?;
    Ok(certified)
}

fn read_certificates(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let text = std::fs::read(path).with_context(|| format!("reading the TLS certificate {}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("{}: not a PEM certificate chain: {e}", path.display()))?;
    if certs.is_empty() {
        bail!("{}: no PEM CERTIFICATE block", path.display());
    }
    Ok(certs)
}

fn read_private_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    // The file's text is the key itself: wiped when dropped.
    let text = zeroize::Zeroizing::new(
        std::fs::read(path).with_context(|| format!("reading the TLS key {}", path.display()))?,
    );
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| match e {
        pem::Error::NoItemsFound => {
            anyhow!("{}: no PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC)", path.display())
        }
        e => anyhow!("{}: not a PEM private key: {e}", path.display()),
    })
}

/// The certificate every new handshake gets, swapped whole on reload so a handshake never
/// sees a certificate paired with another key.
#[derive(Debug)]
pub struct Certificates {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certificates {
    pub fn load(files: TlsFiles) -> anyhow::Result<Certificates> {
        let provider = provider();
        let current = RwLock::new(Arc::new(load(&files, &provider)?));
        Ok(Certificates { files, provider, current })
    }

    /// Re-reads the files; on any error the current certificate stays in use.
    pub fn reload(&self) -> anyhow::Result<()> {
        let fresh = Arc::new(load(&self.files, &self.provider)?);
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
        Ok(())
    }

    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// rustls's configuration for the listener: TLS 1.2 and 1.3, ALPN `h2` then `http/1.1`.
    pub fn server_config(self: &Arc<Self>) -> anyhow::Result<ServerConfig> {
        let mut config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&version::TLS13, &version::TLS12])
            .context("configuring TLS")?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// Re-reads the certificate on every SIGHUP. The handler is installed before this returns, so
/// a SIGHUP sent once the server reports ready never takes the default action (exit).
#[cfg(unix)]
pub fn reload_on_hangup(certificates: Arc<Certificates>) -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
    Ok(async move {
        while hangups.recv().await.is_some() {
            match certificates.reload() {
                Ok(()) => tracing::info!(cert = %certificates.files.cert.display(), "reloaded the TLS certificate"),
                Err(e) => tracing::error!(
                    error = format!("{e:#}"),
                    "reloading the TLS certificate failed; the previous one stays in use"
                ),
            }
        }
        std::future::pending::<()>().await
    })
}

#[cfg(not(unix))]
pub fn reload_on_hangup(_certificates: Arc<Certificates>) -> anyhow::Result<impl Future<Output = ()>> {
    Ok(std::future::pending::<()>())
}

/// Serves HTTPS on `listener` until `stop` completes, then stops accepting, abandons
/// handshakes still under way, and waits for the connections in flight to finish their
/// requests (idle ones close at once).
pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // Every connection task holds a receiver: the sender's `closed()` is "all have finished".
    let (stopping, watch) = tokio::sync::watch::channel(());
    let mut stop = std::pin::pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        tokio::spawn(serve_connection(tcp, peer, acceptor.clone(), app.clone(), watch.clone()));
    }
    drop(listener);
    drop(watch);
    let _ = stopping.send(());
    stopping.closed().await;
    Ok(())
}

async fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    app: Router,
    mut stopping: tokio::sync::watch::Receiver<()>,
) {
    let _ = tcp.set_nodelay(true);
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
    let stream = tokio::select! {
        done = handshake => match done {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "TLS handshake timed out");
                return;
            }
        },
        _ = stopping.changed() => return,
    };
    let mut builder = Builder::new(TokioExecutor::new());
    // The timer lets hyper enforce its header-read timeout on slow HTTP/1 clients.
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(app));
    let mut connection = std::pin::pin!(connection);
    let served = tokio::select! {
        served = connection.as_mut() => served,
        _ = stopping.changed() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = served {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

/// Errors that concern one connection are skipped; others (out of file descriptors) are
/// logged and retried after a pause rather than spinning.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("cognate-tls-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, text).unwrap();
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A self-signed certificate for `name` and its PKCS#8 key, both PEM.
    fn self_signed(name: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap().self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn loads_a_pem_pair_and_refuses_a_mismatched_or_missing_key() {
        let dir = Scratch::new("load");
        let (cert, key) = self_signed("localhost");
        let (_, other_key) = self_signed("localhost");
        let files = TlsFiles { cert: dir.write("cert.pem", &cert), key: dir.write("key.pem", &key) };
        let loaded = load(&files, &provider()).unwrap();
        assert_eq!(loaded.cert.len(), 1);

        let wrong = TlsFiles { key: dir.write("other.pem", &other_key), ..files.clone() };
        let e = format!("{:#}", load(&wrong, &provider()).unwrap_err());
        assert!(e.contains("does not match"), "{e}");

        let no_key = TlsFiles { key: files.cert.clone(), ..files.clone() };
        let e = format!("{:#}", load(&no_key, &provider()).unwrap_err());
        assert!(e.contains("no PEM private key"), "{e}");

        let no_cert = TlsFiles { cert: files.key.clone(), ..files.clone() };
        let e = format!("{:#}", load(&no_cert, &provider()).unwrap_err());
        assert!(e.contains("no PEM CERTIFICATE"), "{e}");

        let absent = TlsFiles { cert: dir.0.join("absent.pem"), ..files };
        let e = format!("{:#}", load(&absent, &provider()).unwrap_err());
        assert!(e.contains("reading the TLS certificate"), "{e}");
    }

    #[test]
    fn a_failed_reload_keeps_the_current_certificate() {
        let dir = Scratch::new("reload");
        let (cert, key) = self_signed("localhost");
        let files = TlsFiles { cert: dir.write("cert.pem", &cert), key: dir.write("key.pem", &key) };
        let certificates = Certificates::load(files).unwrap();
        let first = certificates.current();

        dir.write("cert.pem", "not a certificate");
        assert!(certificates.reload().is_err());
        assert!(Arc::ptr_eq(&first, &certificates.current()));

        let (cert, key) = self_signed("example.test");
        dir.write("cert.pem", &cert);
        dir.write("key.pem", &key);
        certificates.reload().unwrap();
        assert_ne!(first.cert, certificates.current().cert);
    }
}
