package io.jkad.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.multiaddr.Multiaddr;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressesTest {

    private final Multiaddr a = address(4001);
    private final Multiaddr b = address(4002);
    private final Multiaddr c = address(4003);
    private final Multiaddr d = address(4004);

    /**
     * A distinct address. Multiaddr parsing is built on another branch; until it is merged, the
     * outline's Multiaddr (identity equality) is instantiated reflectively, which is all these
     * tests need: distinct, unequal values.
     */
    static Multiaddr address(int port) {
        try {
            return Multiaddr.parse("/ip4/127.0.0.1/tcp/" + port);
        } catch (UnsupportedOperationException notYetImplemented) {
            try {
                Constructor<Multiaddr> ctor = Multiaddr.class.getDeclaredConstructor();
                ctor.setAccessible(true);
                return ctor.newInstance();
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("cannot make a test Multiaddr", e);
            }
        }
    }

    @Test
    void ofOneAddress() {
        Addresses x = Addresses.of(a);
        assertThat(x.first()).isEqualTo(a);
        assertThat(x.asList()).containsExactly(a);
        assertThat(x.size()).isEqualTo(1);
        assertThat(x.contains(a)).isTrue();
        assertThat(x.contains(b)).isFalse();
        assertThatThrownBy(() -> Addresses.of((Multiaddr) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void ofAListKeepsTheOrderAndDropsDuplicates() {
        Addresses x = Addresses.of(List.of(b, a, b, c, a));
        assertThat(x.asList()).containsExactly(b, a, c);
        assertThat(x.first()).isEqualTo(b);
        assertThat(x.size()).isEqualTo(3);
    }

    @Test
    void ofAnEmptyListIsRejected() {
        assertThatThrownBy(() -> Addresses.of(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[]");
        List<Multiaddr> withNull = new ArrayList<>();
        withNull.add(a);
        withNull.add(null);
        assertThatThrownBy(() -> Addresses.of(withNull)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void isImmutable() {
        List<Multiaddr> source = new ArrayList<>(List.of(a, b));
        Addresses x = Addresses.of(source);
        source.add(c);
        assertThat(x.asList()).containsExactly(a, b);
        assertThatThrownBy(() -> x.asList().add(c)).isInstanceOf(UnsupportedOperationException.class);
        x.with(c);
        x.without(a);
        x.replace(a, d);
        assertThat(x.asList()).containsExactly(a, b);
    }

    @Test
    void withAppends() {
        Addresses x = Addresses.of(a).with(b).with(c);
        assertThat(x.asList()).containsExactly(a, b, c);
        assertThat(x.with(b)).isSameAs(x);
    }

    @Test
    void withoutRemovesButNeverTheLastAddress() {
        Addresses x = Addresses.of(List.of(a, b, c));
        assertThat(x.without(b).orElseThrow().asList()).containsExactly(a, c);
        assertThat(x.without(a).orElseThrow().first()).isEqualTo(b);
        assertThat(x.without(d)).containsSame(x);
        Addresses single = Addresses.of(a);
        assertThat(single.without(a)).isEmpty();
        assertThat(single.without(b)).containsSame(single);
    }

    @Test
    void replaceWorksInPlace() {
        Addresses x = Addresses.of(List.of(a, b, c));
        assertThat(x.replace(b, d).asList()).containsExactly(a, d, c);
        assertThat(x.replace(d, a)).isSameAs(x);
        assertThat(x.replace(b, b)).isSameAs(x);
        // Replacing with an address already present elsewhere keeps the list duplicate-free.
        assertThat(x.replace(a, c).asList()).containsExactly(c, b);
        assertThat(Addresses.of(a).replace(a, b).asList()).containsExactly(b);
    }

    @Test
    void equalityIsOnTheList() {
        assertThat(Addresses.of(List.of(a, b))).isEqualTo(Addresses.of(a).with(b))
                .hasSameHashCodeAs(Addresses.of(a).with(b))
                .isNotEqualTo(Addresses.of(List.of(b, a)));
    }

    @Test
    void aFullListDropsItsOldestAddress() {
        Addresses x = Addresses.of(a, 3).with(b).with(c);
        assertThat(x.with(d).asList()).containsExactly(b, c, d);
        assertThat(x.with(d).maxSize()).isEqualTo(3);
        assertThat(x.with(b)).isSameAs(x);
        assertThat(Addresses.of(List.of(a, b, c, d, a), 2).asList()).containsExactly(c, d);
        assertThat(Addresses.of(a).maxSize()).isEqualTo(Addresses.DEFAULT_MAX_SIZE);
        assertThatThrownBy(() -> Addresses.of(a, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Issue 11: 60 Identify pushes of 7,400 addresses each, merged one address at a time as the
     * routing table does: the list never grows past its cap and ends with the newest addresses.
     */
    @Test
    void sixtyPushesOfSevenThousandFourHundredAddressesStayCapped() {
        Addresses x = Addresses.of(address(1));
        for (int push = 0; push < 60; push++) {
            for (int i = 0; i < 7_400; i++) {
                x = x.with(Multiaddr.parse("/ip4/10." + (push % 250) + "." + (i >> 8) + "." + (i & 0xFF) + "/tcp/4001"));
                assertThat(x.size()).isLessThanOrEqualTo(Addresses.DEFAULT_MAX_SIZE);
            }
        }
        assertThat(x.size()).isEqualTo(Addresses.DEFAULT_MAX_SIZE);
        assertThat(x.asList().get(Addresses.DEFAULT_MAX_SIZE - 1)).isEqualTo(Multiaddr.parse("/ip4/10.59.28.231/tcp/4001"));
    }
}
