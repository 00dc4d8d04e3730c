// Command cids prints, as one JSON array, the CIDs go-cid makes of the sha2-256 of each argument's
// UTF-8 bytes: CIDv0, and CIDv1 (raw and dag-pb) in each common multibase. CidInteropIT reads them.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multibase"
	"github.com/multiformats/go-multihash"
)

type entry struct {
	Text         string `json:"text"`
	Version      uint64 `json:"version"`
	Codec        uint64 `json:"codec"`
	MultihashHex string `json:"multihash_hex"`
	Canonical    bool   `json:"canonical"`
}

func main() {
	bases := []multibase.Encoding{multibase.Base16, multibase.Base16Upper, multibase.Base32, multibase.Base32Upper,
		multibase.Base36, multibase.Base36Upper, multibase.Base58BTC, multibase.Base64, multibase.Base64pad,
		multibase.Base64url, multibase.Base64urlPad}
	var out []entry
	for _, text := range os.Args[1:] {
		mh, err := multihash.Sum([]byte(text), multihash.SHA2_256, -1)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		h := hex.EncodeToString(mh)
		out = append(out, entry{cid.NewCidV0(mh).String(), 0, cid.DagProtobuf, h, true})
		for _, codec := range []uint64{cid.Raw, cid.DagProtobuf} {
			c := cid.NewCidV1(codec, mh)
			out = append(out, entry{c.String(), 1, codec, h, true})
			for _, b := range bases {
				s, err := c.StringOfBase(b)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				out = append(out, entry{s, 1, codec, h, false})
			}
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
