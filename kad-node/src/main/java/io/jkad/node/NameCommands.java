package io.jkad.node;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kad name publish} and {@code kad name resolve}: IPNS names, the node's own published as
 * signed records under {@code /ipns/<peer id>}, any resolved to the best valid record found. They
 * share {@link ClientCommands.Base}'s options, output and exit codes.
 */
@Command(name = "name", mixinStandardHelpOptions = true,
        description = "IPNS names: publish a value under the node's own name, resolve any name.",
        subcommands = {NameCommands.Publish.class, NameCommands.Resolve.class})
final class NameCommands implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a subcommand: publish or resolve");
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = {"Signs an IPNS record of VALUE (a path such as /ipfs/bafy…) with the node's key and puts it "
                    + "under the node's name, /ipns/<its peer id>.",
                    "Fails (exit 1) when fewer peers than the quorum stored it; the node keeps its own copy."})
    static final class Publish extends ClientCommands.Base<ApiTypes.PublishAnswer> {
        @Parameters(index = "0", paramLabel = "VALUE", description = "The value, e.g. /ipfs/bafy… or /ipns/k51….")
        String value;

        @Option(names = "--lifetime", paramLabel = "DURATION", defaultValue = "48h",
                description = "How long the record is valid (default: ${DEFAULT-VALUE}).")
        String lifetime;

        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "5m",
                description = "How long resolvers may cache it (default: ${DEFAULT-VALUE}).")
        String ttl;

        @Option(names = "--sequence", paramLabel = "N",
                description = "The record's sequence number (default: one above the best record found, 0 if none).")
        Long sequence;

        @Option(names = "--quorum", defaultValue = "1",
                description = "Peers that must store it: a number, 'majority' or 'all' (default: ${DEFAULT-VALUE}).")
        String quorum;

        Publish() {
            super(ApiTypes.PublishAnswer.class);
        }

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            Duration life = RunCommand.parseDuration("--lifetime", lifetime);
            Duration cache = "0".equals(ttl) ? Duration.ZERO : RunCommand.parseDuration("--ttl", ttl);
            return client.post("/v1/name/publish", new ApiTypes.PublishRequest(value, sequence, life.toSeconds(),
                    cache.toSeconds(), ApiEndpoints.parseQuorum(quorum)));
        }

        @Override
        void printOk(PrintStream out, ApiTypes.PublishAnswer a) {
            out.println("published " + a.value() + " under /ipns/" + a.name());
            out.println("  sequence " + a.sequence() + ", valid until " + a.validity() + ", ttl " + a.ttlS() + " s, stored at "
                    + ClientCommands.list(a.storedAt()).size() + " peers");
        }
    }

    @Command(name = "resolve", mixinStandardHelpOptions = true,
            description = {"Looks up NAME (a peer id, /ipns/…, or a libp2p-key CID such as k51…) and prints the value of "
                    + "the best valid record found (the highest sequence); its sequence and validity on stderr.",
                    "Fails (exit 1) when no valid record is found."})
    static final class Resolve extends ClientCommands.Base<ApiTypes.ResolveAnswer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "The name.")
        String name;

        @Option(names = "--quorum", paramLabel = "N", defaultValue = "16",
                description = "Copies to collect before choosing (default: ${DEFAULT-VALUE}, as the IPNS spec "
                        + "recommends; fewer found is fine).")
        String quorum;

        Resolve() {
            super(ApiTypes.ResolveAnswer.class);
        }

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            ApiEndpoints.parseName(name);
            return client.post("/v1/name/resolve", new ApiTypes.ResolveRequest(name, ApiEndpoints.parseQuorum(quorum)));
        }

        /** The value on stdout (for scripts), the record's sequence and validity on stderr. */
        @Override
        void printOk(PrintStream out, ApiTypes.ResolveAnswer a) {
            out.println(a.value());
            System.err.println("sequence " + a.sequence() + ", valid until " + a.validity() + ", ttl " + a.ttlS()
                    + " s, from " + a.from() + " (" + a.copies() + (a.copies() == 1 ? " valid copy" : " valid copies")
                    + " found)");
        }
    }
}
