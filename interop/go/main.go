// A go-libp2p-kad-dht Kademlia peer (or several) driven by JSON lines, for jkad's interop tests.
// It speaks the protocol of interop/js/peer.mjs (see interop/js/README.md and interop/go/README.md):
// options on the command line, one "ready" line when every node listens, then one JSON command per
// line on stdin and one JSON answer per command on stdout. Diagnostics go to stderr.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p-kad-dht/records"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/routing"
	yamux "github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	noise "github.com/libp2p/go-libp2p/p2p/security/noise"
	tcp "github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	mh "github.com/multiformats/go-multihash"
)

// testNamespace is the key namespace ("/jkad/...") whose records every test peer accepts.
const testNamespace = "jkad"

// kadProtocol is the wire protocol id: go's prefix option is set to another prefix only to lift
// the Amino DHT's configuration lock (exactly the pk and ipns validators), see newNode.
const kadProtocol = "/ipfs/kad/1.0.0"

const agentVersion = "jkad-go-peer/0.1.0 (go-libp2p-kad-dht v0.42.2)"

type options struct {
	port         int
	host         string
	nodes        int
	keyHex       string
	keyPkcs8Hex  string
	keyType      string
	rsaBits      int
	seed         int64
	bootstrap    []string
	interconnect bool
	listen       []string
}

func parseOptions() (options, error) {
	var o options
	var bootstrap, listen string
	fs := flag.NewFlagSet("jkad-go-peer", flag.ContinueOnError)
	fs.IntVar(&o.port, "port", 0, "listen port of node 0 (node i: port+i); 0 for any")
	fs.StringVar(&o.host, "host", "127.0.0.1", "listen IPv4 address")
	fs.IntVar(&o.nodes, "nodes", 1, "nodes in this process")
	fs.StringVar(&o.keyHex, "key", "", "node 0's private key, the libp2p PrivateKey protobuf in hex")
	fs.StringVar(&o.keyPkcs8Hex, "key-pkcs8", "", "node 0's private key as PKCS#8 DER in hex (RSA, ECDSA, Ed25519)")
	fs.StringVar(&o.keyType, "key-type", "ed25519", "identity key type: ed25519, secp256k1, ecdsa (P-256) or rsa")
	fs.IntVar(&o.rsaBits, "rsa-bits", 2048, "RSA modulus size for --key-type rsa")
	fs.Int64Var(&o.seed, "seed", -1, "deterministic Ed25519 keys: node i's seed is SHA-256 of jkad-interop-(N+i)")
	fs.StringVar(&bootstrap, "bootstrap", "", "multiaddrs (with /p2p/) every node dials after starting")
	fs.BoolVar(&o.interconnect, "interconnect", false, "nodes 1..N-1 dial node 0")
	fs.StringVar(&listen, "listen", "", "node 0's listen multiaddrs, comma-separated (instead of --host/--port)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return o, err
	}
	o.bootstrap = splitList(bootstrap)
	o.listen = splitList(listen)
	if o.nodes < 1 || o.nodes > 1000 {
		return o, fmt.Errorf("--nodes must be in [1, 1000]: %d", o.nodes)
	}
	if (o.keyHex != "" || o.keyPkcs8Hex != "") && o.nodes > 1 {
		return o, errors.New("--key fixes one identity: use --seed with --nodes > 1")
	}
	if len(o.listen) > 0 && o.nodes > 1 {
		return o, errors.New("--listen gives node 0's addresses: use --host/--port with --nodes > 1")
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// privateKey gives node i its identity, as the options say.
func privateKey(o options, i int) (crypto.PrivKey, error) {
	switch {
	case o.keyHex != "":
		raw, err := hex.DecodeString(o.keyHex)
		if err != nil {
			return nil, fmt.Errorf("--key is not hex: %w", err)
		}
		return crypto.UnmarshalPrivateKey(raw)
	case o.keyPkcs8Hex != "":
		raw, err := hex.DecodeString(o.keyPkcs8Hex)
		if err != nil {
			return nil, fmt.Errorf("--key-pkcs8 is not hex: %w", err)
		}
		std, err := x509.ParsePKCS8PrivateKey(raw)
		if err != nil {
			return nil, fmt.Errorf("--key-pkcs8: %w", err)
		}
		priv, _, err := crypto.KeyPairFromStdKey(std)
		return priv, err
	case o.seed >= 0:
		// Ed25519's private key is derived from 32 seed bytes (RFC 8032), read here from the digest.
		digest := sha256.Sum256([]byte(fmt.Sprintf("jkad-interop-%d", o.seed+int64(i))))
		priv, _, err := crypto.GenerateEd25519Key(bytes.NewReader(digest[:]))
		return priv, err
	}
	switch strings.ToLower(o.keyType) {
	case "ed25519":
		priv, _, err := crypto.GenerateKeyPair(crypto.Ed25519, -1)
		return priv, err
	case "secp256k1":
		priv, _, err := crypto.GenerateKeyPair(crypto.Secp256k1, -1)
		return priv, err
	case "ecdsa":
		priv, _, err := crypto.GenerateKeyPair(crypto.ECDSA, -1)
		return priv, err
	case "rsa":
		priv, _, err := crypto.GenerateKeyPair(crypto.RSA, o.rsaBits)
		return priv, err
	}
	return nil, fmt.Errorf("unknown --key-type %q: ed25519, secp256k1, ecdsa or rsa", o.keyType)
}

// permissive accepts every record of the test namespace; the newest put replaces the stored one.
type permissive struct{}

func (permissive) Validate(string, []byte) error        { return nil }
func (permissive) Select(string, [][]byte) (int, error) { return 0, nil }

// node is one libp2p host with its DHT.
type node struct {
	index   int
	host    host.Host
	dht     *dht.IpfsDHT
	store   ds.Batching
	stopped bool
	mu      sync.Mutex
}

func newNode(ctx context.Context, o options, i int) (*node, error) {
	priv, err := privateKey(o, i)
	if err != nil {
		return nil, err
	}
	listen := o.listen
	if len(listen) == 0 {
		port := 0
		if o.port != 0 {
			port = o.port + i
		}
		listen = []string{fmt.Sprintf("/ip4/%s/tcp/%d", o.host, port)}
	}
	h, err := libp2p.New(
		libp2p.Identity(priv),
		libp2p.ListenAddrStrings(listen...),
		// TCP, Noise and Yamux only: no QUIC, WebTransport, WebRTC, TLS or relay.
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.DisableRelay(),
		// go's resource manager caps connections per IP (loopback is exempt, the private addresses
		// of the multi-host test's namespaces are not): the test peers run without it.
		libp2p.ResourceManager(&network.NullResourceManager{}),
		libp2p.UserAgent(agentVersion),
	)
	if err != nil {
		return nil, err
	}
	store := dssync.MutexWrap(ds.NewMapDatastore())
	d, err := dht.New(h,
		// Server mode from the start: the default (auto) waits for AutoNAT to call the node public,
		// which never happens on loopback or private addresses.
		dht.Mode(dht.ModeServer),
		// /ipfs/kad/1.0.0 on the wire, under another prefix: with the /ipfs prefix go accepts
		// exactly the pk and ipns validators (Config.Validate), so no test namespace.
		dht.ProtocolPrefix("/jkad-interop"),
		dht.V1ProtocolOverride(kadProtocol),
		dht.BucketSize(20),
		dht.NamespacedValidator(testNamespace, permissive{}), // pk and ipns stay go's own
		dht.Datastore(store),
	)
	if err != nil {
		h.Close()
		return nil, err
	}
	return &node{index: i, host: h, dht: d, store: store}, nil
}

func (n *node) addrs() []string {
	var out []string
	for _, a := range n.host.Addrs() {
		out = append(out, a.String()+"/p2p/"+n.host.ID().String())
	}
	return out
}

func (n *node) info() map[string]any {
	return map[string]any{"node": n.index, "peerId": n.host.ID().String(), "addrs": n.addrs()}
}

func (n *node) close() {
	n.dht.Close()
	n.host.Close()
}

// ---- output ------------------------------------------------------------------------------

var outMu sync.Mutex

func emit(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"id": nil, "ok": false, "errorName": "Error", "error": err.Error()})
	}
	outMu.Lock()
	defer outMu.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

// namedError carries the error name of the protocol (NotFoundError, TimeoutError, ...).
type namedError struct {
	name string
	msg  string
}

func (e *namedError) Error() string { return e.msg }

func notFound(format string, args ...any) error {
	return &namedError{"NotFoundError", fmt.Sprintf(format, args...)}
}

// ---- argument helpers --------------------------------------------------------------------

type command map[string]any

func (c command) str(name string) (string, error) {
	s, ok := c[name].(string)
	if !ok || s == "" {
		return "", fmt.Errorf("missing %s", name)
	}
	return s, nil
}

func (c command) bytes(name string) ([]byte, error) {
	if s, ok := c[name].(string); ok {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%s is not base64: %s", name, s)
		}
		return b, nil
	}
	if s, ok := c[name+"Utf8"].(string); ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("missing %s (base64) or %sUtf8", name, name)
}

// cid is a provider key: "cid" (CID text) or "key" (multihash bytes, wrapped as a CIDv1 raw).
func (c command) cid() (cid.Cid, error) {
	if s, ok := c["cid"].(string); ok {
		return cid.Decode(s)
	}
	b, err := c.bytes("key")
	if err != nil {
		return cid.Undef, err
	}
	m, err := mh.Cast(b)
	if err != nil {
		return cid.Undef, fmt.Errorf("key is not a multihash: %w", err)
	}
	return cid.NewCidV1(cid.Raw, m), nil
}

func (c command) peer() (peer.ID, error) {
	s, err := c.str("peerId")
	if err != nil {
		return "", err
	}
	id, err := peer.Decode(s)
	if err != nil {
		return "", fmt.Errorf("bad peerId %s: %w", s, err)
	}
	return id, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func ids(ps []peer.ID) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func addrStrings(as []ma.Multiaddr) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

func (n *node) peerInfo(id peer.ID, known []ma.Multiaddr) map[string]any {
	if len(known) == 0 {
		known = n.host.Peerstore().Addrs(id)
	}
	return map[string]any{"peerId": id.String(), "addrs": addrStrings(known)}
}

// ---- commands ----------------------------------------------------------------------------

func (n *node) run(ctx context.Context, c command) (any, error) {
	name, _ := c["cmd"].(string)
	switch name {
	case "info":
		r := n.info()
		r["mode"] = "server"
		return r, nil

	case "dial", "connect":
		s, err := c.str("addr")
		if err != nil {
			return nil, err
		}
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, err
		}
		ai, err := peer.AddrInfoFromP2pAddr(a)
		if err != nil {
			return nil, err
		}
		if err := n.host.Connect(ctx, *ai); err != nil {
			return nil, err
		}
		remote := ""
		if conns := n.host.Network().ConnsToPeer(ai.ID); len(conns) > 0 {
			remote = conns[0].RemoteMultiaddr().String()
		}
		return map[string]any{"peerId": ai.ID.String(), "remoteAddr": remote}, nil

	case "addPeer":
		id, err := c.peer()
		if err != nil {
			return nil, err
		}
		if list, ok := c["addrs"].([]any); ok {
			for _, v := range list {
				if s, ok := v.(string); ok {
					if a, err := ma.NewMultiaddr(s); err == nil {
						n.host.Peerstore().AddAddr(id, a, peerstore.PermanentAddrTTL)
					}
				}
			}
		}
		// go takes a peer into its routing table only once it is known to speak the protocol:
		// connect first so that Identify tells.
		if err := n.host.Connect(ctx, peer.AddrInfo{ID: id}); err != nil {
			return map[string]any{"added": false, "error": err.Error()}, nil
		}
		if _, err := n.dht.RoutingTable().TryAddPeer(id, true, false); err != nil {
			return map[string]any{"added": false, "error": err.Error()}, nil
		}
		return map[string]any{"added": n.dht.RoutingTable().Find(id) != ""}, nil

	case "routingTable":
		ps := n.dht.RoutingTable().ListPeers()
		return map[string]any{"size": len(ps), "peers": ids(ps)}, nil

	case "put":
		key, err := c.bytes("key")
		if err != nil {
			return nil, err
		}
		value, err := c.bytes("value")
		if err != nil {
			return nil, err
		}
		// go publishes a Value query event for each peer it sends PUT_VALUE to (before the send; it
		// does not report which acknowledged): storedAt lists those peers.
		qctx, qcancel := context.WithCancel(ctx)
		defer qcancel()
		evCtx, events := routing.RegisterForQueryEvents(qctx) // closed when qctx ends
		var sent []string
		done := make(chan struct{})
		go func() {
			for e := range events {
				if e.Type == routing.Value {
					sent = append(sent, e.ID.String())
				}
			}
			close(done)
		}()
		err = n.dht.PutValue(evCtx, string(key), value)
		qcancel()
		<-done
		if err != nil {
			return nil, err
		}
		return map[string]any{"storedAt": dedupe(sent), "errors": []string{}}, nil

	case "get":
		key, err := c.bytes("key")
		if err != nil {
			return nil, err
		}
		v, err := n.dht.GetValue(ctx, string(key))
		if errors.Is(err, routing.ErrNotFound) {
			return nil, notFound("no value for key %s", b64(key))
		}
		if err != nil {
			return nil, err
		}
		// go's GetValue does not say which peers returned a record.
		return map[string]any{"value": b64(v), "from": []string{}, "selectedFrom": nil}, nil

	case "getLocal":
		key, err := c.bytes("key")
		if err != nil {
			return nil, err
		}
		return n.getLocal(ctx, key)

	case "provide":
		k, err := c.cid()
		if err != nil {
			return nil, err
		}
		// go's Provide sends ADD_PROVIDER to the closest peers of its own lookup and reports none
		// of them: sentTo is the result of a closest-peers lookup run just before.
		closest, _ := n.dht.GetClosestPeers(ctx, string(k.Hash()))
		if err := n.dht.Provide(ctx, k, true); err != nil {
			return nil, err
		}
		return map[string]any{"cid": k.String(), "multihash": b64(k.Hash()), "sentTo": ids(closest)}, nil

	case "findProviders":
		k, err := c.cid()
		if err != nil {
			return nil, err
		}
		limit := 0
		if f, ok := c["limit"].(float64); ok && f > 0 {
			limit = int(f)
		}
		var found []any
		for ai := range n.dht.FindProvidersAsync(ctx, k, limit) {
			found = append(found, n.peerInfo(ai.ID, ai.Addrs))
		}
		if found == nil {
			found = []any{}
		}
		return map[string]any{"providers": found}, nil

	case "localProviders":
		k, err := c.cid()
		if err != nil {
			return nil, err
		}
		ais, err := n.dht.ProviderStore().GetProviders(ctx, k.Hash())
		if err != nil {
			return nil, err
		}
		out := []string{}
		for _, ai := range ais {
			out = append(out, ai.ID.String())
		}
		return map[string]any{"providers": out}, nil

	case "getClosestPeers":
		key, err := c.bytes("key")
		if err != nil {
			return nil, err
		}
		ps, err := n.dht.GetClosestPeers(ctx, string(key))
		if err != nil {
			return nil, err
		}
		out := []any{}
		for _, p := range ps {
			out = append(out, n.peerInfo(p, nil))
		}
		return map[string]any{"peers": out}, nil

	case "findPeer":
		id, err := c.peer()
		if err != nil {
			return nil, err
		}
		ai, err := n.dht.FindPeer(ctx, id)
		if errors.Is(err, routing.ErrNotFound) {
			return nil, notFound("peer not found: %s", id)
		}
		if err != nil {
			return nil, err
		}
		return n.peerInfo(ai.ID, ai.Addrs), nil

	case "ping":
		var id peer.ID
		if s, ok := c["addr"].(string); ok {
			a, err := ma.NewMultiaddr(s)
			if err != nil {
				return nil, err
			}
			ai, err := peer.AddrInfoFromP2pAddr(a)
			if err != nil {
				return nil, err
			}
			if err := n.host.Connect(ctx, *ai); err != nil {
				return nil, err
			}
			id = ai.ID
		} else {
			p, err := c.peer()
			if err != nil {
				return nil, err
			}
			id = p
		}
		select {
		case r := <-ping.Ping(ctx, n.host, id):
			if r.Error != nil {
				return nil, r.Error
			}
			return map[string]any{"rttMs": r.RTT.Milliseconds()}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}

	case "peerStore":
		id, err := c.peer()
		if err != nil {
			return nil, err
		}
		ps := n.host.Peerstore()
		protos, _ := ps.GetProtocols(id)
		addrs := ps.Addrs(id)
		if len(protos) == 0 && len(addrs) == 0 {
			return nil, notFound("%s is not in the peer store", id)
		}
		text := func(k string) any {
			if v, err := ps.Get(id, k); err == nil {
				if s, ok := v.(string); ok {
					return s
				}
			}
			return nil
		}
		protoList := []string{}
		for _, p := range protos {
			protoList = append(protoList, string(p))
		}
		return map[string]any{"peerId": id.String(), "protocols": protoList, "addrs": addrStrings(addrs),
			"agentVersion": text("AgentVersion"), "protocolVersion": text("ProtocolVersion")}, nil

	case "stopNode":
		n.mu.Lock()
		n.stopped = true
		n.mu.Unlock()
		n.close()
		return map[string]any{"node": n.index}, nil

	case "peers":
		return map[string]any{"peers": ids(n.host.Network().Peers())}, nil

	case "connections":
		out := []any{}
		for _, conn := range n.host.Network().Conns() {
			dir := "outbound"
			if conn.Stat().Direction == network.DirInbound {
				dir = "inbound"
			}
			state := conn.ConnState()
			out = append(out, map[string]any{"peerId": conn.RemotePeer().String(),
				"remoteAddr": conn.RemoteMultiaddr().String(), "direction": dir, "status": "open",
				"encryption":  "/" + strings.TrimPrefix(string(state.Security), "/"),
				"multiplexer": string(state.StreamMultiplexer)})
		}
		return map[string]any{"connections": out}, nil
	}
	return nil, fmt.Errorf("unknown command: %s; known: info, dial, connect, addPeer, routingTable, put, get, "+
		"getLocal, provide, findProviders, localProviders, getClosestPeers, findPeer, ping, peerStore, stopNode, "+
		"peers, connections, stop", name)
}

// getLocal reads the record this node stores under key, through go's own value store over the
// node's datastore (the same layout and expiry as the DHT's; 48 h is go's default MaxRecordAge).
func (n *node) getLocal(ctx context.Context, key []byte) (any, error) {
	rec, err := records.NewValueStore(n.store, permissive{}, 48*time.Hour).Get(ctx, string(key))
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return map[string]any{"found": false}, nil
	}
	var received any
	if rec.GetTimeReceived() != "" {
		received = rec.GetTimeReceived()
	}
	return map[string]any{"found": true, "value": b64(rec.GetValue()), "timeReceived": received}, nil
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ---- main --------------------------------------------------------------------------------

func main() {
	o, err := parseOptions()
	if err != nil {
		fmt.Fprintf(os.Stderr, "jkad-go-peer: %v\n", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var nodes []*node
	for i := 0; i < o.nodes; i++ {
		n, err := newNode(ctx, o, i)
		if err != nil {
			fmt.Fprintf(os.Stderr, "jkad-go-peer: start failed: %v\n", err)
			for _, m := range nodes {
				m.close()
			}
			os.Exit(1)
		}
		nodes = append(nodes, n)
	}

	// Bootstrap: every node dials the given addresses; with --interconnect, nodes 1..N-1 dial node 0.
	var wg sync.WaitGroup
	for i, n := range nodes {
		targets := append([]string{}, o.bootstrap...)
		if o.interconnect && i > 0 {
			targets = append(targets, nodes[0].addrs()[0])
		}
		for _, t := range targets {
			wg.Add(1)
			go func(n *node, t string) {
				defer wg.Done()
				a, err := ma.NewMultiaddr(t)
				if err == nil {
					var ai *peer.AddrInfo
					if ai, err = peer.AddrInfoFromP2pAddr(a); err == nil {
						dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
						err = n.host.Connect(dctx, *ai)
						dcancel()
					}
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "jkad-go-peer: node %d could not dial %s: %v\n", n.index, t, err)
				}
			}(n, t)
		}
	}
	wg.Wait()

	infos := make([]any, 0, len(nodes))
	for _, n := range nodes {
		infos = append(infos, n.info())
	}
	emit(map[string]any{"event": "ready", "peerId": nodes[0].host.ID().String(), "addrs": nodes[0].addrs(),
		"nodes": infos})

	stopAll := func(code int) {
		for _, n := range nodes {
			n.mu.Lock()
			stopped := n.stopped
			n.mu.Unlock()
			if !stopped {
				n.close()
			}
		}
		os.Exit(code)
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	var stopping sync.Once
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		var c command
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			emit(map[string]any{"id": nil, "ok": false, "errorName": "SyntaxError", "error": "not JSON: " + err.Error()})
			continue
		}
		id := c["id"]
		if name, _ := c["cmd"].(string); name == "stop" {
			emit(map[string]any{"id": id, "ok": true, "result": map[string]any{}})
			stopping.Do(func() { stopAll(0) })
			return
		}
		go handle(ctx, nodes, c, id)
	}
	stopping.Do(func() { stopAll(0) })
}

func handle(ctx context.Context, nodes []*node, c command, id any) {
	fail := func(name string, err error) {
		emit(map[string]any{"id": id, "ok": false, "errorName": name, "error": err.Error()})
	}
	if _, ok := c["cmd"].(string); !ok {
		fail("Error", errors.New(`a command needs a "cmd" string`))
		return
	}
	index := 0
	if v, ok := c["node"]; ok {
		f, isNum := v.(float64)
		if !isNum || f != float64(int(f)) || int(f) < 0 || int(f) >= len(nodes) {
			fail("Error", fmt.Errorf("no node %v: 0..%d", v, len(nodes)-1))
			return
		}
		index = int(f)
	}
	n := nodes[index]
	n.mu.Lock()
	stopped := n.stopped
	n.mu.Unlock()
	if stopped {
		fail("NodeStoppedError", fmt.Errorf("node %d was stopped", index))
		return
	}
	timeout := 30 * time.Second
	if v, ok := c["timeoutMs"]; ok {
		f, isNum := v.(float64)
		if !isNum || f <= 0 {
			fail("Error", fmt.Errorf("timeoutMs must be a positive integer: %v", v))
			return
		}
		timeout = time.Duration(f) * time.Millisecond
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	result, err := n.run(cctx, c)
	if err != nil {
		var ne *namedError
		switch {
		case errors.As(err, &ne):
			fail(ne.name, err)
		case errors.Is(err, context.DeadlineExceeded) || cctx.Err() != nil:
			fail("TimeoutError", fmt.Errorf("%v timed out after %s: %w", c["cmd"], timeout, err))
		default:
			fail("Error", err)
		}
		return
	}
	emit(map[string]any{"id": id, "ok": true, "result": result})
}
