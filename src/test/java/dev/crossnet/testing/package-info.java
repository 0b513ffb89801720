/**
 * Test support that touches the real kernel: a lab of network namespaces
 * ({@link dev.crossnet.testing.NetnsLab}) that names everything with a unique prefix, dumps kernel
 * state when a test fails and removes every namespace it made; running commands in namespaces; and
 * sending raw, spoofed IPv4 datagrams. Used by integration tests only; main code never depends on it.
 */
package dev.crossnet.testing;
