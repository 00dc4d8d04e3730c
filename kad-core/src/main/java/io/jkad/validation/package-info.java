/**
 * Record validation: a {@link io.jkad.validation.RecordValidator} per key namespace (found by
 * {@link java.util.ServiceLoader} like the stores, or given), the node's
 * {@link io.jkad.validation.Validators} with its policy for unknown namespaces, and the built-in
 * {@code pk} ({@link io.jkad.validation.PkValidator}) and {@code ipns}
 * ({@link io.jkad.validation.IpnsValidator}, {@link io.jkad.validation.IpnsRecord}) validators.
 */
package io.jkad.validation;
