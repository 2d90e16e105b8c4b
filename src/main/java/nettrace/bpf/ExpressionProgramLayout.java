package nettrace.bpf;

/** struct nt_expression_program: a --filter program, its instructions from the start. */
@MirrorsBpf("nt_expression_program")
public final class ExpressionProgramLayout {
    public static final int INSNS = 0;

    private ExpressionProgramLayout() {
    }
}
