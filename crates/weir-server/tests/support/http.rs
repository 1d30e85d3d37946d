//! A minimal blocking HTTP/1.1 client for the server tests: one request per connection
//! (`Connection: close`), and a request whose body is sent in two parts, to keep it in flight.
//!
//! Shared with examples/iris/tests/serve.rs through `#[path]`. It reads `Content-Length`
//! bodies and bodies ended by the connection closing; chunked bodies are not decoded.

#![allow(dead_code, reason = "each test binary uses a different subset of the helpers")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// A response: status, headers (names lowercased) and body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    /// The first value of header `name` (lowercase).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON; panics with the body when it is not JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }
}

/// A request whose body has been sent only in part.
pub(crate) struct Partial {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl Partial {
    /// Sends the rest of the body and reads the response.
    pub(crate) fn finish(mut self) -> Reply {
        self.stream.write_all(&self.rest).expect("the rest of the body is sent");
        read_reply(self.stream)
    }
}

/// `GET path`.
pub(crate) fn get(address: SocketAddr, path: &str) -> Reply {
    request(address, "GET", path, None, b"")
}

/// `POST path` with a JSON body.
pub(crate) fn post_json(address: SocketAddr, path: &str, body: &serde_json::Value) -> Reply {
    request(address, "POST", path, Some("application/json"), body.to_string().as_bytes())
}

/// `POST path` with a body of the given content type.
pub(crate) fn post(address: SocketAddr, path: &str, content_type: &str, body: &[u8]) -> Reply {
    request(address, "POST", path, Some(content_type), body)
}

/// One request on a new connection.
pub(crate) fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Reply {
    let partial = start(address, method, path, content_type, body, body.len());
    partial.finish()
}

/// Sends the head and the first `sent` bytes of the body, and returns before the rest.
pub(crate) fn start(
    address: SocketAddr,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
    sent: usize,
) -> Partial {
    let mut stream = TcpStream::connect(address).expect("the server accepts connections");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(content_type) = content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("the head is sent");
    stream.write_all(&body[..sent]).expect("the first part of the body is sent");
    stream.flush().expect("flushed");
    Partial { stream, rest: body[sent..].to_vec() }
}

fn read_reply(mut stream: TcpStream) -> Reply {
    let mut raw = Vec::new();
    // The server may close as soon as it has answered (e.g. a 413 before the whole body was
    // read); whatever arrived before a reset is still the answer.
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        panic!("no complete response: {text:?}");
    };
    let mut lines = head.lines();
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok());
    let body = match length {
        Some(length) => body.get(..length).unwrap_or(body).to_owned(),
        None => body.to_owned(),
    };
    Reply { status, headers, body }
}
