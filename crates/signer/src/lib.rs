//! A local stand-in for NCALayer: the WebSocket server at
//! `wss://127.0.0.1:13579` that Kazakh web pages ask for signatures, signing
//! with PKCS #12 keys through `qyzmet_pki::sign_cms` (CMS) and
//! `qyzmet_pki::sign_xml` (XMLDSig). For development and tests; see
//! docs/signer.md.
//!
//! The library reads no clock: [`Config::clock`] is given by the caller
//! (the `qyzmet signer` command passes the system clock, tests a fixed time).

pub mod protocol;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use jiff::Timestamp;
use openssl::ssl::{Ssl, SslAcceptor};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub use protocol::{KeyError, KeyRequest, SigningKey, select_key};

/// Where signing times come from.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Bounds on what one client can make the signer do.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A larger message is answered with an error object; the connection stays open.
    pub message_bytes_max: usize,
    /// A message larger than this closes the connection (WebSocket code 1009):
    /// it is not even read into memory.
    pub hard_message_bytes_max: usize,
    /// Connections served at once; further ones wait in the listen backlog.
    pub connections_max: usize,
    /// Time for the TLS and WebSocket handshakes.
    pub handshake_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            message_bytes_max: 16 << 20,
            hard_message_bytes_max: 32 << 20,
            connections_max: 8,
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// What [`serve`] needs.
pub struct Config {
    /// The keys, in order of preference: a request is signed with the first
    /// one that matches it (docs/signer.md, "Keys").
    pub keys: Vec<SigningKey>,
    /// `Some`: serve `wss://`; `None`: plain `ws://` (tests).
    pub tls: Option<SslAcceptor>,
    pub limits: Limits,
    pub clock: Clock,
}

/// Serves NCALayer's protocol on `listener` until the future is dropped.
/// Errors of one connection end only that connection.
pub async fn serve(listener: TcpListener, config: Config) -> std::io::Result<()> {
    let config = Arc::new(config);
    let permits = Arc::new(Semaphore::new(config.limits.connections_max.max(1)));
    loop {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .map_err(std::io::Error::other)?;
        let (tcp, _peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Too many open files and the like: wait a little instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let config = config.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let limit = config.limits.handshake_timeout;
            match &config.tls {
                Some(acceptor) => {
                    let Ok(ssl) = Ssl::new(acceptor.context()) else {
                        return;
                    };
                    let Ok(mut stream) = tokio_openssl::SslStream::new(ssl, tcp) else {
                        return;
                    };
                    let handshake = std::pin::Pin::new(&mut stream).accept();
                    if !matches!(tokio::time::timeout(limit, handshake).await, Ok(Ok(()))) {
                        return;
                    }
                    connection(stream, &config).await;
                }
                None => connection(tcp, &config).await,
            }
        });
    }
}

/// Runs [`serve`] on a new multi-threaded tokio runtime, blocking.
pub fn serve_blocking(listener: std::net::TcpListener, config: Config) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        serve(TcpListener::from_std(listener)?, config).await
    })
}

async fn connection<S>(stream: S, config: &Config)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let limits = config.limits;
    let hard = limits.hard_message_bytes_max.max(limits.message_bytes_max);
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(hard))
        .max_frame_size(Some(hard));
    let accept = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config));
    let Ok(Ok(mut ws)) = tokio::time::timeout(limits.handshake_timeout, accept).await else {
        return;
    };
    if ws
        .send(Message::text(protocol::greeting().to_string()))
        .await
        .is_err()
    {
        return;
    }
    while let Some(Ok(message)) = ws.next().await {
        let answer = match message {
            Message::Text(text) if text.len() > limits.message_bytes_max => {
                Some(protocol::error_basics(format!(
                    "message too large: {} bytes, the limit is {}",
                    text.len(),
                    limits.message_bytes_max
                )))
            }
            Message::Text(text) => {
                protocol::handle_text(text.as_str(), &config.keys, (config.clock)())
            }
            Message::Binary(_) => Some(protocol::error_basics(
                "binary messages are not part of the protocol: send JSON text",
            )),
            Message::Close(_) => break,
            // Pings are answered by tungstenite; pongs and raw frames need nothing.
            _ => None,
        };
        if let Some(answer) = answer
            && ws.send(Message::text(answer.to_string())).await.is_err()
        {
            break;
        }
    }
}
