package io.jkad.net;

/**
 * A {@link ResourceManager} refused a connection, a stream or bytes: the scope that was full, the
 * resource, and the limit. The caller refuses what it was asked for (closes the connection, resets
 * the stream) and nothing else.
 */
public final class ResourceLimitException extends Exception {

    private final ResourceManager.Scope scope;
    private final ResourceManager.Resource resource;
    private final long limit;

    ResourceLimitException(ResourceManager.Scope scope, ResourceManager.Resource resource, long limit, String detail) {
        super(scope.label() + " " + resource.label() + " limit " + limit + " reached" + (detail.isEmpty() ? "" : ": " + detail),
                null, false, false);
        this.scope = scope;
        this.resource = resource;
        this.limit = limit;
    }

    /** The scope whose limit was reached. */
    public ResourceManager.Scope scope() {
        return scope;
    }

    /** The resource that ran out. */
    public ResourceManager.Resource resource() {
        return resource;
    }

    /** The limit that was reached. */
    public long limit() {
        return limit;
    }
}
