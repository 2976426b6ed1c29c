package dev.tollgate.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "completion", hidden = true, description = {"Print the shell completion script: "
        + "source <(tollctl completion) in bash; in zsh too (it loads bashcompinit)."})
final class CompletionCommand extends Verb {
    @Parameters(paramLabel = "SHELL", arity = "0..1", defaultValue = "bash", description = "bash or zsh.")
    String shell;

    @Override
    int execute() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new Failure(ExitCodes.USAGE, "tollctl: completion for bash and zsh only, not '" + shell + "'.");
        }
        Tollctl fresh = new Tollctl();
        fresh.env = root.env;
        CommandLine all = Tollctl.commandLine(fresh, Tollctl.VERBS);
        out().print(AutoComplete.bash("tollctl", all));
        return ExitCodes.SUCCESS;
    }
}
