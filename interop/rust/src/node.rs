//! One rust-libp2p node: its Swarm, the commands it runs and the swarm events that answer them.
//! Each node runs in a tokio task of its own (`run_node`); nothing here is shared between nodes.

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use libp2p::identify;
use libp2p::identity::Keypair;
use libp2p::kad::{
    self,
    store::{MemoryStore, MemoryStoreConfig, RecordStore},
    GetClosestPeersError, GetProvidersOk, GetRecordError, GetRecordOk, Mode, PutRecordError, QueryId, QueryResult,
    Quorum, Record, RecordKey,
};
use libp2p::multiaddr::Protocol;
use libp2p::ping;
use libp2p::swarm::{dial_opts::{DialOpts, PeerCondition}, ConnectionId, NetworkBehaviour, SwarmEvent};
use libp2p::{noise, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use crate::util::{b64, bytes_arg, provider_key, string_arg, CmdError};

/// The Kademlia protocol jkad, go and js speak.
pub const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/ipfs/kad/1.0.0");
/// jkad and go-libp2p-kad-dht accept Kademlia messages up to 4 MiB; rust's default is 16 KiB,
/// which a real PUT_VALUE or a long closer-peers list exceeds.
const MAX_PACKET: usize = 4 * 1024 * 1024;

/// Commands a node understands (`stop` is handled by main).
pub const COMMANDS: &[&str] = &[
    "info", "dial", "connect", "addPeer", "routingTable", "put", "get", "getLocal", "provide", "findProviders",
    "localProviders", "getClosestPeers", "findPeer", "ping", "peerStore", "stopNode", "peers", "connections",
];

type Reply = oneshot::Sender<Result<Value, CmdError>>;

/// A command for a node's task, with where its answer goes.
pub struct NodeCommand {
    pub cmd: Value,
    pub reply: Reply,
}

pub struct NodeConfig {
    pub index: usize,
    pub keypair: Keypair,
    pub listen: Vec<Multiaddr>,
    pub idle_timeout: Duration,
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    kad: kad::Behaviour<MemoryStore>,
}

/// A command waiting for a Kademlia query to progress.
enum Pending {
    Put { reply: Reply },
    Get { reply: Reply, from: Vec<String>, value: Option<Vec<u8>>, selected: Option<String> },
    /// provide, first step: which peers are closest (rust's StartProviding does not tell whom it sent to).
    ProvideLookup { reply: Reply, cid: String, mh: Vec<u8> },
    Provide { reply: Reply, cid: String, mh: Vec<u8>, sent_to: Vec<String> },
    FindProviders { reply: Reply, limit: usize, found: Vec<PeerId> },
    Closest { reply: Reply },
    FindPeer { reply: Reply, target: PeerId },
}

impl Pending {
    fn reply_closed(&self) -> bool {
        match self {
            Pending::Put { reply }
            | Pending::Get { reply, .. }
            | Pending::ProvideLookup { reply, .. }
            | Pending::Provide { reply, .. }
            | Pending::FindProviders { reply, .. }
            | Pending::Closest { reply }
            | Pending::FindPeer { reply, .. } => reply.is_closed(),
        }
    }
}

/// A ping command: answered by the next ping::Event for the peer or the connection.
struct PendingPing {
    peer: Option<PeerId>,
    conn: Option<ConnectionId>,
    reply: Reply,
}

struct Node {
    index: usize,
    local: PeerId,
    swarm: Swarm<Behaviour>,
    listen_addrs: Vec<Multiaddr>,
    /// Addresses learned of other peers (Identify, lookups, routing updates, dials).
    book: HashMap<PeerId, Vec<Multiaddr>>,
    identified: HashMap<PeerId, identify::Info>,
    /// Open connections: peer, remote address, direction.
    conns: HashMap<ConnectionId, (PeerId, Multiaddr, &'static str)>,
    dials: HashMap<ConnectionId, Reply>,
    pings: Vec<PendingPing>,
    queries: HashMap<QueryId, Pending>,
}

fn build_swarm(cfg: &NodeConfig) -> Result<Swarm<Behaviour>, String> {
    let idle = cfg.idle_timeout;
    let swarm = libp2p::SwarmBuilder::with_existing_identity(cfg.keypair.clone())
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
        .map_err(|e| format!("tcp/noise/yamux: {e}"))?
        .with_behaviour(|key| {
            let id = key.public().to_peer_id();
            let mut kad_cfg = kad::Config::new(KAD_PROTOCOL);
            kad_cfg.set_max_packet_size(MAX_PACKET);
            // Records under any key are stored (StoreInserts::Unfiltered, the default): `/jkad/`
            // keys are accepted; rust validates nothing, not even /pk/ or /ipns/ records.
            kad_cfg.set_record_filtering(kad::StoreInserts::Unfiltered);
            let store = MemoryStore::with_config(
                id,
                MemoryStoreConfig {
                    max_records: 100_000,
                    max_value_bytes: MAX_PACKET,
                    max_providers_per_key: kad::K_VALUE.get(),
                    max_provided_keys: 100_000,
                },
            );
            Behaviour {
                identify: identify::Behaviour::new(
                    identify::Config::new("ipfs/0.1.0".into(), key.public())
                        .with_agent_version(format!("jkad-rust-peer/{} (rust-libp2p 0.57.0)", env!("CARGO_PKG_VERSION"))),
                ),
                // Ping every second so that a `ping` command is answered quickly (rust-libp2p's
                // ping has no on-demand API: it pings each connection periodically).
                ping: ping::Behaviour::new(ping::Config::new().with_interval(Duration::from_secs(1))),
                kad: kad::Behaviour::with_config(id, store, kad_cfg),
            }
        })
        .map_err(|e| format!("behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(idle))
        .build();
    Ok(swarm)
}

/// Runs node `cfg.index` until `stopNode` or until the command channel closes.
pub async fn run_node(
    cfg: NodeConfig,
    mut rx: mpsc::UnboundedReceiver<NodeCommand>,
    ready: oneshot::Sender<Result<Value, String>>,
) {
    let mut swarm = match build_swarm(&cfg) {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    // Answer Kademlia requests from the start: the default is client mode until an external
    // address is confirmed, which never happens on loopback.
    swarm.behaviour_mut().kad.set_mode(Some(Mode::Server));
    let mut listeners = Vec::new();
    for ma in &cfg.listen {
        match swarm.listen_on(ma.clone()) {
            Ok(id) => listeners.push(id),
            Err(e) => {
                let _ = ready.send(Err(format!("listen on {ma}: {e}")));
                return;
            }
        }
    }
    let local = *swarm.local_peer_id();
    let mut node = Node {
        index: cfg.index,
        local,
        swarm,
        listen_addrs: vec![],
        book: HashMap::new(),
        identified: HashMap::new(),
        conns: HashMap::new(),
        dials: HashMap::new(),
        pings: vec![],
        queries: HashMap::new(),
    };
    // Wait until every listener has reported an address.
    let mut waiting: Vec<_> = listeners.clone();
    while !waiting.is_empty() {
        match node.swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { listener_id, address } => {
                waiting.retain(|l| *l != listener_id);
                node.on_event(SwarmEvent::NewListenAddr { listener_id, address });
            }
            SwarmEvent::ListenerClosed { addresses, reason, .. } => {
                let _ = ready.send(Err(format!("listener {addresses:?} closed: {reason:?}")));
                return;
            }
            SwarmEvent::ListenerError { error, .. } => {
                let _ = ready.send(Err(format!("listener error: {error}")));
                return;
            }
            ev => node.on_event(ev),
        }
    }
    // A wildcard listener (0.0.0.0, ::) reports one address per interface, not all at once:
    // give it a moment so that the ready line lists them all.
    let wildcard = cfg.listen.iter().any(|m| {
        m.iter().any(|p| match p {
            Protocol::Ip4(ip) => ip.is_unspecified(),
            Protocol::Ip6(ip) => ip.is_unspecified(),
            _ => false,
        })
    });
    if wildcard {
        let settle = tokio::time::sleep(Duration::from_millis(300));
        tokio::pin!(settle);
        loop {
            tokio::select! {
                _ = &mut settle => break,
                ev = node.swarm.select_next_some() => node.on_event(ev),
            }
        }
    }
    let _ = ready.send(Ok(node.info()));

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            c = rx.recv() => match c {
                Some(NodeCommand { cmd, reply }) => {
                    if node.on_command(cmd, reply) {
                        tracing_stop(node.index);
                        return; // stopNode: dropping the swarm closes its listeners and connections
                    }
                }
                None => return,
            },
            ev = node.swarm.select_next_some() => node.on_event(ev),
            _ = tick.tick() => node.reap(),
        }
    }
}

fn tracing_stop(index: usize) {
    eprintln!("jkad-rust-peer: node {index} stopped");
}

fn with_p2p(addr: &Multiaddr, peer: PeerId) -> Multiaddr {
    match addr.iter().last() {
        Some(Protocol::P2p(_)) => addr.clone(),
        _ => addr.clone().with(Protocol::P2p(peer)),
    }
}

fn without_p2p(addr: &Multiaddr) -> Multiaddr {
    addr.iter().filter(|p| !matches!(p, Protocol::P2p(_))).collect()
}

fn p2p_of(addr: &Multiaddr) -> Option<PeerId> {
    match addr.iter().last() {
        Some(Protocol::P2p(p)) => Some(p),
        _ => None,
    }
}

fn peer_arg(cmd: &Value) -> Result<PeerId, CmdError> {
    let s = string_arg(cmd, "peerId")?;
    s.parse().map_err(|e| CmdError::plain(format!("bad peerId {s}: {e}")))
}

fn addr_arg(cmd: &Value) -> Result<Multiaddr, CmdError> {
    let s = string_arg(cmd, "addr")?;
    s.parse().map_err(|e| CmdError::plain(format!("bad multiaddr {s}: {e}")))
}

fn not_found(msg: impl Into<String>) -> CmdError {
    CmdError::named("NotFoundError", msg)
}

impl Node {
    fn kad(&mut self) -> &mut kad::Behaviour<MemoryStore> {
        &mut self.swarm.behaviour_mut().kad
    }

    fn info(&self) -> Value {
        let addrs: Vec<String> = self.listen_addrs.iter().map(|a| with_p2p(a, self.local).to_string()).collect();
        json!({"node": self.index, "peerId": self.local.to_string(), "addrs": addrs})
    }

    fn remember(&mut self, peer: PeerId, addr: Multiaddr) {
        if peer == self.local {
            return;
        }
        let list = self.book.entry(peer).or_default();
        if !list.contains(&addr) {
            list.push(addr);
        }
    }

    /// Everything this node knows of a peer's addresses: routing table, Identify, address book.
    fn addrs_of(&mut self, peer: &PeerId) -> Vec<String> {
        if *peer == self.local {
            return self.listen_addrs.iter().map(|a| a.to_string()).collect();
        }
        let mut out: Vec<String> = Vec::new();
        let mut push = |a: &Multiaddr| {
            // rust's routing table keeps addresses with a /p2p suffix; list each address once, bare.
            let s = without_p2p(a).to_string();
            if !out.contains(&s) {
                out.push(s);
            }
        };
        for bucket in self.swarm.behaviour_mut().kad.kbuckets() {
            for e in bucket.iter() {
                if e.node.key.preimage() == peer {
                    e.node.value.iter().for_each(&mut push);
                }
            }
        }
        if let Some(info) = self.identified.get(peer) {
            info.listen_addrs.iter().for_each(&mut push);
        }
        if let Some(list) = self.book.get(peer) {
            list.iter().for_each(&mut push);
        }
        out
    }

    fn routing_table(&mut self) -> Vec<PeerId> {
        let mut peers = Vec::new();
        for bucket in self.swarm.behaviour_mut().kad.kbuckets() {
            for e in bucket.iter() {
                peers.push(*e.node.key.preimage());
            }
        }
        peers
    }

    /// Finishes queries whose command has timed out (nobody waits for the answer any more).
    fn reap(&mut self) {
        let gone: Vec<QueryId> = self.queries.iter().filter(|(_, p)| p.reply_closed()).map(|(id, _)| *id).collect();
        for id in gone {
            self.queries.remove(&id);
            if let Some(mut q) = self.swarm.behaviour_mut().kad.query_mut(&id) {
                q.finish();
            }
        }
        self.pings.retain(|p| !p.reply.is_closed());
        self.dials.retain(|_, r| !r.is_closed());
    }

    /// Runs one command; returns true when the node must stop.
    fn on_command(&mut self, cmd: Value, reply: Reply) -> bool {
        let name = cmd.get("cmd").and_then(Value::as_str).unwrap_or("").to_string();
        if name == "stopNode" {
            let _ = reply.send(Ok(json!({"node": self.index})));
            return true;
        }
        // Commands either answer at once (Ok(Some)), or park `reply` and answer later (Ok(None)).
        let mut slot = Some(reply);
        let r = self.command(&name, &cmd, &mut slot);
        if let Some(reply) = slot {
            let _ = reply.send(r.map(|v| v.unwrap_or(Value::Null)));
        }
        false
    }

    fn command(&mut self, name: &str, cmd: &Value, slot: &mut Option<Reply>) -> Result<Option<Value>, CmdError> {
        match name {
            "info" => {
                let mut v = self.info();
                let mode = match self.swarm.behaviour().kad.mode() {
                    Mode::Server => "server",
                    Mode::Client => "client",
                };
                v["mode"] = json!(mode);
                Ok(Some(v))
            }
            "dial" | "connect" => {
                let addr = addr_arg(cmd)?;
                let peer = p2p_of(&addr);
                if let Some(p) = peer {
                    // Like js, an existing connection answers the dial.
                    if let Some((_, (_, remote, _))) = self.conns.iter().find(|(_, (q, _, _))| *q == p) {
                        return Ok(Some(json!({"peerId": p.to_string(), "remoteAddr": remote.to_string()})));
                    }
                }
                // PeerCondition::Always: a dial that kad (or an inbound connection) has under way
                // must not fail this command, as the default condition (disconnected and not
                // dialing) would make it; a second connection to the peer is harmless.
                let opts = match peer {
                    Some(p) => DialOpts::peer_id(p)
                        .condition(PeerCondition::Always)
                        .addresses(vec![addr.clone()])
                        .build(),
                    None => DialOpts::unknown_peer_id().address(addr.clone()).build(),
                };
                let conn = opts.connection_id();
                self.swarm.dial(opts).map_err(|e| CmdError::plain(format!("dial {addr}: {e}")))?;
                self.dials.insert(conn, slot.take().unwrap());
                Ok(None)
            }
            "addPeer" => {
                let peer = peer_arg(cmd)?;
                let mut addrs: Vec<Multiaddr> = Vec::new();
                for a in cmd.get("addrs").and_then(Value::as_array).cloned().unwrap_or_default() {
                    let s = a.as_str().ok_or_else(|| CmdError::plain("addrs must be strings"))?;
                    addrs.push(s.parse().map_err(|e| CmdError::plain(format!("bad multiaddr {s}: {e}")))?);
                }
                if addrs.is_empty() {
                    addrs = self.book.get(&peer).cloned().unwrap_or_default();
                }
                // Unlike js, rust does not ping a new contact: add_address inserts it directly
                // (or leaves it pending when the bucket is full).
                for a in addrs {
                    self.remember(peer, a.clone());
                    self.kad().add_address(&peer, a);
                }
                let added = self.routing_table().contains(&peer);
                Ok(Some(json!({"added": added})))
            }
            "routingTable" => {
                let peers: Vec<String> = self.routing_table().iter().map(|p| p.to_string()).collect();
                Ok(Some(json!({"size": peers.len(), "peers": peers})))
            }
            "put" => {
                let key = bytes_arg(cmd, "key")?;
                let value = bytes_arg(cmd, "value")?;
                let record = Record::new(key, value);
                // Quorum::All (= k): the query then sends PUT_VALUE to each of the closest peers
                // and, when fewer than k acknowledge, reports exactly which did (QuorumFailed).
                let id = self.kad()
                    .put_record(record, Quorum::All)
                    .map_err(|e| CmdError::plain(format!("local store refused the record: {e}")))?;
                self.queries.insert(id, Pending::Put { reply: slot.take().unwrap() });
                Ok(None)
            }
            "get" => {
                let key = bytes_arg(cmd, "key")?;
                let id = self.kad().get_record(RecordKey::new(&key));
                self.queries.insert(id, Pending::Get { reply: slot.take().unwrap(), from: vec![], value: None, selected: None });
                Ok(None)
            }
            "getLocal" => {
                let key = bytes_arg(cmd, "key")?;
                match self.kad().store_mut().get(&RecordKey::new(&key)) {
                    // rust's Record has no timeReceived (it keeps `expires` and `publisher`).
                    Some(r) => Ok(Some(json!({
                        "found": true,
                        "value": b64(&r.value),
                        "timeReceived": null,
                        "publisher": r.publisher.map(|p| p.to_string()),
                    }))),
                    None => Ok(Some(json!({"found": false}))),
                }
            }
            "provide" => {
                let (cid, mh) = provider_key(cmd)?;
                let id = self.kad().get_closest_peers(mh.clone());
                self.queries.insert(id, Pending::ProvideLookup { reply: slot.take().unwrap(), cid, mh });
                Ok(None)
            }
            "findProviders" => {
                let (_, mh) = provider_key(cmd)?;
                let limit = cmd.get("limit").and_then(Value::as_u64).filter(|n| *n > 0).map(|n| n as usize).unwrap_or(usize::MAX);
                let id = self.kad().get_providers(RecordKey::from(mh));
                self.queries.insert(id, Pending::FindProviders { reply: slot.take().unwrap(), limit, found: vec![] });
                Ok(None)
            }
            "localProviders" => {
                let (_, mh) = provider_key(cmd)?;
                let ids: Vec<String> =
                    self.kad().store_mut().providers(&RecordKey::from(mh)).iter().map(|p| p.provider.to_string()).collect();
                Ok(Some(json!({"providers": ids})))
            }
            "getClosestPeers" => {
                let key = bytes_arg(cmd, "key")?;
                let id = self.kad().get_closest_peers(key);
                self.queries.insert(id, Pending::Closest { reply: slot.take().unwrap() });
                Ok(None)
            }
            "findPeer" => {
                let target = peer_arg(cmd)?;
                // Like js, a peer this node already has addresses for is answered locally.
                let known = self.addrs_of(&target);
                if target != self.local && !known.is_empty() {
                    return Ok(Some(json!({"peerId": target.to_string(), "addrs": known})));
                }
                let id = self.kad().get_closest_peers(target);
                self.queries.insert(id, Pending::FindPeer { reply: slot.take().unwrap(), target });
                Ok(None)
            }
            "ping" => {
                let (peer, addr) = if cmd.get("addr").and_then(Value::as_str).is_some() {
                    let a = addr_arg(cmd)?;
                    (p2p_of(&a), Some(a))
                } else {
                    (Some(peer_arg(cmd)?), None)
                };
                if let Some(p) = peer {
                    if self.swarm.is_connected(&p) {
                        self.pings.push(PendingPing { peer: Some(p), conn: None, reply: slot.take().unwrap() });
                        return Ok(None);
                    }
                }
                let opts = match (peer, addr) {
                    (Some(p), Some(a)) => DialOpts::peer_id(p).addresses(vec![a]).build(),
                    (Some(p), None) => DialOpts::peer_id(p).build(),
                    (None, Some(a)) => DialOpts::unknown_peer_id().address(a).build(),
                    (None, None) => unreachable!(),
                };
                let conn = opts.connection_id();
                self.swarm.dial(opts).map_err(|e| CmdError::plain(format!("ping: dial failed: {e}")))?;
                self.pings.push(PendingPing { peer, conn: Some(conn), reply: slot.take().unwrap() });
                Ok(None)
            }
            "peerStore" => {
                let peer = peer_arg(cmd)?;
                let addrs = self.addrs_of(&peer);
                let info = self.identified.get(&peer);
                if info.is_none() && addrs.is_empty() {
                    return Err(not_found(format!("{peer} is not known to this node")));
                }
                Ok(Some(json!({
                    "peerId": peer.to_string(),
                    "protocols": info.map(|i| i.protocols.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap_or_default(),
                    "addrs": addrs,
                    "agentVersion": info.map(|i| i.agent_version.clone()),
                    "protocolVersion": info.map(|i| i.protocol_version.clone()),
                })))
            }
            "peers" => {
                let peers: Vec<String> = self.swarm.connected_peers().map(|p| p.to_string()).collect();
                Ok(Some(json!({"peers": peers})))
            }
            "connections" => {
                let list: Vec<Value> = self
                    .conns
                    .values()
                    .map(|(p, remote, dir)| {
                        json!({"peerId": p.to_string(), "remoteAddr": remote.to_string(), "direction": dir,
                               "status": "open", "encryption": "/noise", "multiplexer": "/yamux/1.0.0"})
                    })
                    .collect();
                Ok(Some(json!({"connections": list})))
            }
            other => Err(CmdError::plain(format!("unknown command: {other}"))),
        }
    }

    fn on_event(&mut self, ev: SwarmEvent<BehaviourEvent>) {
        match ev {
            SwarmEvent::NewListenAddr { address, .. } => {
                eprintln!("jkad-rust-peer: node {} listens on {}", self.index, with_p2p(&address, self.local));
                // Without an external address rust's ADD_PROVIDER carries no address (go resets
                // the stream) and its Identify lists none.
                self.swarm.add_external_address(address.clone());
                if !self.listen_addrs.contains(&address) {
                    self.listen_addrs.push(address);
                }
            }
            SwarmEvent::ExpiredListenAddr { address, .. } => {
                self.listen_addrs.retain(|a| *a != address);
                self.swarm.remove_external_address(&address);
            }
            SwarmEvent::ConnectionEstablished { peer_id, connection_id, endpoint, .. } => {
                let remote = endpoint.get_remote_address().clone();
                let dir = if endpoint.is_dialer() { "outbound" } else { "inbound" };
                if endpoint.is_dialer() {
                    self.remember(peer_id, without_p2p(&remote));
                }
                self.conns.insert(connection_id, (peer_id, remote.clone(), dir));
                if let Some(reply) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Ok(json!({"peerId": peer_id.to_string(), "remoteAddr": remote.to_string()})));
                }
                for p in self.pings.iter_mut() {
                    if p.conn == Some(connection_id) {
                        p.peer = Some(peer_id);
                    }
                }
            }
            SwarmEvent::ConnectionClosed { connection_id, .. } => {
                self.conns.remove(&connection_id);
            }
            SwarmEvent::OutgoingConnectionError { connection_id, peer_id, error } => {
                if let Some(reply) = self.dials.remove(&connection_id) {
                    let _ = reply.send(Err(CmdError::plain(format!("dial failed: {error}"))));
                }
                let (failed, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pings)
                    .into_iter()
                    .partition(|p| p.conn == Some(connection_id) || (p.conn.is_none() && p.peer.is_some() && p.peer == peer_id));
                self.pings = rest;
                for p in failed {
                    let _ = p.reply.send(Err(CmdError::plain(format!("ping: dial failed: {error}"))));
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. })) => {
                // kad ignores Identify's listen addresses; a peer that dialed us would otherwise
                // never enter the routing table (rust only adds peers it dialed itself).
                if info.protocols.contains(&KAD_PROTOCOL) {
                    for a in &info.listen_addrs {
                        self.swarm.behaviour_mut().kad.add_address(&peer_id, a.clone());
                    }
                }
                for a in info.listen_addrs.clone() {
                    self.remember(peer_id, a);
                }
                self.identified.insert(peer_id, info);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event { peer, connection, result })) => {
                let (hit, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pings)
                    .into_iter()
                    .partition(|p| p.conn == Some(connection) || (p.conn.is_none() && p.peer == Some(peer)));
                self.pings = rest;
                for p in hit {
                    let r = match &result {
                        Ok(rtt) => Ok(json!({"rttMs": rtt.as_secs_f64() * 1000.0})),
                        Err(e) => Err(CmdError::plain(format!("ping failed: {e}"))),
                    };
                    let _ = p.reply.send(r);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::RoutingUpdated { peer, addresses, .. })) => {
                for a in addresses.iter() {
                    self.remember(peer, a.clone());
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed { id, result, step, .. })) => {
                self.on_query(id, result, step.last);
            }
            _ => {}
        }
    }

    fn on_query(&mut self, id: QueryId, result: QueryResult, last: bool) {
        let Some(pending) = self.queries.remove(&id) else { return };
        let local = self.local.to_string();
        match (pending, result) {
            (Pending::Put { reply }, QueryResult::PutRecord(r)) => {
                let v = match r {
                    // Every one of the k closest peers acknowledged; rust does not say which.
                    Ok(_) => json!({"storedAt": [], "errors": [], "quorumReached": true}),
                    Err(PutRecordError::QuorumFailed { success, .. }) => json!({
                        "storedAt": success.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                        "errors": [], "quorumReached": false}),
                    Err(PutRecordError::Timeout { success, .. }) => json!({
                        "storedAt": success.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                        "errors": ["query timed out"], "quorumReached": false}),
                };
                let _ = reply.send(Ok(v));
            }
            (Pending::Get { reply, mut from, mut value, mut selected }, QueryResult::GetRecord(r)) => {
                let done = match r {
                    Ok(GetRecordOk::FoundRecord(pr)) => {
                        let who = pr.peer.map(|p| p.to_string()).unwrap_or_else(|| local.clone());
                        if !from.contains(&who) {
                            from.push(who.clone());
                        }
                        if value.is_none() {
                            // rust does not select among records: the first one found is the answer.
                            value = Some(pr.record.value);
                            selected = Some(who);
                        }
                        last
                    }
                    Ok(GetRecordOk::FinishedWithNoAdditionalRecord { .. }) => true,
                    Err(GetRecordError::NotFound { .. }) | Err(GetRecordError::Timeout { .. }) => true,
                };
                if done {
                    let r = match value {
                        Some(v) => Ok(json!({"value": b64(&v), "from": from, "selectedFrom": selected})),
                        None => Err(not_found("no value for the key")),
                    };
                    let _ = reply.send(r);
                } else {
                    self.queries.insert(id, Pending::Get { reply, from, value, selected });
                }
            }
            (Pending::ProvideLookup { reply, cid, mh }, QueryResult::GetClosestPeers(r)) => {
                let peers = match r {
                    Ok(ok) => ok.peers,
                    Err(GetClosestPeersError::Timeout { peers, .. }) => peers,
                };
                for p in &peers {
                    for a in &p.addrs {
                        self.remember(p.peer_id, a.clone());
                    }
                }
                let sent_to = peers.iter().map(|p| p.peer_id.to_string()).collect();
                match self.swarm.behaviour_mut().kad.start_providing(RecordKey::from(mh.clone())) {
                    Ok(qid) => {
                        self.queries.insert(qid, Pending::Provide { reply, cid, mh, sent_to });
                    }
                    Err(e) => {
                        let _ = reply.send(Err(CmdError::plain(format!("local provider store: {e}"))));
                    }
                }
            }
            (Pending::Provide { reply, cid, mh, sent_to }, QueryResult::StartProviding(r)) => {
                let v = match r {
                    Ok(_) => Ok(json!({"cid": cid, "multihash": b64(&mh), "sentTo": sent_to})),
                    Err(e) => Err(CmdError::named("TimeoutError", format!("provide: {e}"))),
                };
                let _ = reply.send(v);
            }
            (Pending::FindProviders { reply, limit, mut found }, QueryResult::GetProviders(r)) => {
                let done = match r {
                    Ok(GetProvidersOk::FoundProviders { providers, .. }) => {
                        for p in providers {
                            if !found.contains(&p) {
                                found.push(p);
                            }
                        }
                        last || found.len() >= limit
                    }
                    Ok(GetProvidersOk::FinishedWithNoAdditionalRecord { .. }) => true,
                    Err(_) => true,
                };
                if done {
                    if !last {
                        if let Some(mut q) = self.swarm.behaviour_mut().kad.query_mut(&id) {
                            q.finish();
                        }
                    }
                    found.truncate(limit);
                    let list: Vec<Value> = found
                        .iter()
                        .map(|p| json!({"peerId": p.to_string(), "addrs": self.addrs_of(p)}))
                        .collect();
                    let _ = reply.send(Ok(json!({"providers": list})));
                } else {
                    self.queries.insert(id, Pending::FindProviders { reply, limit, found });
                }
            }
            (Pending::Closest { reply }, QueryResult::GetClosestPeers(r)) => {
                let peers = match r {
                    Ok(ok) => ok.peers,
                    Err(GetClosestPeersError::Timeout { peers, .. }) => peers,
                };
                let list: Vec<Value> = peers
                    .iter()
                    .map(|p| json!({"peerId": p.peer_id.to_string(), "addrs": p.addrs.iter().map(|a| without_p2p(a).to_string()).collect::<Vec<_>>()}))
                    .collect();
                for p in peers {
                    for a in p.addrs {
                        self.remember(p.peer_id, a);
                    }
                }
                let _ = reply.send(Ok(json!({"peers": list})));
            }
            (Pending::FindPeer { reply, target }, QueryResult::GetClosestPeers(r)) => {
                let peers = match r {
                    Ok(ok) => ok.peers,
                    Err(GetClosestPeersError::Timeout { peers, .. }) => peers,
                };
                let hit = peers.into_iter().find(|p| p.peer_id == target);
                let r = match hit {
                    Some(p) if !p.addrs.is_empty() => {
                        for a in &p.addrs {
                            self.remember(target, a.clone());
                        }
                        Ok(json!({"peerId": target.to_string(), "addrs": self.addrs_of(&target)}))
                    }
                    _ => {
                        let known = self.addrs_of(&target);
                        if known.is_empty() {
                            Err(not_found(format!("peer not found: {target}")))
                        } else {
                            Ok(json!({"peerId": target.to_string(), "addrs": known}))
                        }
                    }
                };
                let _ = reply.send(r);
            }
            (p, other) => {
                // A result of another kind for this query id should not happen; keep waiting.
                eprintln!("jkad-rust-peer: node {}: unexpected query result {other:?}", self.index);
                self.queries.insert(id, p);
            }
        }
    }
}
