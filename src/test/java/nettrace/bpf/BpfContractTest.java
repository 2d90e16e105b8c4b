package nettrace.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import nettrace.kernel.Btf;
import nettrace.testing.BpfObjectFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The C/Java contract by construction: every struct nt_* and enum nt_* of the BPF object's BTF
 * has a class of this package mirroring it (@MirrorsBpf), and each such class has exactly the
 * type's members (byte offsets) or enumerators (values), no more, no fewer.
 */
class BpfContractTest {
    private static final Btf OBJECT = BpfObjectFile.btf();
    /** The struct whose members only carry the enums into the BTF. */
    private static final String CONTRACT = "nt_contract";

    private static Map<String, Class<?>> mirrors() {
        try {
            Path folder = Path.of(MirrorsBpf.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .resolve("nettrace/bpf");
            try (Stream<Path> files = Files.list(folder)) {
                return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".class"))
                        .map(name -> load("nettrace.bpf." + name.substring(0, name.length() - ".class".length())))
                        .filter(type -> type.isAnnotationPresent(MirrorsBpf.class))
                        .collect(Collectors.toMap(type -> type.getAnnotation(MirrorsBpf.class).value(), type -> type));
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The shared types the object declares: its nt_* structs and enums. */
    private static Set<String> sharedTypes() {
        return Stream.of(Btf.Kind.STRUCT, Btf.Kind.ENUM).flatMap(kind -> OBJECT.names(kind).stream())
                .filter(name -> name.startsWith("nt_") && !name.equals(CONTRACT))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** A class's public constants, by name. */
    static Map<String, Long> constants(Class<?> type) {
        Map<String, Long> constants = new TreeMap<>();
        for (Field field : type.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (Modifier.isPublic(modifiers) && Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)) {
                try {
                    constants.put(field.getName(), ((Number) field.get(null)).longValue());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return constants;
    }

    /** What the BTF says a mirror must hold: enumerators and values, or members (upper-cased) and offsets. */
    static Map<String, Long> expected(Btf btf, String type) {
        if (btf.find(type, Btf.Kind.ENUM).isPresent()) {
            return btf.enumValues(type).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getValue, Map.Entry::getKey, (a, b) -> a, TreeMap::new));
        }
        return btf.structMembers(type).stream().filter(member -> !member.name().endsWith("pad"))
                .collect(Collectors.toMap(member -> member.name().toUpperCase(Locale.ROOT),
                        member -> member.bitOffset() / 8, (a, b) -> a, TreeMap::new));
    }

    @Test
    void everySharedTypeHasAMirrorAndEveryMirrorAType() {
        assertThat(mirrors().keySet()).containsExactlyInAnyOrderElementsOf(sharedTypes());
    }

    @TestFactory
    Stream<DynamicTest> eachMirrorHoldsExactlyItsTypesMembersOrValues() {
        return mirrors().entrySet().stream().map(mirror -> DynamicTest.dynamicTest(mirror.getKey(),
                () -> assertThat(constants(mirror.getValue())).as(mirror.getValue().getSimpleName())
                        .isEqualTo(expected(OBJECT, mirror.getKey()))));
    }

    @Test
    void theRecordSizesAreTheStructsSizes() {
        assertThat(OBJECT.size(OBJECT.find("nt_event", Btf.Kind.STRUCT).orElseThrow()))
                .isEqualTo(EventSizes.NT_EVENT_INNER_SIZE).isEqualTo(RecordLayout.CAPTURE);
        assertThat(OBJECT.size(OBJECT.find("nt_record", Btf.Kind.STRUCT).orElseThrow()))
                .isEqualTo(RecordLayout.CAPTURE + CaptureLayout.DATA + Sizes.SNAPLEN_MAX);
        assertThat(OBJECT.size(OBJECT.find("nt_packet", Btf.Kind.STRUCT).orElseThrow())).isEqualTo(72);
        assertThat(EventSizes.NT_EVENT_CAPTURE_SIZE).isEqualTo(RecordLayout.CAPTURE + CaptureLayout.DATA);
    }
}
