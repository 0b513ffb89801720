package dev.crossnet.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For lab integration tests: hands out unique lab names ({@code cnt} + random, never the default
 * lab's nor another engineer's {@code cnk}/{@code cnu} namespaces), dumps every lab a failed test
 * made, and removes them all after each test whatever happened. Register with
 * {@code @RegisterExtension}.
 */
final class LabExtension implements AfterTestExecutionCallback, AfterEachCallback {
    private final List<String> names = new ArrayList<>();
    private final List<Lab> labs = new ArrayList<>();

    /** A fresh lab name, removed after the test. */
    String newName() {
        String n = "cnt" + UUID.randomUUID().toString().replace("-", "").substring(0, 7);
        names.add(n);
        return n;
    }

    /**
     * A fresh lab name this extension does not remove: for a lab a later test of the class takes over
     * ({@link #adopt}); the class removes it in {@code @AfterAll} if none does.
     */
    static String keptName() {
        return "cnt" + UUID.randomUUID().toString().replace("-", "").substring(0, 7);
    }

    /** A lab made with a {@link #keptName}, now this test's: dumped if it fails, removed after it. */
    Lab adopt(Lab lab) {
        names.add(lab.name());
        return track(lab);
    }

    /** Keeps {@code lab} for the failure dump; returns it. */
    Lab track(Lab lab) {
        labs.add(lab);
        return lab;
    }

    LabOptions options() {
        return LabOptions.defaults().withName(newName()).withProgress(line -> System.out.println("  " + line));
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            labs.forEach(l -> System.out.println(l.diagnostics()));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (String n : names) {
            Lab.down(n, LabOptions.DEFAULT_STATE_ROOT);
        }
        names.clear();
        labs.clear();
    }
}
