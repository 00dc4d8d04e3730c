// Command ipns makes, validates and selects IPNS records with boxo's ipns package, go's own IPNS
// code, for jkad's IpnsGoIT. It reads one JSON request on stdin and writes one JSON answer:
//
//	{"make":   [{"key_type": "ed25519|secp256k1|ecdsa|rsa", "value": "/ipfs/…", "sequence": 1,
//	             "validity": "RFC 3339", "ttl_s": 300, "v1": true, "reuse": 0}],
//	 "check":  [{"key_hex": "…", "record_hex": "…"}],
//	 "select": [{"key_hex": "…", "records_hex": ["…"]}]}
//
// ("reuse": sign with the key of that earlier entry) and answers {"made": [{key_type, name, peer_id, key_hex, record_hex}], "checked": [{valid,
// error}], "selected": [{index, error}]}.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ipfs/boxo/ipns"
	"github.com/ipfs/boxo/path"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

type makeReq struct {
	KeyType  string `json:"key_type"`
	Value    string `json:"value"`
	Sequence uint64 `json:"sequence"`
	Validity string `json:"validity"`
	TTLs     int64  `json:"ttl_s"`
	V1       bool   `json:"v1"`
	// Reuse, when set, signs with the key of that earlier entry instead of a new one.
	Reuse *int `json:"reuse"`
}

type checkReq struct {
	KeyHex    string `json:"key_hex"`
	RecordHex string `json:"record_hex"`
}

type selectReq struct {
	KeyHex     string   `json:"key_hex"`
	RecordsHex []string `json:"records_hex"`
}

type request struct {
	Make   []makeReq   `json:"make"`
	Check  []checkReq  `json:"check"`
	Select []selectReq `json:"select"`
}

type made struct {
	KeyType   string `json:"key_type"`
	Name      string `json:"name"`
	PeerID    string `json:"peer_id"`
	KeyHex    string `json:"key_hex"`
	RecordHex string `json:"record_hex"`
}

type checked struct {
	Valid bool   `json:"valid"`
	Error string `json:"error"`
}

type selected struct {
	Index int    `json:"index"`
	Error string `json:"error"`
}

type answer struct {
	Made     []made     `json:"made"`
	Checked  []checked  `json:"checked"`
	Selected []selected `json:"selected"`
}

func keyPair(kind string) (crypto.PrivKey, error) {
	switch kind {
	case "ed25519":
		sk, _, err := crypto.GenerateKeyPair(crypto.Ed25519, -1)
		return sk, err
	case "secp256k1":
		sk, _, err := crypto.GenerateKeyPair(crypto.Secp256k1, -1)
		return sk, err
	case "ecdsa":
		sk, _, err := crypto.GenerateKeyPair(crypto.ECDSA, -1)
		return sk, err
	case "rsa":
		sk, _, err := crypto.GenerateKeyPair(crypto.RSA, 2048)
		return sk, err
	}
	return nil, fmt.Errorf("unknown key type %q", kind)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ipns:", err)
	os.Exit(1)
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	ans := answer{Made: []made{}, Checked: []checked{}, Selected: []selected{}}
	var keys []crypto.PrivKey
	for _, m := range req.Make {
		var sk crypto.PrivKey
		var err error
		if m.Reuse != nil {
			sk = keys[*m.Reuse]
		} else if sk, err = keyPair(m.KeyType); err != nil {
			fail(err)
		}
		keys = append(keys, sk)
		id, err := peer.IDFromPrivateKey(sk)
		if err != nil {
			fail(err)
		}
		value, err := path.NewPath(m.Value)
		if err != nil {
			fail(err)
		}
		eol, err := time.Parse(time.RFC3339Nano, m.Validity)
		if err != nil {
			fail(err)
		}
		rec, err := ipns.NewRecord(sk, value, m.Sequence, eol, time.Duration(m.TTLs)*time.Second,
			ipns.WithV1Compatibility(m.V1))
		if err != nil {
			fail(err)
		}
		data, err := ipns.MarshalRecord(rec)
		if err != nil {
			fail(err)
		}
		name := ipns.NameFromPeer(id)
		ans.Made = append(ans.Made, made{KeyType: m.KeyType, Name: name.String(), PeerID: id.String(),
			KeyHex: hex.EncodeToString(name.RoutingKey()), RecordHex: hex.EncodeToString(data)})
	}
	validator := ipns.Validator{}
	for _, c := range req.Check {
		key, err1 := hex.DecodeString(c.KeyHex)
		rec, err2 := hex.DecodeString(c.RecordHex)
		if err1 != nil || err2 != nil {
			fail(fmt.Errorf("bad hex in %+v", c))
		}
		if err := validator.Validate(string(key), rec); err != nil {
			ans.Checked = append(ans.Checked, checked{Valid: false, Error: err.Error()})
		} else {
			ans.Checked = append(ans.Checked, checked{Valid: true})
		}
	}
	for _, s := range req.Select {
		key, err := hex.DecodeString(s.KeyHex)
		if err != nil {
			fail(err)
		}
		var vals [][]byte
		for _, r := range s.RecordsHex {
			b, err := hex.DecodeString(r)
			if err != nil {
				fail(err)
			}
			vals = append(vals, b)
		}
		i, err := validator.Select(string(key), vals)
		e := ""
		if err != nil {
			e = err.Error()
		}
		ans.Selected = append(ans.Selected, selected{Index: i, Error: e})
	}
	if err := json.NewEncoder(os.Stdout).Encode(ans); err != nil {
		fail(err)
	}
}
