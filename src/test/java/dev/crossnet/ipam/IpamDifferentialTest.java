package dev.crossnet.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random operation sequences on {@link StoreIpam} and {@link ReferenceIpam} must give the same answers. */
class IpamDifferentialTest {
    private static final String[] SUBNETS = {"10.0.0.0/29", "10.0.0.0/28", "10.0.0.8/29", "10.1.0.0/30", "10.2.0.0/31", "fd00::/125", "oops"};
    private static final String[] RANGES = {null, null, "10.0.0.4/30", "10.0.0.8/30", "10.9.0.0/30"};
    private static final String[] NAMES = {null, "a", "b", "bad name"};

    @TempDir
    Path tmp;

    @Test
    void randomSequences_storeIpamMatchesReference() {
        for (int seed = 0; seed < 30; seed++) {
            try (SqliteStore store = new SqliteStore(tmp.resolve("s" + seed + ".db"), Clock.systemUTC(), Duration.ofMillis(20))) {
                run(seed, new StoreIpam(store, "/d", seed % 2 == 0 ? "h1" : "h2"), new ReferenceIpam());
            }
        }
    }

    private static void run(long seed, Ipam real, Ipam ref) {
        Random rnd = new Random(seed);
        List<String[]> claims = new ArrayList<>(); // {realId, refId}
        for (int step = 0; step < 150; step++) {
            int op = rnd.nextInt(10);
            String ctx = "seed " + seed + " step " + step;
            if (op == 0 || claims.isEmpty()) {
                String subnet = SUBNETS[rnd.nextInt(SUBNETS.length)];
                String name = NAMES[rnd.nextInt(NAMES.length)];
                String range = RANGES[rnd.nextInt(RANGES.length)];
                boolean v6 = subnet.contains(":") ? rnd.nextInt(8) != 0 : rnd.nextInt(8) == 0;
                Outcome<PoolClaim> a = Outcome.of(i -> i.requestPool(name, subnet, range, v6), real);
                Outcome<PoolClaim> b = Outcome.of(i -> i.requestPool(name, subnet, range, v6), ref);
                assertThat(a.failed()).as(ctx + " requestPool " + name + " " + subnet + " " + range + ": " + a + " vs " + b).isEqualTo(b.failed());
                if (!a.failed()) {
                    assertThat(a.value().subnet()).isEqualTo(b.value().subnet());
                    claims.add(new String[] {a.value().id(), b.value().id()});
                }
                continue;
            }
            int c = rnd.nextInt(claims.size());
            String[] ids = claims.get(c);
            if (op == 1) {
                Outcome<Boolean> a = Outcome.of(i -> { i.releasePool(ids[0]); return true; }, real);
                Outcome<Boolean> b = Outcome.of(i -> { i.releasePool(ids[1]); return true; }, ref);
                assertThat(a.failed()).as(ctx + " releasePool").isEqualTo(b.failed());
                if (rnd.nextBoolean()) {
                    claims.remove(c); // sometimes keep the dead ID, to exercise unknown-pool answers
                }
                continue;
            }
            String preferred = rnd.nextInt(3) == 0 ? pick(rnd) : null;
            if (op <= 3) {
                String addr = preferred != null ? preferred : pick(rnd);
                Outcome<Boolean> a = Outcome.of(i -> { i.releaseAddress(ids[0], addr); return true; }, real);
                Outcome<Boolean> b = Outcome.of(i -> { i.releaseAddress(ids[1], addr); return true; }, ref);
                assertThat(a.failed()).as(ctx + " releaseAddress " + addr + ": " + a + " vs " + b).isEqualTo(b.failed());
                continue;
            }
            AddressKind kind = op == 4 ? AddressKind.GATEWAY : AddressKind.CONTAINER;
            Outcome<String> a = Outcome.of(i -> i.requestAddress(ids[0], preferred, kind), real);
            Outcome<String> b = Outcome.of(i -> i.requestAddress(ids[1], preferred, kind), ref);
            assertThat(a.toString()).as(ctx + " requestAddress " + preferred + " " + kind).isEqualTo(b.toString());
        }
    }

    private static String pick(Random rnd) {
        return rnd.nextInt(6) == 0 ? "fd00::" + rnd.nextInt(9) : "10." + rnd.nextInt(3) + ".0." + rnd.nextInt(17);
    }

    private record Outcome<T>(T value, boolean failed) {
        static <T> Outcome<T> of(Function<Ipam, T> call, Ipam ipam) {
            try {
                return new Outcome<>(call.apply(ipam), false);
            } catch (IpamException e) {
                return new Outcome<>(null, true);
            }
        }

        @Override
        public String toString() {
            return failed ? "error" : String.valueOf(value);
        }
    }
}
