//! In-process fakes for the tests: an SMTP server and an HTTP sink, each speaking just enough
//! of its protocol to record what the client sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use cognate_idp::{Medium, Message};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::net::tcp::OwnedReadHalf;

pub fn message(medium: Medium, destination: &str, body: &str) -> Message {
    Message {
        pool_id: "us-east-1_Test".to_owned(),
        username: "user-1".to_owned(),
        medium,
        destination: destination.to_owned(),
        subject: None,
        body: body.to_owned(),
        from: None,
        reply_to: None,
        purpose: "sign-up",
    }
}

/// The value of header `name` in a raw RFC 5322 message, folded lines joined.
pub fn header(data: &str, name: &str) -> Option<String> {
    let head = data.split("\r\n\r\n").next().unwrap_or_default();
    let mut unfolded: Vec<String> = Vec::new();
    for line in head.split("\r\n") {
        match unfolded.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
            _ => unfolded.push(line.to_owned()),
        }
    }
    unfolded.iter().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
    })
}

/// A port nothing listens on (bound, then released), for "unreachable" tests.
pub async fn unused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[derive(Clone, Default)]
pub struct SmtpBehaviour {
    /// Advertise `AUTH PLAIN LOGIN` and accept any credentials, recording them.
    pub advertise_auth: bool,
    /// Answer RCPT TO with 550.
    pub reject_rcpt: bool,
    /// On the first connection, take the message data and then never answer.
    pub hang_first_data: bool,
}

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// Headers and body as sent, dot-stuffing undone.
    pub data: String,
    pub auth: Option<(String, String)>,
}

impl ReceivedMail {
    pub fn body(&self) -> &str {
        self.data.split_once("\r\n\r\n").map_or("", |(_, body)| body)
    }
}

struct SmtpState {
    behaviour: SmtpBehaviour,
    received: Mutex<Vec<ReceivedMail>>,
    connections: AtomicUsize,
}

pub struct FakeSmtp {
    port: u16,
    state: Arc<SmtpState>,
}

impl FakeSmtp {
    pub async fn start(behaviour: SmtpBehaviour) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state =
            Arc::new(SmtpState { behaviour, received: Mutex::new(Vec::new()), connections: AtomicUsize::new(0) });
        let accept_state = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let index = accept_state.connections.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&accept_state);
                tokio::spawn(async move {
                    let (read, write) = stream.into_split();
                    let _ = serve_smtp(BufReader::new(read), write, &state, index).await;
                });
            }
        });
        FakeSmtp { port, state }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.state.received.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }
}

async fn read_line(reader: &mut BufReader<OwnedReadHalf>) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

fn angle_addr(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg[start..].find('>').map_or(arg.len(), |i| start + i);
    arg[start..end].to_owned()
}

fn b64(s: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s.trim()).unwrap();
    String::from_utf8(bytes).unwrap()
}

async fn serve_smtp(
    mut reader: BufReader<OwnedReadHalf>,
    mut w: tokio::net::tcp::OwnedWriteHalf,
    state: &SmtpState,
    index: usize,
) -> std::io::Result<()> {
    w.write_all(b"220 fake.test ESMTP\r\n").await?;
    let mut auth = None;
    let mut mail_from = String::new();
    let mut rcpt_to = Vec::new();
    while let Some(line) = read_line(&mut reader).await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            let reply: &[u8] = if state.behaviour.advertise_auth {
                b"250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
            } else {
                b"250-fake.test\r\n250 8BITMIME\r\n"
            };
            w.write_all(reply).await?;
        } else if upper.starts_with("HELO") {
            w.write_all(b"250 fake.test\r\n").await?;
        } else if upper.starts_with("AUTH PLAIN") {
            let mut arg = line["AUTH PLAIN".len()..].trim().to_owned();
            if arg.is_empty() {
                w.write_all(b"334 \r\n").await?;
                arg = read_line(&mut reader).await?.unwrap_or_default();
            }
            // authzid NUL authcid NUL password
            let decoded = b64(&arg);
            let parts: Vec<&str> = decoded.split('\0').collect();
            auth = Some((parts[1].to_owned(), parts[2].to_owned()));
            w.write_all(b"235 2.7.0 Authentication successful\r\n").await?;
        } else if upper.starts_with("AUTH LOGIN") {
            w.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
            let user = b64(&read_line(&mut reader).await?.unwrap_or_default());
            w.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
            let pass = b64(&read_line(&mut reader).await?.unwrap_or_default());
            auth = Some((user, pass));
            w.write_all(b"235 2.7.0 Authentication successful\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            mail_from = angle_addr(&line["MAIL FROM:".len()..]);
            rcpt_to.clear();
            w.write_all(b"250 2.1.0 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            if state.behaviour.reject_rcpt {
                w.write_all(b"550 5.1.1 No such user here\r\n").await?;
            } else {
                rcpt_to.push(angle_addr(&line["RCPT TO:".len()..]));
                w.write_all(b"250 2.1.5 OK\r\n").await?;
            }
        } else if upper == "DATA" {
            w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = String::new();
            while let Some(line) = read_line(&mut reader).await? {
                if line == "." {
                    break;
                }
                // Undo dot-stuffing (RFC 5321 4.5.2).
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                data.push_str("\r\n");
            }
            if state.behaviour.hang_first_data && index == 0 {
                std::future::pending::<()>().await;
            }
            state.received.lock().unwrap().push(ReceivedMail {
                mail_from: mail_from.clone(),
                rcpt_to: std::mem::take(&mut rcpt_to),
                data,
                auth: auth.clone(),
            });
            w.write_all(b"250 2.0.0 Queued\r\n").await?;
        } else if upper == "NOOP" || upper == "RSET" {
            w.write_all(b"250 2.0.0 OK\r\n").await?;
        } else if upper == "QUIT" {
            w.write_all(b"221 2.0.0 Bye\r\n").await?;
            return Ok(());
        } else {
            w.write_all(b"502 5.5.2 Command not recognized\r\n").await?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    pub target: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// An HTTP/1.1 endpoint that records each request and answers with a fixed status, or
/// (silent) never answers.
pub struct HttpSink {
    port: u16,
    received: Arc<Mutex<Vec<HttpRequest>>>,
}

impl HttpSink {
    pub async fn start(status: u16) -> HttpSink {
        Self::spawn(Some(status)).await
    }

    pub async fn start_silent() -> HttpSink {
        Self::spawn(None).await
    }

    async fn spawn(status: Option<u16>) -> HttpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sink = Arc::clone(&sink);
                tokio::spawn(async move {
                    let _ = serve_http(stream, &sink, status).await;
                });
            }
        });
        HttpSink { port, received }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://127.0.0.1:{}{path_and_query}", self.port)
    }

    pub fn received(&self) -> Vec<HttpRequest> {
        self.received.lock().unwrap().clone()
    }
}

async fn serve_http(
    mut stream: tokio::net::TcpStream,
    sink: &Mutex<Vec<HttpRequest>>,
    status: Option<u16>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default().to_owned();
    let mut content_length = 0;
    let mut content_type = None;
    for line in lines {
        if let Some((key, value)) = line.split_once(':') {
            if key.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap();
            } else if key.eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
            }
        }
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < content_length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    sink.lock().unwrap().push(HttpRequest { method, target, content_type, body });
    let Some(status) = status else {
        std::future::pending::<()>().await;
        return Ok(());
    };
    let (reason, extra, body) = match status {
        200 => ("OK", "", ""),
        302 => ("Found", "Location: /elsewhere\r\n", ""),
        _ => ("Internal Server Error", "", "sink says no"),
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
