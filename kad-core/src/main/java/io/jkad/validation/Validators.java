package io.jkad.validation;

import io.jkad.record.RecordKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The validators of a node, by namespace, and its policy for keys of no known namespace. A key's
 * namespace is the text between its first two slashes ({@code /ipns/…} is {@code ipns}); a key
 * that does not start with a slash, or has no second one, has none. Immutable and thread-safe.
 */
public final class Validators {

    private static final Validators NONE = new Validators(Map.of(), UnknownNamespacePolicy.ACCEPT);

    private final Map<String, RecordValidator> byNamespace;
    private final UnknownNamespacePolicy policy;

    private Validators(Map<String, RecordValidator> byNamespace, UnknownNamespacePolicy policy) {
        this.byNamespace = byNamespace;
        this.policy = policy;
    }

    /**
     * The given validators (one per namespace) and policy.
     *
     * @throws IllegalArgumentException if two validators claim one namespace
     */
    public static Validators of(Collection<? extends RecordValidator> validators, UnknownNamespacePolicy policy) {
        Map<String, RecordValidator> map = new TreeMap<>();
        for (RecordValidator v : validators) {
            RecordValidator before = map.put(v.namespace(), v);
            if (before != null) {
                throw new IllegalArgumentException("two validators for namespace " + v.namespace() + ": "
                        + before.getClass().getName() + " and " + v.getClass().getName());
            }
        }
        return new Validators(Map.copyOf(map), policy);
    }

    /** Every validator {@link ServiceLoader} finds (the built-in {@code pk} and {@code ipns} among them), with {@code policy}. */
    public static Validators discovered(UnknownNamespacePolicy policy) {
        List<RecordValidator> found = new ArrayList<>();
        ServiceLoader.load(RecordValidator.class, Validators.class.getClassLoader()).forEach(found::add);
        return of(found, policy);
    }

    private static final class BuiltIn {
        static final Validators ACCEPTING = discovered(UnknownNamespacePolicy.ACCEPT);
    }

    /** {@link #discovered} with unknown namespaces accepted, found once per class loader. */
    public static Validators builtIn() {
        return BuiltIn.ACCEPTING;
    }

    /** No validator, every record accepted: the reference's behaviour. */
    public static Validators none() {
        return NONE;
    }

    /** This registry with another policy. */
    public Validators withPolicy(UnknownNamespacePolicy policy) {
        return new Validators(byNamespace, policy);
    }

    /** This registry with {@code validator} added, replacing one of the same namespace. */
    public Validators with(RecordValidator validator) {
        Map<String, RecordValidator> map = new TreeMap<>(byNamespace);
        map.put(validator.namespace(), validator);
        return new Validators(Map.copyOf(map), policy);
    }

    public UnknownNamespacePolicy policy() {
        return policy;
    }

    /** The namespaces validated. */
    public java.util.Set<String> namespaces() {
        return new java.util.TreeSet<>(byNamespace.keySet());
    }

    /** The namespace of {@code key}, if it has one. */
    public static Optional<String> namespace(RecordKey key) {
        byte[] b = key.toBytes();
        if (b.length < 2 || b[0] != '/') {
            return Optional.empty();
        }
        for (int i = 1; i < b.length; i++) {
            if (b[i] == '/') {
                return i == 1 ? Optional.empty() : Optional.of(new String(b, 1, i - 1, StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    private Optional<RecordValidator> validatorOf(RecordKey key) {
        return namespace(key).map(byNamespace::get);
    }

    /** Validates a record: by its namespace's validator, else as the policy says. */
    public Validation validate(RecordKey key, byte[] value, Instant now) {
        Optional<RecordValidator> v = validatorOf(key);
        if (v.isPresent()) {
            return v.get().validate(key, value, now);
        }
        if (policy == UnknownNamespacePolicy.REFUSE) {
            return Validation.invalid(InvalidReason.UNKNOWN_NAMESPACE, "no validator for "
                    + namespace(key).map(ns -> "namespace " + ns).orElse("a key without a namespace")
                    + " (the node refuses keys of unknown namespaces)");
        }
        return Validation.Valid.FOREVER;
    }

    /**
     * The index of the best of {@code values} (all valid) for {@code key}: its namespace's
     * choice, else the first.
     */
    public int select(RecordKey key, List<byte[]> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no value to select from");
        }
        if (values.size() == 1) {
            return 0;
        }
        int i = validatorOf(key).map(v -> v.select(key, values)).orElse(0);
        if (i < 0 || i >= values.size()) {
            throw new IllegalStateException("validator of " + key + " selected " + i + " of " + values.size());
        }
        return i;
    }

    /**
     * Whether {@code value} is worse than {@code held}, the value stored under {@code key}: they
     * differ, {@code held} is valid at {@code now}, and the validator selects it over
     * {@code value}. Such a value must not replace the held one (go refuses it with
     * {@code ErrOldRecord}); an invalid held value never stands in the way.
     */
    public boolean isWorse(RecordKey key, byte[] value, byte[] held, Instant now) {
        return !java.util.Arrays.equals(held, value) && validate(key, held, now).isValid()
                && select(key, List.of(value, held)) != 0;
    }

    @Override
    public String toString() {
        return "Validators" + byNamespace.keySet() + " unknown namespaces: " + policy;
    }
}
