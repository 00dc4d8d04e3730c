#!/usr/bin/env node
// A js-libp2p Kademlia peer (or several) driven by JSON lines, for jkad's interop tests.
//
//   node peer.mjs [--port 0] [--host 127.0.0.1] [--nodes 1] [--key HEX | --seed N]
//                 [--bootstrap /ip4/…/tcp/…/p2p/…[,…]] [--interconnect] [--announce MA[,MA…]]
//                 [--yamux-keepalive MS]
//
// Prints one JSON line when every node listens:
//   {"event":"ready","peerId":"12D3…","addrs":["/ip4/127.0.0.1/tcp/…/p2p/12D3…"],"nodes":[{"node":0,"peerId":…,"addrs":[…]},…]}
// then reads one JSON command per line on stdin and answers one JSON line per command on stdout:
//   {"id":7,"cmd":"get","node":0,"key":"<base64>","timeoutMs":10000}
//   {"id":7,"ok":true,"result":{…}}   or   {"id":7,"ok":false,"error":"…","errorName":"…"}
// Commands run concurrently; answers carry the command's id. Byte strings (keys, values) are
// standard base64; `keyUtf8` / `valueUtf8` may be given instead for hand use. Diagnostics go to
// stderr (set DEBUG=libp2p:* for js-libp2p's own logging). The process exits after `stop` or when
// stdin closes. README.md beside this file lists the commands.

// js-libp2p 3.x calls Promise.withResolvers (Node 22); Node 20 lacks it. Define it before any
// libp2p module loads, hence the dynamic imports below.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve
    let reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

// Keep stdout for protocol lines only: anything a library prints goes to stderr.
const writeStdout = process.stdout.write.bind(process.stdout)
console.log = (...args) => console.error(...args)
console.info = (...args) => console.error(...args)

const { setMaxListeners } = await import('node:events')
const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { identify } = await import('@libp2p/identify')
const { ping } = await import('@libp2p/ping')
const { kadDHT, passthroughMapper } = await import('@libp2p/kad-dht')
const { privateKeyFromProtobuf, generateKeyPairFromSeed } = await import('@libp2p/crypto/keys')
const { peerIdFromString } = await import('@libp2p/peer-id')
const { multiaddr } = await import('@multiformats/multiaddr')
const { CID } = await import('multiformats/cid')
const Digest = await import('multiformats/hashes/digest')
const { sha256 } = await import('multiformats/hashes/sha2')
const { ipnsValidator } = await import('ipns/validator')
const { ipnsSelector } = await import('ipns/selector')

/** The key namespace ("/jkad/…") for which every record is accepted. */
const TEST_NAMESPACE = 'jkad'
const DEFAULT_TIMEOUT_MS = 30_000
/** CIDv1 codec used when a provider key is given as a bare multihash: raw. */
const RAW_CODEC = 0x55

// ---- options ------------------------------------------------------------------------------

function parseArgs (argv) {
  const opts = { port: 0, host: '127.0.0.1', nodes: 1, key: null, seed: null, bootstrap: [], interconnect: false, announce: [], yamuxKeepAlive: null }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`)
      return argv[++i]
    }
    switch (arg) {
      case '--port': opts.port = intOption(arg, value(), 0, 65535); break
      case '--host': opts.host = value(); break
      case '--nodes': opts.nodes = intOption(arg, value(), 1, 1000); break
      case '--key': opts.key = value(); break
      case '--seed': opts.seed = intOption(arg, value(), 0, Number.MAX_SAFE_INTEGER); break
      case '--bootstrap': opts.bootstrap.push(...value().split(',').filter(s => s.length > 0)); break
      case '--interconnect': opts.interconnect = true; break
      case '--announce': opts.announce.push(...value().split(',').filter(s => s.length > 0)); break
      case '--yamux-keepalive': opts.yamuxKeepAlive = intOption(arg, value(), 1, 3_600_000); break
      case '--help':
        console.error('usage: node peer.mjs [--port P] [--host H] [--nodes N] [--key HEX | --seed N] [--bootstrap MA[,MA…]] [--interconnect] [--announce MA[,MA…]] [--yamux-keepalive MS]')
        process.exit(0)
        break
      default: throw new Error(`unknown option: ${arg}`)
    }
  }
  if (opts.key != null && opts.nodes > 1) throw new Error('--key fixes one identity: use --seed with --nodes > 1')
  if (opts.port !== 0 && opts.port + opts.nodes - 1 > 65535) throw new Error(`--port ${opts.port} leaves no room for ${opts.nodes} nodes`)
  return opts
}

function intOption (name, text, min, max) {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in [${min}, ${max}]: ${text}`)
  return n
}

// ---- node construction --------------------------------------------------------------------

async function privateKeyFor (opts, index) {
  if (opts.key != null) {
    return privateKeyFromProtobuf(hexToBytes(opts.key, '--key'))
  }
  if (opts.seed != null) {
    // A deterministic Ed25519 key per (seed, node index).
    const digest = await sha256.digest(new TextEncoder().encode(`jkad-interop-${opts.seed + index}`))
    return generateKeyPairFromSeed('Ed25519', digest.digest)
  }
  return undefined // libp2p generates one
}

async function startNode (opts, index) {
  const port = opts.port === 0 ? 0 : opts.port + index
  const node = await createLibp2p({
    privateKey: await privateKeyFor(opts, index),
    // --announce: extra addresses advertised beside the listen address (Identify, and peers'
    // Kademlia answers about this node), e.g. ones jkad cannot parse.
    addresses: { listen: [`/ip4/${opts.host}/tcp/${port}`], appendAnnounce: opts.announce },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    // --yamux-keepalive: js-yamux pings every MS ms (default 30 s) and fails the connection on a
    // reply that is not an exact ACK of its ping.
    streamMuxers: [yamux(opts.yamuxKeepAlive == null ? {} : { keepAliveInterval: opts.yamuxKeepAlive })],
    connectionManager: {
      // The default (5 per second per host) resets further inbound dials from loopback, where
      // every test peer lives.
      inboundConnectionThreshold: 10_000,
      maxIncomingPendingConnections: 1_000,
      maxConnections: 1_000
    },
    services: {
      identify: identify(),
      // kad-dht pings new contacts itself; let a test's ping run beside those (default 1 stream).
      ping: ping({ maxOutboundStreams: 16, maxInboundStreams: 16 }),
      dht: kadDHT({
        clientMode: false,
        // The default mapper drops private and loopback addresses, so no test peer would ever
        // enter the routing table.
        peerInfoMapper: passthroughMapper,
        // IPNS as Helia adds it (pk is kad-dht's own)
        validators: { [TEST_NAMESPACE]: async () => {}, ipns: ipnsValidator },
        selectors: { [TEST_NAMESPACE]: () => 0, ipns: ipnsSelector },
        allowQueryWithZeroPeers: true
      })
    }
  })
  return node
}

function nodeInfo (node, index) {
  return { node: index, peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) }
}

// ---- encoding helpers ---------------------------------------------------------------------

function hexToBytes (hex, what) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new Error(`${what} is not hex: ${hex}`)
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

const b64 = (bytes) => Buffer.from(bytes).toString('base64')

function bytesArg (cmd, name) {
  if (typeof cmd[name] === 'string') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(cmd[name])) throw new Error(`${name} is not base64: ${cmd[name]}`)
    return Uint8Array.from(Buffer.from(cmd[name], 'base64'))
  }
  if (typeof cmd[name + 'Utf8'] === 'string') return new TextEncoder().encode(cmd[name + 'Utf8'])
  throw new Error(`missing ${name} (base64) or ${name}Utf8`)
}

function stringArg (cmd, name) {
  if (typeof cmd[name] !== 'string' || cmd[name].length === 0) throw new Error(`missing ${name}`)
  return cmd[name]
}

/** A provider key: `cid` (CID text) or `key` (base64 multihash bytes, wrapped as a CIDv1 raw). */
function cidArg (cmd) {
  if (typeof cmd.cid === 'string') return CID.parse(cmd.cid)
  const bytes = bytesArg(cmd, 'key')
  let digest
  try {
    digest = Digest.decode(bytes)
  } catch (err) {
    throw new Error(`key is not a multihash: ${err.message}`)
  }
  return CID.createV1(RAW_CODEC, digest)
}

function peerArg (cmd) {
  try {
    return peerIdFromString(stringArg(cmd, 'peerId'))
  } catch (err) {
    throw new Error(`bad peerId ${cmd.peerId}: ${err.message}`)
  }
}

const peerInfoJson = (p) => ({ peerId: p.id.toString(), addrs: (p.multiaddrs ?? []).map(String) })

function dedupePeers (infos) {
  const byId = new Map()
  for (const info of infos) {
    const seen = byId.get(info.peerId)
    const merged = seen ?? { peerId: info.peerId, addrs: [] }
    for (const a of info.addrs) if (!merged.addrs.includes(a)) merged.addrs.push(a)
    byId.set(info.peerId, merged)
  }
  return [...byId.values()]
}

// ---- commands -----------------------------------------------------------------------------

const commands = {
  async info (node, cmd, ctx) {
    return { ...nodeInfo(node, ctx.index), mode: node.services.dht.getMode() }
  },

  async dial (node, cmd, { signal }) {
    const ma = multiaddr(stringArg(cmd, 'addr'))
    const conn = await node.dial(ma, { signal })
    return { peerId: conn.remotePeer.toString(), remoteAddr: conn.remoteAddr.toString() }
  },

  async connect (node, cmd, ctx) {
    return commands.dial(node, cmd, ctx)
  },

  async addPeer (node, cmd, { signal }) {
    const peerId = peerArg(cmd)
    const addrs = (cmd.addrs ?? []).map(a => multiaddr(a))
    if (addrs.length > 0) await node.peerStore.merge(peerId, { multiaddrs: addrs }, { signal })
    // Adding pings the peer first (js's new-contact check); it stays out if the ping fails.
    await node.services.dht.routingTable.add(peerId, { signal })
    const found = await node.services.dht.routingTable.find(peerId, { signal })
    return { added: found != null }
  },

  async routingTable (node) {
    const kb = node.services.dht.routingTable.kb
    const peers = kb == null ? [] : [...kb.toIterable()].map(p => p.peerId.toString())
    return { size: peers.length, peers }
  },

  async put (node, cmd, { signal }) {
    const key = bytesArg(cmd, 'key')
    const value = bytesArg(cmd, 'value')
    const stored = []
    const errors = []
    for await (const event of node.services.dht.put(key, value, { signal })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') stored.push(event.from.toString())
      if (event.name === 'QUERY_ERROR') errors.push(`${event.from}: ${event.error?.message}`)
    }
    return { storedAt: [...new Set(stored)], errors }
  },

  async get (node, cmd, { signal }) {
    const key = bytesArg(cmd, 'key')
    let best = null
    let selectedFrom = null
    const from = []
    for await (const event of node.services.dht.get(key, { signal })) {
      // js's get yields one VALUE, the selected record; every GET_VALUE answer that carried a
      // record shows up as a PEER_RESPONSE.
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'GET_VALUE' && event.record != null) {
        from.push(event.from.toString())
      }
      if (event.name === 'VALUE') {
        best = event.value
        selectedFrom = event.from.toString()
      }
    }
    if (best == null) throw namedError('NotFoundError', `no value for key ${b64(key)}`)
    // `from`: every peer that returned a record (this node too when its own copy was selected).
    if (selectedFrom === node.peerId.toString()) from.unshift(selectedFrom)
    return { value: b64(best), from: [...new Set(from)], selectedFrom }
  },

  async getLocal (node, cmd, { signal }) {
    const key = bytesArg(cmd, 'key')
    try {
      const record = await node.services.dht.contentFetching.getLocal(key, { signal })
      return { found: true, value: b64(record.value), timeReceived: record.timeReceived?.toISOString() ?? null }
    } catch (err) {
      if (err?.name === 'NotFoundError') return { found: false }
      throw err
    }
  },

  async provide (node, cmd, { signal }) {
    const cid = cidArg(cmd)
    const sentTo = []
    for await (const event of node.services.dht.provide(cid, { signal })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') sentTo.push(event.from.toString())
    }
    return { cid: cid.toString(), multihash: b64(cid.multihash.bytes), sentTo: [...new Set(sentTo)] }
  },

  async findProviders (node, cmd, { signal }) {
    const cid = cidArg(cmd)
    const limit = Number.isInteger(cmd.limit) && cmd.limit > 0 ? cmd.limit : Infinity
    const found = []
    for await (const event of node.services.dht.findProviders(cid, { signal })) {
      if (event.name === 'PROVIDER') {
        found.push(...event.providers.map(peerInfoJson))
        if (dedupePeers(found).length >= limit) break
      }
    }
    return { providers: dedupePeers(found) }
  },

  async localProviders (node, cmd, { signal }) {
    const cid = cidArg(cmd)
    const ids = await node.services.dht.providers.getProviders(cid, { signal })
    return { providers: ids.map(String) }
  },

  async getClosestPeers (node, cmd, { signal }) {
    const key = bytesArg(cmd, 'key')
    const peers = []
    for await (const event of node.services.dht.getClosestPeers(key, { signal })) {
      if (event.name === 'FINAL_PEER') peers.push(peerInfoJson(event.peer))
    }
    return { peers: dedupePeers(peers) }
  },

  async findPeer (node, cmd, { signal }) {
    const peerId = peerArg(cmd)
    for await (const event of node.services.dht.findPeer(peerId, { signal })) {
      if (event.name === 'FINAL_PEER' && event.peer.id.equals(peerId)) return peerInfoJson(event.peer)
    }
    throw namedError('NotFoundError', `peer not found: ${peerId}`)
  },

  async ping (node, cmd, { signal }) {
    const target = typeof cmd.addr === 'string' ? multiaddr(cmd.addr) : peerArg(cmd)
    const rttMs = await node.services.ping.ping(target, { signal })
    return { rttMs }
  },

  async peerStore (node, cmd, { signal }) {
    const peerId = peerArg(cmd)
    let peer
    try {
      peer = await node.peerStore.get(peerId, { signal })
    } catch (err) {
      if (err?.name === 'NotFoundError') throw namedError('NotFoundError', `${peerId} is not in the peer store`)
      throw err
    }
    const text = (key) => peer.metadata.has(key) ? new TextDecoder().decode(peer.metadata.get(key)) : null
    return {
      peerId: peerId.toString(),
      protocols: [...peer.protocols],
      addrs: peer.addresses.map(a => a.multiaddr.toString()),
      agentVersion: text('AgentVersion'),
      protocolVersion: text('ProtocolVersion')
    }
  },

  async stopNode (node, cmd, ctx) {
    await node.stop()
    stoppedNodes.add(ctx.index)
    return { node: ctx.index }
  },

  async peers (node) {
    return { peers: node.getPeers().map(String) }
  },

  async connections (node) {
    return {
      connections: node.getConnections().map(c => ({
        peerId: c.remotePeer.toString(),
        remoteAddr: c.remoteAddr.toString(),
        direction: c.direction,
        status: c.status,
        encryption: c.encryption ?? null,
        multiplexer: c.multiplexer ?? null
      }))
    }
  }
}

function namedError (name, message) {
  const err = new Error(message)
  err.name = name
  return err
}

// ---- main ---------------------------------------------------------------------------------

let opts
try {
  opts = parseArgs(process.argv.slice(2))
} catch (err) {
  console.error(`peer.mjs: ${err.message}`)
  process.exit(2)
}

process.on('unhandledRejection', (err) => console.error('peer.mjs: unhandled rejection:', err))
process.on('uncaughtException', (err) => console.error('peer.mjs: uncaught exception:', err))

const nodes = []
/** Indexes of nodes stopped with `stopNode`: further commands to them fail. */
const stoppedNodes = new Set()
try {
  for (let i = 0; i < opts.nodes; i++) nodes.push(await startNode(opts, i))
} catch (err) {
  console.error(`peer.mjs: start failed: ${err.stack ?? err}`)
  await Promise.allSettled(nodes.map(n => n.stop()))
  process.exit(1)
}

// Bootstrap: every node dials the given addresses; with --interconnect, nodes 1..N-1 also dial node 0.
const dials = []
for (const [i, node] of nodes.entries()) {
  const targets = [...opts.bootstrap]
  if (opts.interconnect && i > 0) targets.push(nodes[0].getMultiaddrs()[0].toString())
  for (const t of targets) {
    dials.push(node.dial(multiaddr(t), { signal: AbortSignal.timeout(10_000) })
      .catch(err => console.error(`peer.mjs: node ${i} could not dial ${t}: ${err.message}`)))
  }
}
await Promise.all(dials)

function emit (obj) {
  writeStdout(JSON.stringify(obj) + '\n')
}

const infos = nodes.map(nodeInfo)
emit({ event: 'ready', peerId: infos[0].peerId, addrs: infos[0].addrs, nodes: infos })

let stopping = false
async function stopAll (code) {
  if (stopping) return
  stopping = true
  await Promise.allSettled(nodes.map(n => n.stop()))
  process.exit(code)
}

async function handle (line) {
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (err) {
    emit({ id: null, ok: false, errorName: 'SyntaxError', error: `not JSON: ${err.message}` })
    return
  }
  const id = cmd?.id ?? null
  try {
    if (cmd == null || typeof cmd !== 'object' || typeof cmd.cmd !== 'string') throw new Error('a command needs a "cmd" string')
    if (cmd.cmd === 'stop') {
      emit({ id, ok: true, result: {} })
      await stopAll(0)
      return
    }
    const fn = Object.hasOwn(commands, cmd.cmd) ? commands[cmd.cmd] : null
    if (fn == null) throw new Error(`unknown command: ${cmd.cmd}; known: ${[...Object.keys(commands), 'stop'].join(', ')}`)
    const index = cmd.node ?? 0
    if (!Number.isInteger(index) || index < 0 || index >= nodes.length) throw new Error(`no node ${cmd.node}: 0..${nodes.length - 1}`)
    if (stoppedNodes.has(index)) throw namedError('NodeStoppedError', `node ${index} was stopped`)
    const timeoutMs = cmd.timeoutMs ?? DEFAULT_TIMEOUT_MS
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error(`timeoutMs must be a positive integer: ${cmd.timeoutMs}`)
    const signal = AbortSignal.timeout(timeoutMs)
    setMaxListeners(Infinity, signal) // every js query step listens on it
    // Race the command against its timeout too: not every js call honours the signal promptly.
    const timedOut = new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(namedError('TimeoutError', `${cmd.cmd} timed out after ${timeoutMs} ms`)), { once: true })
    })
    const result = await Promise.race([fn(nodes[index], cmd, { signal, index }), timedOut])
    emit({ id, ok: true, result })
  } catch (err) {
    const name = err?.name === 'AbortError' ? 'TimeoutError' : (err?.name ?? 'Error')
    emit({ id, ok: false, errorName: name, error: err?.message ?? String(err) })
  }
}

const { createInterface } = await import('node:readline')
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
rl.on('line', (line) => {
  if (line.trim().length > 0) handle(line)
})
rl.on('close', () => stopAll(0))
