package io.jkad.net;

import com.google.protobuf.CodedInputStream;
import io.jkad.identity.Ed25519PublicKey;
import io.jkad.identity.PeerId;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;

/**
 * A remote peer's identity key as carried in the Noise payload and in Identify: the libp2p
 * {@code PublicKey} protobuf. Ed25519 (what go, rust and js use by default), RSA and ECDSA keys
 * are verified with the JDK; secp256k1 is refused (the JDK has no such curve).
 */
final class PeerKeys {

    static final int TYPE_RSA = 0;
    static final int TYPE_ED25519 = 1;
    static final int TYPE_SECP256K1 = 2;
    static final int TYPE_ECDSA = 3;

    /** A decoded remote key: its peer id and how to verify its signatures. */
    static final class RemoteKey {
        private final PeerId peerId;
        private final int type;
        private final Ed25519PublicKey ed25519;
        private final PublicKey jdkKey;

        private RemoteKey(PeerId peerId, int type, Ed25519PublicKey ed25519, PublicKey jdkKey) {
            this.peerId = peerId;
            this.type = type;
            this.ed25519 = ed25519;
            this.jdkKey = jdkKey;
        }

        PeerId peerId() {
            return peerId;
        }

        /** Verifies a signature with this key; false for a bad or malformed signature. */
        boolean verify(byte[] data, byte[] signature) {
            if (ed25519 != null) {
                return ed25519.verify(data, signature);
            }
            try {
                Signature s = Signature.getInstance(type == TYPE_RSA ? "SHA256withRSA" : "SHA256withECDSA");
                s.initVerify(jdkKey);
                s.update(data);
                return s.verify(signature);
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }
    }

    private PeerKeys() {}

    /**
     * Decodes a libp2p {@code PublicKey} protobuf.
     *
     * @throws IllegalArgumentException if it is malformed or of an unsupported type
     */
    static RemoteKey decode(byte[] protobuf) {
        int type = -1;
        byte[] data = null;
        try {
            CodedInputStream in = CodedInputStream.newInstance(protobuf);
            int tag;
            while ((tag = in.readTag()) != 0) {
                if (tag == 0x08) {
                    type = in.readEnum();
                } else if (tag == 0x12) {
                    data = in.readByteArray();
                } else if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed PublicKey protobuf: " + e.getMessage(), e);
        }
        if (type < 0 || data == null) {
            throw new IllegalArgumentException("PublicKey protobuf lacks " + (type < 0 ? "Type" : "Data"));
        }
        switch (type) {
            case TYPE_ED25519: {
                Ed25519PublicKey key = Ed25519PublicKey.fromRaw(data);
                return new RemoteKey(PeerId.fromPublicKey(key), type, key, null);
            }
            case TYPE_RSA:
            case TYPE_ECDSA: {
                PublicKey key;
                try {
                    key = KeyFactory.getInstance(type == TYPE_RSA ? "RSA" : "EC")
                            .generatePublic(new X509EncodedKeySpec(data));
                } catch (GeneralSecurityException e) {
                    throw new IllegalArgumentException("malformed " + (type == TYPE_RSA ? "RSA" : "ECDSA")
                            + " public key: " + e.getMessage(), e);
                }
                return new RemoteKey(peerIdOfProtobuf(protobuf), type, null, key);
            }
            case TYPE_SECP256K1:
                throw new IllegalArgumentException("secp256k1 identity keys are not supported");
            default:
                throw new IllegalArgumentException("unknown identity key type: " + type);
        }
    }

    /** The peer id of a serialized key: identity multihash up to 42 bytes, SHA-256 above. */
    private static PeerId peerIdOfProtobuf(byte[] protobuf) {
        byte[] mh;
        if (protobuf.length <= 42) {
            mh = new byte[2 + protobuf.length];
            mh[0] = 0x00;
            mh[1] = (byte) protobuf.length;
            System.arraycopy(protobuf, 0, mh, 2, protobuf.length);
        } else {
            byte[] digest;
            try {
                digest = MessageDigest.getInstance("SHA-256").digest(protobuf);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("SHA-256 is not available", e);
            }
            mh = new byte[34];
            mh[0] = 0x12;
            mh[1] = 0x20;
            System.arraycopy(digest, 0, mh, 2, 32);
        }
        return PeerId.fromBytes(mh);
    }
}
