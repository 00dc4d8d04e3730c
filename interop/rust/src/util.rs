//! Small helpers: command errors, hex/base64 arguments, and the CID text form of provider keys.

use base64::Engine;
use serde_json::Value;

/// A failed command: `errorName` and `error` of the answer line.
#[derive(Debug)]
pub struct CmdError {
    pub name: String,
    pub message: String,
}

impl CmdError {
    pub fn named(name: &str, message: impl Into<String>) -> Self {
        CmdError { name: name.into(), message: message.into() }
    }
    pub fn plain(message: impl Into<String>) -> Self {
        Self::named("Error", message)
    }
}

pub fn hex_decode(hex: &str) -> Result<Vec<u8>, String> {
    if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("not hex: {hex}"));
    }
    Ok((0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect())
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `name` (standard base64) or `nameUtf8` (text) of a command.
pub fn bytes_arg(cmd: &Value, name: &str) -> Result<Vec<u8>, CmdError> {
    if let Some(s) = cmd.get(name).and_then(Value::as_str) {
        return base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| CmdError::plain(format!("{name} is not base64: {s}")));
    }
    if let Some(s) = cmd.get(format!("{name}Utf8")).and_then(Value::as_str) {
        return Ok(s.as_bytes().to_vec());
    }
    Err(CmdError::plain(format!("missing {name} (base64) or {name}Utf8")))
}

pub fn string_arg<'a>(cmd: &'a Value, name: &str) -> Result<&'a str, CmdError> {
    match cmd.get(name).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(CmdError::plain(format!("missing {name}"))),
    }
}

// ---- unsigned varints, multihashes and CIDs ---------------------------------------------------

fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for (i, b) in bytes.iter().enumerate().take(9) {
        v |= ((b & 0x7f) as u64) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn write_varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Checks that `bytes` is exactly one multihash (code, length, digest).
pub fn check_multihash(bytes: &[u8]) -> Result<(), String> {
    let (_, n1) = read_varint(bytes).ok_or("bad multihash code")?;
    let (len, n2) = read_varint(&bytes[n1..]).ok_or("bad multihash length")?;
    if bytes.len() != n1 + n2 + len as usize {
        return Err(format!("multihash length {len} does not match its {} bytes", bytes.len()));
    }
    Ok(())
}

const B32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(B32[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(B32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B32.iter().position(|&x| x == c.to_ascii_lowercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
        buf &= (1 << bits) - 1;
    }
    Some(out)
}

/// A provider key from a command: `cid` (CIDv0 "Qm…" or CIDv1 in base32 "b…") or `key` (base64
/// multihash, shown as a CIDv1 with the raw codec 0x55, as js does). Returns (CID text, multihash).
/// On the wire, as in js and go, the multihash is the Kademlia key.
pub fn provider_key(cmd: &Value) -> Result<(String, Vec<u8>), CmdError> {
    if let Some(text) = cmd.get("cid").and_then(Value::as_str) {
        let mh = if text.starts_with("Qm") && text.len() == 46 {
            bs58::decode(text).into_vec().map_err(|e| CmdError::plain(format!("bad CIDv0 {text}: {e}")))?
        } else if let Some(rest) = text.strip_prefix('b') {
            let bytes = base32_decode(rest).ok_or_else(|| CmdError::plain(format!("bad base32 CID {text}")))?;
            let (version, n1) = read_varint(&bytes).ok_or_else(|| CmdError::plain("bad CID version"))?;
            let (_codec, n2) = read_varint(&bytes[n1..]).ok_or_else(|| CmdError::plain("bad CID codec"))?;
            if version != 1 {
                return Err(CmdError::plain(format!("unsupported CID version {version}")));
            }
            bytes[n1 + n2..].to_vec()
        } else {
            return Err(CmdError::plain(format!("unsupported CID text (only Qm… CIDv0 and base32 b… CIDv1): {text}")));
        };
        check_multihash(&mh).map_err(|e| CmdError::plain(format!("CID {text}: {e}")))?;
        return Ok((text.to_string(), mh));
    }
    let mh = bytes_arg(cmd, "key")?;
    check_multihash(&mh).map_err(|e| CmdError::plain(format!("key is not a multihash: {e}")))?;
    Ok((cid_v1_raw(&mh), mh))
}

/// The base32 text of a CIDv1 with the raw codec around a multihash.
pub fn cid_v1_raw(mh: &[u8]) -> String {
    let mut bytes = Vec::new();
    write_varint(1, &mut bytes);
    write_varint(0x55, &mut bytes);
    bytes.extend_from_slice(mh);
    format!("b{}", base32_encode(&bytes))
}
