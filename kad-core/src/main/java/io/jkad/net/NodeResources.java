package io.jkad.net;

import java.util.EnumMap;
import java.util.Map;

/**
 * What a {@link KademliaNode}'s host holds and has refused, and the bytes it has moved, read at one
 * moment from any thread ({@link KademliaNode#resources()}): a read-only view of the host's
 * {@link ResourceManager} and admission counters.
 *
 * @param usage what connections and streams hold now
 * @param limits the resource manager's limits
 * @param refusals the resource manager's refusals so far, by the scope that was full and the resource
 * @param admission inbound connections admission refused or dropped so far
 * @param bytesReceived bytes read from all connections since the host started
 * @param bytesSent bytes written to all connections since the host started
 * @param connectionsSecured connections, dialed and accepted, whose Noise handshake completed since the
 *     host started
 */
public record NodeResources(ResourceManager.Usage usage, ResourceLimits limits,
                            Map<ResourceManager.Scope, Map<ResourceManager.Resource, Long>> refusals,
                            Host.AdmissionCounts admission, long bytesReceived, long bytesSent,
                            long connectionsSecured) {

    public NodeResources {
        Map<ResourceManager.Scope, Map<ResourceManager.Resource, Long>> copy = new EnumMap<>(ResourceManager.Scope.class);
        refusals.forEach((scope, byResource) -> copy.put(scope, Map.copyOf(byResource)));
        refusals = Map.copyOf(copy);
    }

    /** Reads the host's counters now. */
    static NodeResources of(Host host) {
        ResourceManager r = host.resources();
        return new NodeResources(r.usage(), r.limits(), r.refusals(), host.admission(), host.bytesReceived(),
                host.bytesSent(), host.connectionsSecured());
    }

    /** A refusal count of {@code resource} in {@code scope} (0 when there was none). */
    public long refusals(ResourceManager.Scope scope, ResourceManager.Resource resource) {
        return refusals.getOrDefault(scope, Map.of()).getOrDefault(resource, 0L);
    }

    /** Every refusal so far: the resource manager's and admission's. */
    public long totalRefusals() {
        long sum = admission.rateLimited() + admission.handshakeTimeouts() + admission.handshakeFailures();
        for (Map<ResourceManager.Resource, Long> byResource : refusals.values()) {
            for (long n : byResource.values()) {
                sum += n;
            }
        }
        return sum;
    }
}
