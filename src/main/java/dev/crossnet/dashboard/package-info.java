/**
 * The agent's live web dashboard: a Jetty handler serving one page and its script and style from
 * the jar (no CDN, it works offline), the cluster status document at {@code /api/status}, and the
 * same document pushed as server-sent events at {@code /api/events} whenever it changes. The
 * document comes through {@link dev.crossnet.dashboard.StatusSource}; nothing here reads the store
 * or the kernel itself.
 */
package dev.crossnet.dashboard;
