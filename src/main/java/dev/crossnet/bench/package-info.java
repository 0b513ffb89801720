/**
 * Benchmarks, run from the CLI ({@code crossnet bench …}) and recorded in docs/benchmarks.md. Never
 * used as tests: they print numbers and ratios, they do not assert timings.
 */
package dev.crossnet.bench;
