package io.jkad.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.protocol.KadProtocolException.Kind;
import io.jkad.util.Varint;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class LengthPrefixTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void frameIsUvarintLengthThenMessage() {
        assertThat(LengthPrefix.frame(new byte[0])).isEqualTo(HEX.parseHex("00"));
        assertThat(LengthPrefix.frame(HEX.parseHex("0804"))).isEqualTo(HEX.parseHex("020804"));
        byte[] big = new byte[300];
        assertThat(LengthPrefix.frame(big)).startsWith(HEX.parseHex("ac02")).hasSize(302);
        assertThat(LengthPrefix.prefixSize(127)).isEqualTo(1);
        assertThat(LengthPrefix.prefixSize(128)).isEqualTo(2);
        assertThat(LengthPrefix.prefixSize(Integer.MAX_VALUE)).isEqualTo(5);
        assertThatThrownBy(() -> LengthPrefix.prefixSize(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Property
    void prefixAgreesWithVarint(@ForAll @IntRange(min = 0) int length) {
        assertThat(LengthPrefix.prefixSize(length)).isEqualTo(Varint.size(length));
        byte[] message = new byte[length % 1000];
        assertThat(LengthPrefix.frame(message)).startsWith(Varint.encode(message.length))
                .hasSize(Varint.size(message.length) + message.length);
    }

    @Property
    void framesArrivingInPiecesAreReadWhole(@ForAll @Size(max = 600) byte[] message, @ForAll @IntRange(min = 1, max = 50) int piece)
            throws Exception {
        byte[] frame = LengthPrefix.frame(message);
        ByteBuffer buffer = ByteBuffer.allocate(frame.length * 2);
        byte[] got = null;
        int fed = 0;
        while (got == null) {
            assertThat(fed).isLessThanOrEqualTo(frame.length);
            int n = Math.min(piece, frame.length - fed);
            buffer.put(frame, fed, n);
            fed += n;
            buffer.flip();
            Optional<byte[]> read = LengthPrefix.readFrame(buffer, 1024);
            if (read.isPresent()) {
                got = read.get();
            } else {
                assertThat(buffer.position()).isZero(); // nothing consumed while incomplete
            }
            buffer.compact();
        }
        assertThat(got).isEqualTo(message);
        assertThat(fed).isEqualTo(frame.length);
    }

    @Test
    void twoFramesInOneBuffer() throws Exception {
        ByteBuffer buffer = ByteBuffer.wrap(HEX.parseHex("02aabb" + "01cc" + "05"));
        assertThat(LengthPrefix.readFrame(buffer, 10)).hasValueSatisfying(m -> assertThat(m).isEqualTo(HEX.parseHex("aabb")));
        assertThat(LengthPrefix.readFrame(buffer, 10)).hasValueSatisfying(m -> assertThat(m).isEqualTo(HEX.parseHex("cc")));
        assertThat(LengthPrefix.readFrame(buffer, 10)).isEmpty();
        assertThat(buffer.remaining()).isEqualTo(1);
    }

    @Test
    void oversizedFrameFailsBeforeItsBodyArrives() {
        // announces 4 MiB + 1 with no body yet
        ByteBuffer buffer = ByteBuffer.wrap(Varint.encode(4 * 1024 * 1024 + 1));
        assertThatThrownBy(() -> LengthPrefix.readFrame(buffer, 4 * 1024 * 1024))
                .isInstanceOfSatisfying(KadProtocolException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TOO_LARGE))
                .hasMessageContaining("frame of 4194305 bytes exceeds the maximum message size of 4194304");
        assertThat(buffer.position()).isZero();
    }

    @Test
    void hugePrefixFailsWhileStillArriving() {
        // the first two bytes already say "at least 2^14 * 0x7f": over a 1000-byte limit
        ByteBuffer buffer = ByteBuffer.wrap(HEX.parseHex("ffff"));
        assertThatThrownBy(() -> LengthPrefix.readFrame(buffer, 1000))
                .isInstanceOfSatisfying(KadProtocolException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TOO_LARGE));
    }

    @Test
    void badPrefixes() {
        assertThatThrownBy(() -> LengthPrefix.readFrame(ByteBuffer.wrap(HEX.parseHex("8000")), 100))
                .isInstanceOfSatisfying(KadProtocolException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED))
                .hasMessageContaining("not minimally encoded");
        assertThatThrownBy(() -> LengthPrefix.readFrame(ByteBuffer.wrap(HEX.parseHex("8080808080")), Integer.MAX_VALUE))
                .isInstanceOfSatisfying(KadProtocolException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED))
                .hasMessageContaining("longer than 5 bytes");
    }

    @Test
    void streams() throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(HEX.parseHex("02aabb" + "00"));
        assertThat(LengthPrefix.readFrame(in, 10)).hasValueSatisfying(m -> assertThat(m).isEqualTo(HEX.parseHex("aabb")));
        assertThat(LengthPrefix.readFrame(in, 10)).hasValueSatisfying(m -> assertThat(m).isEmpty());
        assertThat(LengthPrefix.readFrame(in, 10)).isEmpty(); // clean end

        assertThatThrownBy(() -> LengthPrefix.readFrame(new ByteArrayInputStream(HEX.parseHex("05aabb")), 10))
                .isInstanceOf(EOFException.class).hasMessageContaining("after 2 of 5 message bytes");
        assertThatThrownBy(() -> LengthPrefix.readFrame(new ByteArrayInputStream(HEX.parseHex("80")), 10))
                .isInstanceOf(EOFException.class).hasMessageContaining("inside a length prefix");
        assertThatThrownBy(() -> LengthPrefix.readFrame(new ByteArrayInputStream(HEX.parseHex("0b")), 10))
                .isInstanceOfSatisfying(KadProtocolException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TOO_LARGE));
        assertThatThrownBy(() -> LengthPrefix.readFrame(new ByteArrayInputStream(HEX.parseHex("8000")), 10))
                .isInstanceOfSatisfying(KadProtocolException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED));
    }
}
