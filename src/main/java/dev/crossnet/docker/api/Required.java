package dev.crossnet.docker.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a request field that must be present and, for strings, non-empty. The dispatcher checks it
 * before the handler runs and answers {@code {"Err":"... <Field> is required"}} otherwise.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface Required {
}
