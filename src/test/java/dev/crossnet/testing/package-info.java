/**
 * Test helpers that touch the real kernel: running commands in namespaces and sending raw,
 * spoofed IPv4 datagrams. Used by integration tests only; nothing in main code depends on them.
 */
package dev.crossnet.testing;
