package dev.crossnet.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A fake {@link Plugins}: records each call and answers from a queue (default: null, success). */
final class RecordingPlugins implements Plugins {
    record Call(String type, CniEnv.Command command, String containerId, String ifname, ObjectNode conf) {
    }

    final List<Call> calls = new ArrayList<>();
    private final Deque<Object> answers = new ArrayDeque<>();

    /** The next call returns {@code result}. */
    RecordingPlugins answer(JsonNode result) {
        answers.add(result);
        return this;
    }

    /** The next call throws {@code error}. */
    RecordingPlugins fail(CniError error) {
        answers.add(error);
        return this;
    }

    @Override
    public JsonNode run(String type, CniEnv.Command command, CniEnv env, ObjectNode conf) throws CniError {
        calls.add(new Call(type, command, env.containerId(), env.ifname(), conf.deepCopy()));
        Object a = answers.poll();
        if (a instanceof CniError e) {
            throw e;
        }
        return (JsonNode) a;
    }

    List<CniEnv.Command> commands() {
        return calls.stream().map(Call::command).toList();
    }

    /** {@code containerId/ifname} of each call, in order. */
    List<String> interfaces() {
        return calls.stream().map(c -> c.containerId() + "/" + c.ifname()).toList();
    }
}
