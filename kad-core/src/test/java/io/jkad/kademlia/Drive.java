package io.jkad.kademlia;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Driving a {@link Kademlia} by hand in tests: poll it dry, pick actions of a type. */
final class Drive {

    private Drive() {}

    /** Every action {@code k} hands out at {@code now}, until it has none. */
    static List<KademliaAction> drain(Kademlia k, Instant now) {
        List<KademliaAction> out = new ArrayList<>();
        Optional<KademliaAction> a;
        while ((a = k.poll(now)).isPresent()) {
            out.add(a.get());
        }
        return out;
    }

    static <T> List<T> ofType(List<KademliaAction> actions, Class<T> type) {
        return actions.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
