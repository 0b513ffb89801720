/**
 * crossnet: cross-host networking for containers. Sub-packages mirror the domain (model, store,
 * lease, backend, kernel, agent, lab, cli); data flows from the store through the lease watcher to
 * the backends and the kernel, never back up. Here only what every layer shares: {@link
 * dev.crossnet.CrossnetException}, {@link dev.crossnet.Backoff} (when to retry), {@link
 * dev.crossnet.SelfCommand} (the command line that runs crossnet again) and {@link
 * dev.crossnet.ProblemLog} (what of a failing reconcile to log, once per change).
 */
package dev.crossnet;
