//! Listening: plain HTTP (behind a TLS-terminating reverse proxy, or on
//! loopback) or HTTPS directly with rustls.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;

/// A certificate chain and its key, PEM.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// Certificate chain.
    pub cert: PathBuf,
    /// Private key.
    pub key: PathBuf,
}

/// Why the server could not listen.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {source}; choose another --listen address")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The certificate or key cannot be used.
    #[error(
        "TLS: {0}; give a PEM certificate chain (--tls-cert) and its PEM private key (--tls-key)"
    )]
    Tls(String),
    /// Serving stopped with an error.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Bind `addr` (`127.0.0.1:8080`, `[::]:443`, port 0 for any free port).
pub fn bind(addr: &str) -> Result<std::net::TcpListener, ServeError> {
    let l = std::net::TcpListener::bind(addr)
        .map_err(|source| ServeError::Bind { addr: addr.into(), source })?;
    l.set_nonblocking(true).map_err(|source| ServeError::Bind { addr: addr.into(), source })?;
    Ok(l)
}

/// Serve `app` on `listener` until Ctrl-C (or SIGTERM), with TLS when `tls` is given.
pub async fn serve(
    listener: std::net::TcpListener,
    app: Router,
    tls: Option<TlsFiles>,
) -> Result<(), ServeError> {
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, service).with_graceful_shutdown(shutdown()).await?;
        }
        Some(files) => {
            // One TLS stack in the whole build: rustls with ring (the
            // PostgreSQL driver and `monqc push` use the same).
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config =
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                    .await
                    .map_err(|e| ServeError::Tls(format!("{}: {e}", files.cert.display())))?;
            let handle = axum_server::Handle::new();
            let h = handle.clone();
            tokio::spawn(async move {
                shutdown().await;
                h.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            axum_server::from_tcp_rustls(listener, config)
                .map_err(|e| ServeError::Tls(e.to_string()))?
                .handle(handle)
                .serve(service)
                .await?;
        }
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
