#!/usr/bin/env node
// js-libp2p's own Kademlia message codec (@libp2p/kad-dht's protons code), line by line, so that
// jkad's KadCodec can be checked against it without a network:
//   {"decode":"<base64 Message>"}  ->  {"ok":true,"message":{type, key, record, closer, providers, clusterLevel}}
// (record.timeReceivedParsed: js's own RFC 3339 parse of timeReceived, or "unparseable: …")
//   {"encode":{…the same shape…}}   ->  {"ok":true,"bytes":"<base64 Message>"}
// Byte fields are base64; `record` is the Record message (js declares the field as bytes) decoded
// into {key, value, timeReceived}; peers are {id, multiaddrs: [base64], connection}.
// One answer line per input line ({"ok":false,"error":"…"} on failure); exits at stdin EOF.

import { createInterface } from 'node:readline'
// The message codec is not exported by the package; load it by path (versions are pinned).
import { Message, Record } from './node_modules/@libp2p/kad-dht/dist/src/message/dht.js'
import { parseRFC3339 } from './node_modules/@libp2p/record/dist/src/utils.js'

const b64 = (u) => u == null ? null : Buffer.from(u).toString('base64')
const bytes = (s) => s == null ? undefined : Uint8Array.from(Buffer.from(s, 'base64'))

function peerToJson (p) {
  return { id: b64(p.id), multiaddrs: (p.multiaddrs ?? []).map(b64), connection: p.connection ?? null }
}

function peerFromJson (p) {
  return { id: bytes(p.id), multiaddrs: (p.multiaddrs ?? []).map(bytes), connection: p.connection ?? undefined }
}

function toJson (m) {
  let record = null
  if (m.record != null) {
    const r = Record.decode(m.record)
    // timeReceivedParsed: what js's RFC 3339 parser makes of timeReceived (ISO, millisecond precision)
    let parsed = null
    try {
      if (r.timeReceived) parsed = parseRFC3339(r.timeReceived).toISOString()
    } catch (err) {
      parsed = `unparseable: ${err.message}`
    }
    record = { key: b64(r.key), value: b64(r.value), timeReceived: r.timeReceived ?? null, timeReceivedParsed: parsed }
  }
  return {
    type: m.type ?? null,
    key: b64(m.key),
    record,
    closer: (m.closer ?? []).map(peerToJson),
    providers: (m.providers ?? []).map(peerToJson),
    clusterLevel: m.clusterLevel ?? null
  }
}

function fromJson (j) {
  const m = { type: j.type, closer: (j.closer ?? []).map(peerFromJson), providers: (j.providers ?? []).map(peerFromJson) }
  if (j.key != null) m.key = bytes(j.key)
  if (j.record != null) {
    m.record = Record.encode({ key: bytes(j.record.key), value: bytes(j.record.value), timeReceived: j.record.timeReceived ?? undefined })
  }
  return m
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
rl.on('line', (line) => {
  if (line.trim() === '') return
  let answer
  try {
    const req = JSON.parse(line)
    if (req.decode != null) answer = { ok: true, message: toJson(Message.decode(bytes(req.decode))) }
    else if (req.encode != null) answer = { ok: true, bytes: b64(Message.encode(fromJson(req.encode))) }
    else throw new Error('expected "decode" or "encode"')
  } catch (err) {
    answer = { ok: false, error: err?.message ?? String(err) }
  }
  process.stdout.write(JSON.stringify(answer) + '\n')
})
