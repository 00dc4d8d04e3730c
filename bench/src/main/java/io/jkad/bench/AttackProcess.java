package io.jkad.bench;

import com.google.gson.Gson;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link FloodAttack} in a JVM of its own, so that {@link FloodBench} can pin the attackers to other
 * CPUs than the node and the honest peers ({@code --attack-cpus}): on a two-core machine the
 * attackers would otherwise take the CPU the honest peers need to send and receive, and the honest
 * latency would measure the attackers' machine rather than the node. The parent starts it, it
 * prints {@code started}, floods until its standard input closes or says {@code stop}, then prints
 * its counters as one JSON line and exits.
 */
final class AttackProcess implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private Map<String, Object> stats = Map.of();

    private AttackProcess(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the attackers in a child JVM under {@code taskset -c cpus}; returns once they run. */
    static AttackProcess start(FloodTarget target, FloodAttack.Sizes sizes, String cpus, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpus, java, "-Xmx512m", "-cp",
                System.getProperty("java.class.path"), AttackProcess.class.getName(), target.id.toString(),
                target.address.toString(), Integer.toString(sizes.preAuth()), Integer.toString(sizes.preAuthIps()),
                Integer.toString(sizes.abusersPerKind()), Integer.toString(sizes.requestStreams()),
                Integer.toString(sizes.pingStreams()), Integer.toString(sizes.frameStreams())));
        AttackProcess a = new AttackProcess(new ProcessBuilder(cmd).redirectError(log.toFile()).start());
        String first = a.out.readLine();
        if (!"started".equals(first)) {
            a.process.destroyForcibly();
            throw new IOException("the attack process did not start (" + first + "): see " + log);
        }
        return a;
    }

    /** The attackers' counters, once closed. */
    Map<String, Object> stats() {
        return stats;
    }

    /** Stops the attackers and reads their counters. */
    @Override
    @SuppressWarnings("unchecked")
    public void close() throws IOException, InterruptedException {
        try {
            process.getOutputStream().write("stop\n".getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            String line = out.readLine();
            if (line != null) {
                Map<String, Object> read = new LinkedHashMap<>();
                new Gson().fromJson(line, Map.class).forEach((k, v) ->
                        read.put((String) k, v instanceof Double d && d == Math.rint(d) ? (Object) d.longValue() : v));
                stats = read;
            }
        } finally {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int[] n = new int[6];
        for (int i = 0; i < n.length; i++) {
            n[i] = Integer.parseInt(args[2 + i]);
        }
        FloodAttack.Sizes sizes = new FloodAttack.Sizes(n[0], n[1], n[2], n[3], n[4], n[5]);
        FloodAttack attack = FloodAttack.start(PeerId.parse(args[0]), Multiaddr.parse(args[1]), sizes);
        System.out.println("started");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        do {
            line = in.readLine();
        } while (line != null && !line.equals("stop"));
        attack.close();
        System.out.println(new Gson().toJson(attack.stats()));
        System.out.flush();
        System.exit(0); // the hosts' event loops are not daemon threads
    }
}
