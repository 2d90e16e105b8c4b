package nettrace.bpf;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class whose public constants mirror a type of bpf/nettrace.h, name for name: for an
 * enum, each enumerator and its value; for a struct, each member (upper-cased) and its byte
 * offset, padding members left out. BpfContractTest holds every such class against the BPF
 * object's BTF, both ways.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface MirrorsBpf {
    /** The C type's name: "nt_event", "nt_event_flag". */
    String value();
}
