// Makes, validates and selects IPNS records with js's `ipns` package, for jkad's IpnsJsIT. Reads
// one JSON request on stdin and writes one JSON answer, as interop/go/cmd/ipns does:
//   {"make": [{key_type: "ed25519|secp256k1|rsa", value, sequence, validity (RFC 3339), ttl_s, v1, reuse}],
//    "check": [{key_hex, record_hex}], "select": [{key_hex, records_hex: [...]}]}
// -> {"made": [{key_type, name, peer_id, key_hex, record_hex}], "checked": [{valid, error}],
//     "selected": [{index, error}]}
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createIPNSRecordWithExpiration, marshalIPNSRecord, multihashToIPNSRoutingKey } from 'ipns'
import { ipnsValidator } from 'ipns/validator'
import { ipnsSelector } from 'ipns/selector'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'

const hex = (bytes) => Buffer.from(bytes).toString('hex')
const unhex = (text) => new Uint8Array(Buffer.from(text, 'hex'))
// ECDSA is left out: @libp2p/peer-id makes no peer id of an ECDSA key, and js signs ECDSA as r‖s where go
// and jkad read DER, so such records do not cross between them anyway.
const keyTypes = { ed25519: ['Ed25519'], secp256k1: ['secp256k1'], rsa: ['RSA', 2048] }

let input = ''
for await (const chunk of process.stdin) {
  input += chunk
}
const req = JSON.parse(input)
const ans = { made: [], checked: [], selected: [] }
const keys = []
for (const m of req.make ?? []) {
  // reuse: sign with the key of that earlier entry
  const key = m.reuse != null ? keys[m.reuse] : await generateKeyPair(...keyTypes[m.key_type])
  keys.push(key)
  const id = peerIdFromPrivateKey(key)
  const record = await createIPNSRecordWithExpiration(key, m.value, BigInt(m.sequence), m.validity,
    { v1Compatible: m.v1, ttlNs: BigInt(m.ttl_s) * 1000000000n })
  const name = CID.createV1(0x72, id.toMultihash()).toString(base36)
  ans.made.push({
    key_type: m.key_type, name, peer_id: id.toString(),
    key_hex: hex(multihashToIPNSRoutingKey(id.toMultihash())), record_hex: hex(marshalIPNSRecord(record))
  })
}
for (const c of req.check ?? []) {
  try {
    await ipnsValidator(unhex(c.key_hex), unhex(c.record_hex))
    ans.checked.push({ valid: true, error: '' })
  } catch (e) {
    ans.checked.push({ valid: false, error: `${e.name}: ${e.message}` })
  }
}
for (const s of req.select ?? []) {
  try {
    ans.selected.push({ index: ipnsSelector(unhex(s.key_hex), s.records_hex.map(unhex)), error: '' })
  } catch (e) {
    ans.selected.push({ index: -1, error: `${e.name}: ${e.message}` })
  }
}
console.log(JSON.stringify(ans))
