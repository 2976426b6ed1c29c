package dev.tollgate.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test that needs the real kernel: root, cgroup v2 and bpf(2).
 *
 * <p>Where those are missing the test is skipped with a reason that starts with
 * {@value PrivilegedCondition#SKIP_PREFIX}, which {@code .ci/run} looks for: a privileged
 * test skipped while CI runs as root fails the run.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("privileged")
@ExtendWith(PrivilegedCondition.class)
public @interface Privileged {
    /** External commands the test runs (e.g. {@code bpftool}); a missing one skips the test. */
    String[] commands() default {};
}
