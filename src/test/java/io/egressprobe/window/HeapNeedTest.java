package io.egressprobe.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeapNeedTest {
    /** The ring's bytes per attempt are its per-attempt arrays' element sizes: a new array there changes them. */
    @Test
    void shouldCountTheRingsBytesPerAttemptFromItsArrays() {
        Map<Class<?>, Integer> sizes = Map.of(long.class, 8, int.class, 4, byte.class, 1, boolean.class, 1);
        int perAttempt = Arrays.stream(SampleWindow.class.getDeclaredFields())
                .filter(f -> !Modifier.isStatic(f.getModifiers()) && f.getType().isArray())
                .map(Field::getType).mapToInt(t -> sizes.get(t.getComponentType())).sum();

        assertThat(HeapNeed.RING_BYTES_PER_ATTEMPT).isEqualTo(perAttempt);
    }

    @Test
    void shouldLeaveTheCollectorAThirdOfTheHeap() {
        assertThat(HeapNeed.fits(40L << 20, 60L << 20)).isTrue();
        assertThat(HeapNeed.fits((40L << 20) + 1, 60L << 20)).isFalse();
        assertThat(HeapNeed.heapFor(40L << 20)).isEqualTo(61);
    }
}
