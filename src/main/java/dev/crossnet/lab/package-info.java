/**
 * The lab: several simulated hosts on one machine, built from network namespaces, with one real
 * agent process per host and "container" namespaces on each host's bridge. {@link dev.crossnet.lab.Lab}
 * is the API the CLI and the project's integration tests share. Nothing here is used by the agent
 * itself, and nothing here touches the root namespace's interfaces: every device lives inside a
 * namespace named after the lab, so {@code down} can find it again by prefix.
 */
package dev.crossnet.lab;
