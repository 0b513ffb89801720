/**
 * The one way from the store to the kernel: {@link dev.crossnet.reconcile.ReconcileLoop} (one
 * thread that runs every watch's events, every periodic pass and every Docker plugin call that
 * changes the kernel, one after the other), {@link dev.crossnet.reconcile.KernelDiff} (the pure diff
 * of desired against actual kernel state) and {@link dev.crossnet.reconcile.KernelWriter} (writes a
 * diff in the one order below, each object on its own). Both control paths use it: the flannel lease
 * path (agent, backend) and the Docker network path (docker). Nothing here reads the store's records
 * or knows a backend: callers compute the desired state.
 *
 * <h2>Write order</h2>
 * Adds and replaces first, deletes last; within each, the object that packets reach last first:
 * <ol>
 *   <li>replace neighbours, 2. replace FDB entries, 3. replace routes;</li>
 *   <li>delete routes, 5. delete neighbours, 6. delete FDB entries.</li>
 * </ol>
 * Why: a peer that moves (new PublicIP, new VtepMAC, an endpoint on another host) has its entries
 * replaced in place under the kernel's own key (a route by destination, a neighbour by (device, IP),
 * an FDB entry by (device, MAC)), so it never loses connectivity, and an entry is never deleted
 * before its replacement exists. A route is written after the neighbour and FDB entry it leads to
 * (flannel's vxlan order) and deleted before them. No object of ours needs a delete first: every
 * conflict the kernel knows is a key collision, and a replace resolves it (the Docker path used to
 * delete first "so a moved MAC is not duplicated"; keyed replaces cannot duplicate it).
 *
 * <h2>Failures</h2>
 * A failing object (a line the kernel refuses, a record the caller skips) never stops the others:
 * it is logged once per change (not once per pass), counted in {@code crossnet_reconcile_errors_total},
 * and retried after a backoff (1 s, doubling, at most the default resync interval), while the rest
 * of the batch and every later batch are written.
 */
package dev.crossnet.reconcile;
