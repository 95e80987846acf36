package org.tarflow.train.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tarflow} command line. */
@Command(name = "tarflow", mixinStandardHelpOptions = true, version = "tarflow-java 0.1.0",
        usageHelpAutoWidth = true,
        description = {
            "TarFlow normalizing flows (Transformer autoregressive flows over image patches) in pure Java: train,"
                + " evaluate and sample on the CPU (Vector API) or a GPU (OpenCL).",
            "",
            "Start with `tarflow demo`. Models are .safetensors files with the reference PyTorch code's parameter"
                + " names; arrays are NumPy .npy (images [B,C,H,W] in [-1,1], labels int64); pictures are PNG."
                + " Every command takes --backend cpu|opencl|reference and --help.",
            ""},
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, EncodeCommand.class, SampleCommand.class, DenoiseCommand.class, ClassifyCommand.class,
            DevicesCommand.class, CommandLine.HelpCommand.class})
public final class TarflowCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with every subcommand, the ones other modules provide included. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TarflowCli());
        for (CommandProvider p : ServiceLoader.load(CommandProvider.class)) {
            cl.addSubcommand(p.command());
        }
        // every command answers --help (and --version), also where it has required options
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                sub.getCommandSpec().mixinStandardHelpOptions(true);
            }
        }
        cl.setExecutionExceptionHandler(TarflowCli::report);
        return cl;
    }

    /** Prints a failure as one line a user can act on; the stack trace only with TARFLOW_DEBUG=1. */
    private static int report(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        if (ex instanceof NoSuchFileException nf) {
            message = "file not found: " + nf.getFile() + (nf.getReason() == null ? "" : " (" + nf.getReason() + ")");
        } else if (!(ex instanceof IOException) && !(ex instanceof IllegalArgumentException)
                && !(ex instanceof IllegalStateException)) {
            message = ex.getClass().getSimpleName() + ": " + message;
        }
        err.println("tarflow " + cmd.getCommandName() + ": error: " + message);
        if ("1".equals(System.getenv("TARFLOW_DEBUG"))) {
            ex.printStackTrace(err);
        } else {
            err.println("(run with TARFLOW_DEBUG=1 for the stack trace)");
        }
        return 1;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true"); // PNG writing and plots need no display
        int code = commandLine().execute(args);
        System.out.flush();
        System.exit(code);
    }
}
