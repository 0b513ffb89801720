package dev.crossnet.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MemoTest {
    final Memo<String> memo = new Memo<>();
    final AtomicInteger computed = new AtomicInteger();

    String get(List<?> records, Object key) {
        return memo.get(records, key, () -> computed.incrementAndGet() + ":" + records + key);
    }

    @Test
    void sameRecordsAndKey_computedOnce_evenFromAnotherCollection() {
        Object a = new Object();
        Object b = new Object();
        String first = get(List.of(a, b), "k");
        assertThat(get(new ArrayList<>(List.of(a, b)), "k")).isSameAs(first);
        assertThat(computed).hasValue(1);
    }

    @Test
    void anEqualButNewRecord_isAChange() {
        String a = new String("lease");
        get(List.of(a), "k");
        get(List.of(new String("lease")), "k");
        assertThat(computed).hasValue(2);
    }

    @Test
    void anotherKey_aRecordMoreOrLess_orAnotherOrder_areChanges() {
        Object a = new Object();
        Object b = new Object();
        get(List.of(a, b), "k");
        get(List.of(a, b), "other");
        get(List.of(a), "other");
        get(List.of(a, b), "other");
        get(List.of(b, a), "other");
        assertThat(computed).hasValue(5);
    }

    @Test
    void theCallersLaterChangesToItsCollection_areNotMissed() {
        Object a = new Object();
        List<Object> records = new ArrayList<>(List.of(a));
        get(records, null);
        records.add(new Object());
        get(records, null);
        assertThat(computed).hasValue(2);
    }
}
