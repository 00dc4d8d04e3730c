//! jkad-rust-peer: one or more rust-libp2p Kademlia nodes driven by JSON lines, for jkad's
//! interop tests. It speaks the same protocol as interop/js/peer.mjs (see
//! /work/brief/peer-protocol.md and README.md beside this file):
//!
//!   jkad-rust-peer [--port P] [--host H] [--listen MA[,MA…]] [--nodes N]
//!                  [--key HEX | --key-pkcs8 HEX | --seed N] [--key-type T]
//!                  [--bootstrap MA[,MA…]] [--interconnect] [--idle-timeout-secs S]
//!
//! When every node listens and the bootstrap dials are done it prints one `ready` line, then
//! reads one JSON command per line on stdin and answers each with one JSON line on stdout.
//! Commands run concurrently. Logging goes to stderr only.
//!
//! Structure: `main` parses options, starts one tokio task per node (`run_node`), each owning
//! its `Swarm`. The stdin loop sends every command to its node's task over a channel together
//! with a oneshot for the answer, and waits for that answer (bounded by `timeoutMs`) in a task of
//! its own. Inside the node task, commands that need the network (queries, dials, pings) are
//! parked in maps keyed by QueryId / ConnectionId / PeerId and answered from swarm events.

mod node;
mod util;

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libp2p::{identity::Keypair, Multiaddr};
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;
use tokio::sync::{mpsc, oneshot};

use crate::node::{NodeCommand, NodeConfig};
use crate::util::{hex_decode, CmdError};

const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// Command-line options (same names and meanings as peer.mjs, plus --listen/--key-type/--key-pkcs8).
#[derive(Debug)]
struct Options {
    port: u16,
    host: String,
    listen: Vec<Multiaddr>,
    nodes: usize,
    key: Option<String>,
    key_pkcs8: Option<String>,
    key_type: String,
    seed: Option<u64>,
    bootstrap: Vec<Multiaddr>,
    interconnect: bool,
    idle_timeout_secs: u64,
}

const USAGE: &str = "usage: jkad-rust-peer [--port P] [--host H] [--listen MA[,MA…]] [--nodes N] \
[--key HEX | --key-pkcs8 HEX | --seed N] [--key-type ed25519|secp256k1|ecdsa|rsa] \
[--bootstrap MA[,MA…]] [--interconnect] [--idle-timeout-secs S]";

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        port: 0,
        host: "127.0.0.1".into(),
        listen: vec![],
        nodes: 1,
        key: None,
        key_pkcs8: None,
        key_type: "ed25519".into(),
        seed: None,
        bootstrap: vec![],
        interconnect: false,
        idle_timeout_secs: 120,
    };
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let mut value = || -> Result<String, String> {
            i += 1;
            args.get(i).cloned().ok_or_else(|| format!("{arg} needs a value"))
        };
        match arg {
            "--port" => o.port = int_opt(arg, &value()?, 0, 65535)? as u16,
            "--host" => o.host = value()?,
            "--listen" => o.listen.extend(multiaddrs(arg, &value()?)?),
            "--nodes" => o.nodes = int_opt(arg, &value()?, 1, 1000)? as usize,
            "--key" => o.key = Some(value()?),
            "--key-pkcs8" => o.key_pkcs8 = Some(value()?),
            "--key-type" => o.key_type = value()?,
            "--seed" => o.seed = Some(int_opt(arg, &value()?, 0, 1 << 53)?),
            "--bootstrap" => o.bootstrap.extend(multiaddrs(arg, &value()?)?),
            "--interconnect" => o.interconnect = true,
            "--idle-timeout-secs" => o.idle_timeout_secs = int_opt(arg, &value()?, 1, 86_400)?,
            "--help" | "-h" => {
                eprintln!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown option: {arg}")),
        }
        i += 1;
    }
    let fixed = o.key.is_some() as u8 + o.key_pkcs8.is_some() as u8 + o.seed.is_some() as u8;
    if fixed > 1 {
        return Err("give at most one of --key, --key-pkcs8, --seed".into());
    }
    if (o.key.is_some() || o.key_pkcs8.is_some()) && o.nodes > 1 {
        return Err("--key/--key-pkcs8 fix one identity: use --seed with --nodes > 1".into());
    }
    if !["ed25519", "secp256k1", "ecdsa", "rsa"].contains(&o.key_type.as_str()) {
        return Err(format!("--key-type must be ed25519, secp256k1, ecdsa or rsa: {}", o.key_type));
    }
    if o.key_type == "rsa" && o.key_pkcs8.is_none() {
        return Err("--key-type rsa: rust-libp2p (libp2p-identity 0.3) cannot generate RSA keys nor \
                    decode RSA private keys from the PrivateKey protobuf; pass the key as \
                    --key-pkcs8 HEX (PKCS#8 DER of an RSA private key) instead"
            .into());
    }
    if o.port != 0 && o.port as usize + o.nodes - 1 > 65535 {
        return Err(format!("--port {} leaves no room for {} nodes", o.port, o.nodes));
    }
    Ok(o)
}

fn int_opt(name: &str, text: &str, min: u64, max: u64) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!("{name} must be an integer in [{min}, {max}]: {text}")),
    }
}

fn multiaddrs(name: &str, text: &str) -> Result<Vec<Multiaddr>, String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Multiaddr>().map_err(|e| format!("{name}: bad multiaddr {s}: {e}")))
        .collect()
}

/// The identity of node `index`.
fn keypair_for(o: &Options, index: usize) -> Result<Keypair, String> {
    if let Some(hex) = &o.key {
        let bytes = hex_decode(hex).map_err(|e| format!("--key: {e}"))?;
        return Keypair::from_protobuf_encoding(&bytes).map_err(|e| {
            format!("--key: not a PrivateKey protobuf this library decodes (ed25519, secp256k1, ecdsa; RSA needs --key-pkcs8): {e}")
        });
    }
    if let Some(hex) = &o.key_pkcs8 {
        let mut bytes = hex_decode(hex).map_err(|e| format!("--key-pkcs8: {e}"))?;
        return Keypair::rsa_from_pkcs8(&mut bytes).map_err(|e| format!("--key-pkcs8: not an RSA PKCS#8 key: {e}"));
    }
    if let Some(seed) = o.seed {
        // Same as peer.mjs: the 32-byte Ed25519 seed is SHA-256("jkad-interop-" + (seed + index)).
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("jkad-interop-{}", seed + index as u64).as_bytes());
        return Keypair::ed25519_from_bytes(digest.to_vec()).map_err(|e| format!("--seed: {e}"));
    }
    Ok(match o.key_type.as_str() {
        "secp256k1" => Keypair::generate_secp256k1(),
        "ecdsa" => Keypair::generate_ecdsa(), // P-256
        _ => Keypair::generate_ed25519(),
    })
}

/// Writes one protocol line to stdout (the only writer of stdout).
pub fn emit(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("jkad-rust-peer: {e}");
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };

    // Start every node; each reports its listen addresses once it listens.
    let mut senders = Vec::new();
    let mut readies = Vec::new();
    for i in 0..opts.nodes {
        let keypair = match keypair_for(&opts, i) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("jkad-rust-peer: {e}");
                std::process::exit(2);
            }
        };
        let listen = if i == 0 && !opts.listen.is_empty() {
            opts.listen.clone()
        } else {
            let port = if opts.port == 0 { 0 } else { opts.port + i as u16 };
            let ma = if opts.host.contains(':') {
                format!("/ip6/{}/tcp/{}", opts.host, port)
            } else {
                format!("/ip4/{}/tcp/{}", opts.host, port)
            };
            vec![ma.parse().expect("listen multiaddr")]
        };
        let (tx, rx) = mpsc::unbounded_channel::<NodeCommand>();
        let (ready_tx, ready_rx) = oneshot::channel();
        let cfg = NodeConfig { index: i, keypair, listen, idle_timeout: Duration::from_secs(opts.idle_timeout_secs) };
        tokio::spawn(node::run_node(cfg, rx, ready_tx));
        senders.push(tx);
        readies.push(ready_rx);
    }
    let mut infos = Vec::new();
    for (i, r) in readies.into_iter().enumerate() {
        match r.await {
            Ok(Ok(info)) => infos.push(info),
            Ok(Err(e)) => {
                eprintln!("jkad-rust-peer: node {i} failed to start: {e}");
                std::process::exit(1);
            }
            Err(_) => {
                eprintln!("jkad-rust-peer: node {i} failed to start");
                std::process::exit(1);
            }
        }
    }

    // Bootstrap: every node dials --bootstrap; with --interconnect nodes 1.. also dial node 0.
    let node0_addr: Option<String> =
        infos[0]["addrs"].as_array().and_then(|a| a.first()).and_then(|a| a.as_str()).map(String::from);
    let mut dials = Vec::new();
    for (i, tx) in senders.iter().enumerate() {
        let mut targets: Vec<String> = opts.bootstrap.iter().map(|a| a.to_string()).collect();
        if opts.interconnect && i > 0 {
            targets.extend(node0_addr.clone());
        }
        for t in targets {
            let (rtx, rrx) = oneshot::channel();
            let _ = tx.send(NodeCommand { cmd: json!({"cmd": "dial", "addr": t}), reply: rtx });
            dials.push(async move {
                match tokio::time::timeout(Duration::from_secs(10), rrx).await {
                    Ok(Ok(Ok(_))) => {}
                    Ok(Ok(Err(e))) => eprintln!("jkad-rust-peer: node {i} could not dial {t}: {}", e.message),
                    _ => eprintln!("jkad-rust-peer: node {i} could not dial {t}: timed out"),
                }
            });
        }
    }
    futures::future::join_all(dials).await;

    emit(&json!({"event": "ready", "peerId": infos[0]["peerId"], "addrs": infos[0]["addrs"], "nodes": infos}));

    // Command loop: one task per command, so commands run concurrently.
    let stopped: Arc<Mutex<HashSet<usize>>> = Arc::new(Mutex::new(HashSet::new()));
    let senders = Arc::new(senders);
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    loop {
        let line = match lines.next_line().await {
            Ok(Some(l)) => l,
            _ => break, // EOF or unreadable stdin: stop
        };
        if line.trim().is_empty() {
            continue;
        }
        let cmd: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                emit(&json!({"id": null, "ok": false, "errorName": "SyntaxError", "error": format!("not JSON: {e}")}));
                continue;
            }
        };
        let id = cmd.get("id").cloned().unwrap_or(Value::Null);
        if cmd.get("cmd").and_then(Value::as_str) == Some("stop") {
            emit(&json!({"id": id, "ok": true, "result": {}}));
            break;
        }
        let senders = senders.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            let answer = match dispatch(cmd, &senders, &stopped).await {
                Ok(result) => json!({"id": id, "ok": true, "result": result}),
                Err(e) => json!({"id": id, "ok": false, "errorName": e.name, "error": e.message}),
            };
            emit(&answer);
        });
    }
    // Stopping: the process exits; dropping the swarms closes every connection.
    std::process::exit(0);
}

/// Validates the envelope of one command, routes it to its node and waits for the answer.
async fn dispatch(
    cmd: Value,
    senders: &[mpsc::UnboundedSender<NodeCommand>],
    stopped: &Mutex<HashSet<usize>>,
) -> Result<Value, CmdError> {
    let name = cmd.get("cmd").and_then(Value::as_str).ok_or_else(|| CmdError::plain("a command needs a \"cmd\" string"))?;
    if !node::COMMANDS.contains(&name) {
        return Err(CmdError::plain(format!("unknown command: {name}; known: {}, stop", node::COMMANDS.join(", "))));
    }
    let index = match cmd.get("node") {
        None | Some(Value::Null) => 0,
        Some(v) => match v.as_u64() {
            Some(n) if (n as usize) < senders.len() => n as usize,
            _ => return Err(CmdError::plain(format!("no node {v}: 0..{}", senders.len() - 1))),
        },
    };
    if stopped.lock().unwrap().contains(&index) {
        return Err(CmdError::named("NodeStoppedError", format!("node {index} was stopped")));
    }
    let timeout_ms = match cmd.get("timeoutMs") {
        None | Some(Value::Null) => DEFAULT_TIMEOUT_MS,
        Some(v) => match v.as_u64() {
            Some(n) if n > 0 => n,
            _ => return Err(CmdError::plain(format!("timeoutMs must be a positive integer: {v}"))),
        },
    };
    let is_stop_node = name == "stopNode";
    let name = name.to_string();
    let (rtx, rrx) = oneshot::channel();
    if senders[index].send(NodeCommand { cmd, reply: rtx }).is_err() {
        return Err(CmdError::named("NodeStoppedError", format!("node {index} was stopped")));
    }
    if is_stop_node {
        stopped.lock().unwrap().insert(index);
    }
    match tokio::time::timeout(Duration::from_millis(timeout_ms), rrx).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => Err(CmdError::named("NodeStoppedError", format!("node {index} was stopped"))),
        Err(_) => Err(CmdError::named("TimeoutError", format!("{name} timed out after {timeout_ms} ms"))),
    }
}
