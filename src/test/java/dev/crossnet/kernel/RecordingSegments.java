package dev.crossnet.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link Segments} in memory, recording each call that changes something; for unit tests. Not thread-safe. */
public final class RecordingSegments implements Segments {
    public final List<String> calls = new ArrayList<>();
    public final Map<String, SegmentSpec> segments = new LinkedHashMap<>();
    private final RecordingKernel kernel;

    /** @param kernel holds the veths as links, so that {@code links().deleteIfPresent} removes them */
    public RecordingSegments(RecordingKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public void ensureSegment(SegmentSpec spec) {
        if (!spec.equals(segments.get(spec.bridge()))) {
            calls.add("createSegment " + spec.bridge() + " " + spec.vxlan() + " vni " + spec.vni() + " gw " + spec.gateway());
            segments.put(spec.bridge(), spec);
        }
    }

    @Override
    public void deleteSegmentIfPresent(SegmentSpec spec) {
        if (segments.remove(spec.bridge()) != null) {
            calls.add("deleteSegment " + spec.bridge());
        }
    }

    @Override
    public void ensureVeth(String hostSide, String peer, String peerMac, int mtu, String bridge) {
        if (!kernel.links.containsKey(hostSide)) {
            calls.add("createVeth " + hostSide + " " + peer + " " + peerMac + " on " + bridge);
            kernel.addLink(new Link(hostSide, kernel.links.size() + 100, "veth", "02:00:00:00:00:01", mtu, true, null, List.of()));
        }
    }
}
