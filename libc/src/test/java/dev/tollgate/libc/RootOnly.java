package dev.tollgate.libc;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A libc test that needs root (it mounts). testkit's {@code @Privileged} cannot be used here:
 * testkit finds cgroup2 through this module. The skip reason starts as testkit's does
 * ({@code privileged test skipped: }), so CI fails a run as root that skipped one.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("privileged")
@ExtendWith(RootOnly.Condition.class)
@interface RootOnly {
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            long uid = new com.sun.security.auth.module.UnixSystem().getUid();
            return uid == 0
                    ? ConditionEvaluationResult.enabled("root")
                    : ConditionEvaluationResult.disabled("privileged test skipped: not running as root (uid " + uid + ")");
        }
    }
}
