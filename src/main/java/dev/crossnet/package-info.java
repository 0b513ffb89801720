/**
 * crossnet: cross-host networking for containers. Sub-packages mirror the domain (model, store,
 * lease, backend, kernel, agent, lab, cli); data flows from the store through the lease watcher to
 * the backends and the kernel, never back up.
 */
package dev.crossnet;
