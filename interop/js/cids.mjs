// Prints, as one JSON array, the CIDs js's multiformats makes of the sha2-256 of each argument's
// UTF-8 bytes: CIDv0, and CIDv1 (raw and dag-pb) in each common multibase. CidInteropIT reads them.
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { base16, base16upper } from 'multiformats/bases/base16'
import { base32, base32upper } from 'multiformats/bases/base32'
import { base36, base36upper } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { base64, base64pad, base64url, base64urlpad } from 'multiformats/bases/base64'

const bases = [base16, base16upper, base32, base32upper, base36, base36upper, base58btc, base64, base64pad,
  base64url, base64urlpad]
const out = []
for (const text of process.argv.slice(2)) {
  const digest = await sha256.digest(new TextEncoder().encode(text))
  const hex = Buffer.from(digest.bytes).toString('hex')
  out.push({ text: CID.createV0(digest).toString(), version: 0, codec: 0x70, multihash_hex: hex, canonical: true })
  for (const codec of [raw.code, 0x70]) {
    const cid = CID.createV1(codec, digest)
    out.push({ text: cid.toString(), version: 1, codec, multihash_hex: hex, canonical: true })
    for (const base of bases) {
      out.push({ text: cid.toString(base), version: 1, codec, multihash_hex: hex, canonical: false })
    }
  }
}
console.log(JSON.stringify(out))
