/**
 * Test support for integration tests: a lab of network namespaces ({@link dev.crossnet.testing.NetnsLab})
 * that names everything with a unique {@code cnk} prefix, dumps kernel state when a test fails and
 * removes every namespace it made.
 */
package dev.crossnet.testing;
