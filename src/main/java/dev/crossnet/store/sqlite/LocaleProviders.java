package dev.crossnet.store.sqlite;

/**
 * Keeps sqlite-jdbc from loading the JDK's CLDR locale data.
 *
 * <p>Every sqlite-jdbc connection config builds a date formatter for its {@code date_string_format}
 * ({@code SQLiteConnectionConfig} → {@code FastDateFormat.getInstance} → {@code FastDateParser} →
 * {@code Calendar.getInstance}), even though crossnet stores no dates. The calendar's week data comes from
 * the first locale provider; with the JDK's default order (CLDR first) that is the CLDR adapter, which on
 * first use creates a {@link java.util.Locale} for every tag in its parent-locale table (about 1000, kept
 * for the life of the process) plus the classes behind them. The JRE's own data (COMPAT) answers the same
 * question for the default locale from one small resource bundle.
 *
 * <p>{@link #preferCompat()} puts COMPAT first and keeps CLDR behind it for locales COMPAT does not know.
 * The JDK reads {@code java.locale.providers} once, when the first locale service is used, so this only
 * works if called before that; it is a no-op when the property is already set (an operator's choice wins)
 * and on Java 21 or later, which warns that COMPAT is going away. For the locales crossnet runs in (en,
 * ROOT), COMPAT and CLDR give the same digits, separators and signs, which is all crossnet formats
 * ({@code %d}, {@code %.1f}, numeric date patterns); crossnet parses nothing locale-dependent.
 */
final class LocaleProviders {

    static final String PROPERTY = "java.locale.providers";
    static final String COMPAT_FIRST = "COMPAT,CLDR";

    private LocaleProviders() {}

    /** Sets {@value #PROPERTY} to {@value #COMPAT_FIRST} unless it is set or the JDK is 21 or newer. Idempotent. */
    static synchronized void preferCompat() {
        if (Runtime.version().feature() < 21 && System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, COMPAT_FIRST);
        }
    }
}
