package io.jkad.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link SerialExecutor} on a real pool of four threads. */
class SerialExecutorTest {

    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "serial-test");
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((th, e) -> uncaught.add(e));
        return t;
    });

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void runsTasksInOrderOneAtATimeWhileOthersShareThePool() throws Exception {
        SerialExecutor a = new SerialExecutor("a", pool);
        SerialExecutor b = new SerialExecutor("b", pool);
        List<Integer> seenA = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger runningA = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger doneB = new AtomicInteger();
        int n = 20_000;
        // Two producers feed each executor at once: a's tasks must still run alone and in the order queued.
        Thread producer = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                b.execute(doneB::incrementAndGet);
            }
        });
        producer.start();
        for (int i = 0; i < n; i++) {
            int k = i;
            a.execute(() -> {
                if (runningA.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                seenA.add(k);
                if (k % 1000 == 0) {
                    Thread.yield();
                }
                runningA.decrementAndGet();
            });
        }
        producer.join();
        await().atMost(Duration.ofSeconds(20)).until(() -> seenA.size() == n && doneB.get() == n);
        assertThat(overlaps).hasValue(0);
        for (int i = 0; i < n; i++) {
            assertThat(seenA.get(i)).isEqualTo(i);
        }
    }

    @Test
    void aTaskSeesWhatTheTaskBeforeItWroteWithoutVolatile() {
        SerialExecutor ex = new SerialExecutor("plain", pool);
        int[] counter = new int[1]; // plain field: the hand-over between drains must publish it
        int n = 50_000;
        for (int i = 0; i < n; i++) {
            ex.execute(() -> counter[0]++);
        }
        CountDownLatch done = new CountDownLatch(1);
        int[] last = new int[1];
        ex.execute(() -> {
            last[0] = counter[0];
            done.countDown();
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> done.getCount() == 0);
        assertThat(last[0]).isEqualTo(n);
    }

    @Test
    void failingTasksAreReportedAndTheNextTasksRun() {
        SerialExecutor ex = new SerialExecutor("failing", pool);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        ex.execute(() -> ran.add(1));
        ex.execute(() -> {
            throw new IllegalStateException("boom");
        });
        ex.execute(() -> ran.add(2));
        ex.execute(() -> {
            throw new AssertionError("an Error");
        });
        ex.execute(() -> ran.add(3));
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 3);
        assertThat(ran).containsExactly(1, 2, 3);
        assertThat(uncaught).as("the Error goes to the uncaught-exception handler, the RuntimeException is logged")
                .hasSize(1).first().isInstanceOf(AssertionError.class);
    }

    @Test
    void inExecutorIsTrueOnlyInsideItsTasks() {
        SerialExecutor ex = new SerialExecutor("where", pool);
        SerialExecutor other = new SerialExecutor("other", pool);
        List<Boolean> seen = new CopyOnWriteArrayList<>();
        ex.execute(() -> {
            seen.add(ex.inExecutor());
            seen.add(other.inExecutor());
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly(true, false);
        assertThat(ex.inExecutor()).isFalse();
    }

    @Test
    void aClosedExecutorDropsNewTasksButRunsThoseQueuedBefore() throws Exception {
        SerialExecutor ex = new SerialExecutor("closing", pool);
        CountDownLatch hold = new CountDownLatch(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        ex.execute(() -> {
            try {
                hold.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ran.add("first");
        });
        ex.execute(() -> ran.add("queued"));
        ex.close();
        assertThat(ex.offer(() -> ran.add("late"))).isFalse();
        ex.execute(() -> ran.add("late too"));
        hold.countDown();
        // both run, and no dropped task comes after them
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 2);
        assertThat(ran).containsExactly("first", "queued");
        assertThat(ex.isClosed()).isTrue();
    }

    @Test
    void tasksAreDroppedWhenThePoolIsShutDown() {
        ExecutorService stopped = Executors.newSingleThreadExecutor();
        stopped.shutdown();
        SerialExecutor ex = new SerialExecutor("stopped", stopped);
        AtomicInteger ran = new AtomicInteger();
        assertThat(ex.offer(ran::incrementAndGet)).isFalse();
        assertThat(ran).hasValue(0);
    }
}
