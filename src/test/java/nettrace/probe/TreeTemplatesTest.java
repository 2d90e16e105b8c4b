package nettrace.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import nettrace.kernel.Btf;
import nettrace.testing.BpfObjectFile;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Mechanism;
import nettrace.tracer.Tracer;
import nettrace.tracer.TracerTree;
import org.junit.jupiter.api.Test;

/**
 * Every BPF program a tracer of the tree can need, under any mechanism a kernel may allow, is in
 * the BPF object: a tree entry without its program would fail only on the kernels that pick it.
 */
class TreeTemplatesTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    @Test
    void everyTemplateTheTreeCanAskForIsInTheObject() {
        Set<String> programs = BpfObjectFile.btf().names(Btf.Kind.FUNC);
        Optional<Btf> kernel = Files.isReadable(VMLINUX) ? Optional.of(Btf.read(VMLINUX)) : Optional.empty();
        Set<String> missing = new TreeSet<>();
        int checked = 0;
        for (Tracer tracer : TracerTree.load().all()) {
            for (AttachPlan.Planned planned : possiblePlans(tracer, kernel)) {
                checked++;
                List<String> templates = new ArrayList<>();
                templates.add(ProbeSet.entryTemplate(planned));
                ProbeSet.exitTemplate(planned).ifPresent(templates::add);
                for (String template : templates) {
                    if (!programs.contains(template)) {
                        missing.add(template + " (" + tracer.name() + ", " + planned.mechanism().label() + ")");
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(300);
        assertThat(missing).isEmpty();
    }

    /** The plans a kernel may make for a tracer: each mechanism, with and without its return value. */
    private static List<AttachPlan.Planned> possiblePlans(Tracer tracer, Optional<Btf> kernel) {
        List<AttachPlan.Planned> plans = new ArrayList<>();
        String expected = tracer.sockArgument() ? "struct sock *" : "struct sk_buff *";
        if (tracer.hasFunction()) {
            Set<Integer> arguments = new TreeSet<>(List.of(tracer.argument()));
            for (String function : tracer.functions()) {
                kernel.flatMap(btf -> btf.functionParameters(function)).flatMap(p -> indexOf(p, expected))
                        .ifPresent(arguments::add);
            }
            boolean ownProgram = tracer.program().isPresent();
            for (Mechanism mechanism : List.of(Mechanism.FENTRY, Mechanism.KPROBE_MULTI, Mechanism.KPROBE)) {
                for (int argument : arguments) {
                    plans.add(plan(tracer, mechanism, argument, true));
                    if (!ownProgram && !tracer.needsReturnValue()) {
                        plans.add(plan(tracer, mechanism, argument, false));
                    }
                }
            }
        }
        if (tracer.tracepoint().isPresent()) {
            Optional<Integer> argument = kernel
                    .flatMap(btf -> btf.tracepointParameters(tracer.tracepointName().orElseThrow()))
                    .flatMap(p -> indexOf(p, expected));
            argument.ifPresent(index -> plans.add(plan(tracer, Mechanism.TRACEPOINT, index, false)));
        }
        return plans;
    }

    private static AttachPlan.Planned plan(Tracer tracer, Mechanism mechanism, int argument, boolean withReturn) {
        return new AttachPlan.Planned(tracer, 0, mechanism, tracer.name(), 0, Optional.empty(), argument,
                withReturn);
    }

    private static Optional<Integer> indexOf(List<Btf.Parameter> parameters, String type) {
        for (int i = 0; i < parameters.size(); i++) {
            if (parameters.get(i).typeName().equals(type)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }
}
